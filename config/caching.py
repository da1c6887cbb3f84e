"""When a cached entry is stale, in one place: generations and the release.

Every entry is keyed by what it was computed from, so a key names fresh data
or nothing: no code elsewhere decides whether an entry may still be served.

**Generations**, the djangoproject.com way. Everything cached is keyed by the
*generation* of each group of data it was computed from: a number kept in the
cache itself, created when first read. The groups:

- `content`: every role, stage, step, skill, concept, resource and source;
- `learner`, with the learner's id: their statuses, events, follows, notes,
  evidence, self-assessments, account settings and the feedback they get.

The function that writes calls `bump(group, id)` after the write; the next read
misses and computes afresh. Nothing is deleted: old entries expire.

A bump replaces the number at once, so the writing request reads fresh entries,
and again when the transaction commits, so that a page another process rendered
from the old rows while the transaction was in flight is never served
afterwards. On the database cache the number is a row of the same database,
written in the same transaction as the change, so it changes exactly when the
change commits and the second write is not needed. Write functions bump once,
after their last write (a role's reset, the content loader).

Entries are also dated where the data says so: a learner's figures by their
own day (`progress.figures.learner_entry`), so a new day recounts them.

**The release** is part of every key: a deploy that changes a template or the
code never serves what the code before it cached. It is `WAYMARK_RELEASE` when
the deployer sets it (the git commit, say), else a digest of the project's code
and templates, computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import transaction

from config import replica

# Each group, and whether its generations are per id.
GROUPS = {"content": False, "learner": True}
CONTENT = ("content", None)

DAY = 24 * 60 * 60

Group = tuple[str, int | None]


# --- Generations ---------------------------------------------------------------


def generation(group: str, id: int | None = None) -> int:
    """The current generation of a group (or of one id's group)."""
    return _numbers([_key(group, id)])[0]


def generations(group: str, ids: Iterable[int]) -> dict[int, int]:
    """The current generation of each id's group, in one cache round trip."""
    ids = list(ids)
    return dict(zip(ids, _numbers([_key(group, pk) for pk in ids]), strict=True))


def bump(group: str, id: int | None = None) -> None:
    """Retire everything cached from a group: call it after the write that
    changes the group, in the write's transaction when it has one. The number
    is replaced at once, so the writing request reads fresh entries, and again
    when the transaction commits, so that an entry another process computed
    from the old rows meanwhile is never served afterwards (unless the number
    is a row of the same database, written with the change)."""
    key = _key(group, id)
    _write(key)
    if not transaction.get_autocommit() and not _written_with_the_data():
        transaction.on_commit(lambda: _write(key))


def _key(group: str, id: int | None) -> str:
    if group not in GROUPS or GROUPS[group] != (id is not None):
        raise ValueError(f"no generation {group!r} with id {id!r}")
    return f"generation:{group}" if id is None else f"generation:{group}:{id}"


def _numbers(keys: list[str]) -> list[int]:
    found = cache.get_many(keys)
    missing = {key: time.time_ns() for key in keys if key not in found}
    if missing:
        # Another process may create the same number meanwhile: the last one
        # written wins. A new number can only cause a recount, never a stale
        # entry, since whoever writes one computes after writing it.
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return [found[key] for key in keys]


def _write(key: str) -> None:
    cache.set(key, time.time_ns(), timeout=None)


def _written_with_the_data() -> bool:
    """Whether generations are rows of the app's own database, written in the
    same transaction as the change they follow: so on the database cache, since
    `config/db_router.py` writes every model, the cache's table included, to the
    primary."""
    return is_database()


def is_database() -> bool:
    """Whether the cache is the database's table: there every entry read or
    written is a query, so caching many small entries costs more than it saves."""
    return isinstance(caches["default"], DatabaseCache)


def content_etag() -> str:
    """The version of every answer computed from the content alone: the release
    and the content's generation, so it changes with a content change or a
    deploy. The public API sends it as its ETag."""
    return f"{release()}-{generation('content')}"


# --- Cached entries --------------------------------------------------------------


def key(name: str, depends_on: Iterable[Group]) -> str:
    """The key of an entry: its name, the release, and the current generation
    of each group it depends on."""
    return keys({None: (name, depends_on)})[None]


def keys(entries: dict[Any, tuple[str, Iterable[Group]]]) -> dict[Any, str]:
    """The key of each entry, reading every generation in one round trip."""
    entries = {ref: (name, list(groups)) for ref, (name, groups) in entries.items()}
    needed = sorted(
        {_key(*group) for _, groups in entries.values() for group in groups}
    )
    numbers = dict(zip(needed, _numbers(needed), strict=True))
    running = release()
    return {
        ref: ":".join(
            [name, running, *(str(numbers[_key(*group)]) for group in groups)]
        )
        for ref, (name, groups) in entries.items()
    }


# The entries this process used last, by key: a key names the generations and
# the release, so an entry is never stale. Saves fetching and unpickling a few
# hundred kilobytes of page from the shared cache on every request.
_recent: OrderedDict[str, Any] = OrderedDict()
RECENT_ENTRIES = 32


def cached(
    name: str,
    compute: Callable[[], Any],
    *,
    depends_on: Iterable[Group],
    timeout: int,
    in_process: bool = False,
) -> Any:
    """`compute()`, kept in the shared cache until a group it depends on is
    bumped (or `timeout` seconds pass); with `in_process`, also in this
    process's memory. Callers must not change what they get: the requests that
    follow share it."""
    entry_key = key(name, depends_on)
    value = _recent.get(entry_key) if in_process else None
    if value is not None:
        with suppress(KeyError):  # another thread may just have dropped it
            _recent.move_to_end(entry_key)
        return value
    value = cache.get(entry_key)
    if value is None:
        with replica.primary_reads():  # never older than the generations it is under
            value = compute()
        cache.set(entry_key, value, timeout)
    if in_process:
        _recent[entry_key] = value
        with suppress(KeyError):
            while len(_recent) > RECENT_ENTRIES:
                _recent.popitem(last=False)
    return value


def cached_many(
    entries: dict[Any, tuple[str, Iterable[Group]]],
    compute: Callable[[list], dict],
    *,
    timeout: int,
) -> dict:
    """Many entries at once, as `cached` keeps one: `entries` names each
    entry's key (`ref -> (name, depends_on)`) and `compute(refs)` gives
    `{ref: value}` for the refs not found, in one call: two cache round trips
    however many entries. On the database cache, where each entry is a row to
    read and write, everything is computed instead."""
    refs = list(entries)
    if not refs or is_database():
        return compute(refs)
    entry_keys = keys(entries)
    found = cache.get_many(entry_keys.values())
    missing = [ref for ref in refs if entry_keys[ref] not in found]
    fresh = {}
    if missing:
        with replica.primary_reads():  # never older than the generations it is under
            fresh = compute(missing)
        cache.set_many({entry_keys[ref]: fresh[ref] for ref in missing}, timeout)
    return {ref: fresh[ref] if ref in fresh else found[entry_keys[ref]] for ref in refs}


# --- The release -------------------------------------------------------------------

# What can change the markup or the shape of what is cached: the apps' code and
# templates, the project templates, and the pinned dependencies (Django's and
# allauth's own templates and widgets).
SOURCE_FOLDERS = ("accounts", "config", "mentoring", "progress", "roadmap", "templates")
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt"})
SOURCE_FILES = ("requirements.txt",)

_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,40}")


def release() -> str:
    """A short, plain name of the code that is running, for cache keys."""
    given = settings.RELEASE
    if given:
        # A git commit reads as it is; anything longer or odd is shortened, so
        # cache keys stay short and plain.
        if _PLAIN.fullmatch(given):
            return given
        return hashlib.sha256(given.encode()).hexdigest()[:16]
    return _running_source_digest()


@functools.cache
def _running_source_digest() -> str:
    return source_digest(Path(settings.BASE_DIR))


def source_files(root: Path) -> list[Path]:
    files = [root / name for name in SOURCE_FILES if (root / name).is_file()]
    for folder in SOURCE_FOLDERS:
        files.extend(
            path
            for path in (root / folder).rglob("*")
            if path.suffix in SOURCE_SUFFIXES
            and "__pycache__" not in path.parts
            and path.is_file()
        )
    return sorted(files)


def source_digest(root: Path) -> str:
    """A digest of every source file's name and content under `root`."""
    digest = hashlib.sha256()
    for path in source_files(root):
        content = path.read_bytes()
        name = path.relative_to(root).as_posix().encode()
        digest.update(b"%d:%s:%d:" % (len(name), name, len(content)))
        digest.update(content)
    return digest.hexdigest()[:16]
