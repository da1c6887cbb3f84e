"""Content signals: the prerequisite cycle guard, and retiring cached pages.

The guard is the last line of defence: no code path can store a prerequisite cycle.

Forms and the loader check first and show friendly errors; this catches the shell,
scripts and anything else that adds prerequisites directly.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from roadmap import page_cache
from roadmap.models import LearningStep


@receiver(m2m_changed, sender=LearningStep.prerequisites.through)
def refuse_prerequisite_cycles(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    edges = LearningStep.prerequisite_edges()
    if reverse:
        # instance.unlocks.add(steps): each step now depends on instance.
        for step_id in pk_set:
            edges.setdefault(step_id, set()).add(instance.pk)
    else:
        edges.setdefault(instance.pk, set()).update(pk_set)
    LearningStep.check_prerequisite_edges(edges)


# Retiring cached pages. The content loader and the admin's bulk publish and
# unpublish call `page_cache.content_changed` themselves; these receivers are for
# the writes that come from outside the app's own functions: the admin's forms
# and inlines (a save, a delete, a re-linked prerequisite or source) and the
# shell. The loader's own saves reach them too, and fold into its bump: a
# generation is written once per transaction (config/caching.py).


def _retire_cached_pages(sender, **kwargs) -> None:
    if sender._meta.app_label == "roadmap":
        page_cache.content_changed()


def _retire_cached_pages_on_m2m(sender, action, **kwargs) -> None:
    if action.startswith("post_") and sender._meta.app_label == "roadmap":
        page_cache.content_changed()


post_save.connect(_retire_cached_pages, dispatch_uid="roadmap_page_cache_save")
post_delete.connect(_retire_cached_pages, dispatch_uid="roadmap_page_cache_delete")
m2m_changed.connect(_retire_cached_pages_on_m2m, dispatch_uid="roadmap_page_cache_m2m")
