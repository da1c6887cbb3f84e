from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmaps"

    def ready(self) -> None:
        from roadmap import signals  # noqa: F401

        post_migrate.connect(
            _create_cache_table, sender=self, dispatch_uid="create_cache_table"
        )


def _create_cache_table(sender, using, verbosity=1, **kwargs) -> None:
    """Without Redis the cache (rate limits, cached pages) is a database table
    that no migration describes: `migrate` creates it, every time it runs, so a
    freshly migrated database (or one that just stopped using Redis) serves pages
    and signs people in. A no-op when the table exists or the cache is Redis."""
    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))
