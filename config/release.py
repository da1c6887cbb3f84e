"""The running release, part of the key of everything the shared cache keeps that
the code shaped: rendered pages and skeletons, a learner's rendered panel, the
pickled structures and rows behind the figures. A deploy that changes a template
or the code therefore never serves what the code before it cached: the new
release reads new keys, and old entries expire.

The release is `WAYMARK_RELEASE` when the deployer sets it (the git commit, say),
else a digest of the project's code and templates, computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from django.conf import settings

# What can change the markup or the shape of what is cached: the apps' code and
# templates, the project templates, and the pinned dependencies (Django's and
# allauth's own templates and widgets).
SOURCE_FOLDERS = ("accounts", "config", "progress", "roadmap", "templates")
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
