"""Which database a query uses when a replica is configured (DATABASE_REPLICA_URL).

Writes, migrations and everything inside a transaction use the primary
(`default`). Reads use the replica only while the request being answered allows
it (config/replica.py decides, per request) and outside that only the primary:
management commands, the task worker and the shell read what they wrote.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, transaction

from config.replica import REPLICA, current

# The database cache's table is a model of this app, for routing (Django's
# documented name). Its rows follow the reads: a page's cached parts and the
# generations they are keyed by come from the same database as its data, so a
# lagging replica never has a new generation without the rows it stands for.
CACHE_APP = "django_cache"
# Sessions are always read from the primary: a session read from a lagging
# replica could sign someone out who just signed in, or, saved back, undo a
# newer change to it.
PRIMARY_ONLY_APPS = frozenset({"sessions"})


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = current.get()
        if (
            reads is None
            or not reads.replica
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or not transaction.get_autocommit(using=DEFAULT_DB_ALIAS)
        ):
            return DEFAULT_DB_ALIAS
        reads.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        reads = current.get()
        # A write pins the request, and the browser for a few seconds, to the
        # primary; writing a cached entry does not (a page view may do it).
        if reads is not None and model._meta.app_label != CACHE_APP:
            reads.replica = False
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
