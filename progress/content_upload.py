"""A content file uploaded in the admin: read and validated as the loader reads
it, previewed (each change with the learners it touches, as `load_roadmaps
--dry-run` prints it), then loaded when the curator confirms, in one
transaction, recording a Revision by that curator.

Between the preview and the confirmation the files wait in the shared cache
under a random token; the curator's session keeps the token with the files'
SHA-256, so a confirmation loads exactly the files that curator previewed, and
only if the content has not changed meanwhile (else it previews again).

An upload retires nothing: items the file does not mention are left alone, so
uploading one role's file leaves the other roles as they are.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from progress.content_changes import learners_touched
from roadmap import content, revisions
from roadmap.content import loading
from roadmap.content.fields import DOCUMENT_MAX_BYTES, DOCUMENT_NAME_RE

YAML_MAX_BYTES = 2_000_000
ARCHIVE_MAX_BYTES = 20_000_000
SOURCES_MAX = 100
PENDING_SECONDS = 60 * 60
PENDING_PER_SESSION = 5
SESSION_KEY = "content_uploads"
FOLDER = content.DOCUMENT_FOLDER
YAML_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml$")

type Files = dict[str, bytes]  # path inside the upload ("x.yaml", "sources/a.txt")


def _read_limited(upload, limit: int, name: str) -> bytes:
    if upload.size > limit:
        raise ValidationError(f"{name} is {upload.size:,} bytes (max {limit:,}).")
    return upload.read()


def from_uploads(upload, sources: list) -> Files:
    """The files of an upload: a content file and its source texts, or one .zip
    holding both. Raises ValidationError on a wrong name, type or size."""
    name = upload.name or ""
    if name.lower().endswith(".zip"):
        if sources:
            raise ValidationError(
                "Upload a .zip alone: its sources/ folder holds the texts."
            )
        return from_archive(_read_limited(upload, ARCHIVE_MAX_BYTES, name))
    if not YAML_NAME_RE.match(name):
        raise ValidationError(
            f"{name!r}: upload a .yaml or .yml content file (letters, digits, '.', "
            "'_' and '-' in its name), or a .zip."
        )
    files = {name: _read_limited(upload, YAML_MAX_BYTES, name)}
    if len(sources) > SOURCES_MAX:
        raise ValidationError(f"At most {SOURCES_MAX} source texts at once.")
    for source in sources:
        if not DOCUMENT_NAME_RE.match(source.name or ""):
            raise ValidationError(
                f"{source.name!r}: source texts are .txt or .md files (letters, "
                "digits, '.', '_' and '-' in their names)."
            )
        files[f"{FOLDER}/{source.name}"] = _read_limited(
            source, DOCUMENT_MAX_BYTES, source.name
        )
    return files


def from_archive(data: bytes) -> Files:
    """A .zip holding one content file at its top and its sources/ folder; any
    other entry (a folder above, '..', an absolute path) refuses the archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError) as error:
        raise ValidationError(f"The .zip cannot be read: {error}.") from None
    if len(entries) > SOURCES_MAX + 1:
        raise ValidationError(f"The .zip holds more than {SOURCES_MAX + 1} files.")
    files: Files = {}
    for info in entries:
        name = info.filename
        base = name.removeprefix(f"{FOLDER}/")
        if name == base and YAML_NAME_RE.match(name):
            limit = YAML_MAX_BYTES
        elif name != base and DOCUMENT_NAME_RE.match(base):
            limit = DOCUMENT_MAX_BYTES
        else:
            raise ValidationError(
                f"{name!r} in the .zip: it may hold one content file (.yaml) and "
                f"its {FOLDER}/ folder of .txt or .md files, nothing else."
            )
        with archive.open(info) as opened:
            body = opened.read(limit + 1)  # the declared size may lie
        if len(body) > limit:
            raise ValidationError(f"{name} in the .zip is over {limit:,} bytes.")
        files[name] = body
    if sum(1 for name in files if YAML_NAME_RE.match(name)) != 1:
        raise ValidationError("The .zip must hold exactly one .yaml content file.")
    return files


@contextmanager
def laid_out(files: Files) -> Iterator[list[Path]]:
    """The files written to a fresh folder as the loader expects them (the
    content file, its sources/ beside it); yields the content file's path."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / FOLDER).mkdir()
        for name, body in files.items():
            (root / name).write_bytes(body)
        yield [root / name for name in sorted(files) if YAML_NAME_RE.match(name)]


def read(files: Files) -> content.Catalogue:
    """Read and validate as the loader does; a ContentError's problems name the
    uploaded file (not the folder it waited in), the item and the field."""
    with laid_out(files) as paths:
        try:
            return content.read(paths)
        except content.ContentError as error:
            prefix = f"{paths[0].parent}/"
            raise content.ContentError(
                [problem.replace(prefix, "") for problem in error.problems]
            ) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        single = super().clean
        return (
            [single(item, initial) for item in data]
            if isinstance(data, list | tuple)
            else [single(data, initial)]
        )


class UploadForm(forms.Form):
    content_file = forms.FileField(
        help_text=f"A .yaml content file (up to {YAML_MAX_BYTES:,} bytes), or a "
        f".zip holding one at its top with its {FOLDER}/ folder, as “Download as "
        "a content file” on a role's page writes it.",
    )
    sources = MultipleFileField(
        required=False,
        label="Source texts",
        help_text=f"With a .yaml file: the .txt or .md files of its {FOLDER}/ "
        f"folder (up to {SOURCES_MAX}, {DOCUMENT_MAX_BYTES:,} bytes each).",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the content changes: shown on the roles' “what changed” pages.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("content_file") is None:
            return cleaned
        try:
            files = from_uploads(cleaned["content_file"], cleaned.get("sources") or [])
            cleaned["catalogue"] = read(files)
        except content.ContentError as error:
            raise ValidationError([*error.problems, "Nothing was written."]) from None
        cleaned["files"] = files
        return cleaned


@dataclass
class Preview:
    """What a confirmed upload would change, for the curator to confirm."""

    token: str
    names: list[str]
    note: str
    changes: list[tuple[str, int]]  # each change described, learners it touches
    counts: dict[str, Counter]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class Expired(Exception):
    """No such upload waits in this session (confirmed, cancelled, expired)."""


class Stale(Exception):
    """The content changed since the preview: nothing written, a new preview."""

    def __init__(self, preview: Preview):
        super().__init__("The content changed since the preview.")
        self.preview = preview


def preview(session, files: Files, catalogue, note: str = "") -> Preview:
    """A dry run of the load, kept waiting for the curator to confirm."""
    report = loading.load(catalogue, retire=False, dry_run=True)
    touched = learners_touched(report.changes)
    token = _stash(session, files, note, _summary(report.changes))
    return Preview(
        token=token,
        names=sorted(files),
        note=note,
        changes=[
            (revisions.describe(c), touched.get((c["kind"], c["id"]), 0))
            for c in report.changes
        ],
        counts=report.counts,
    )


def confirm(session, token: str, curator) -> loading.LoadReport:
    """Load exactly the previewed files, in one transaction, as `curator`.
    Raises Expired, or Stale (nothing written) if the content changed since."""
    pending = _take(session, token)
    catalogue = read(pending["files"])  # the bytes validated for the preview
    with laid_out(pending["files"]) as paths:
        try:
            with transaction.atomic():
                report = loading.load(
                    catalogue,
                    retire=False,
                    files=paths,
                    curator=curator,
                    note=pending["note"],
                )
                if _summary(report.changes) != pending["summary"]:
                    raise _Changed
        except _Changed:
            raise Stale(
                preview(session, pending["files"], catalogue, pending["note"])
            ) from None
    return report


def outcome(report: loading.LoadReport) -> str:
    """The message after a confirmed load: the counts per kind."""
    if report.revision is None:
        return "Loaded: nothing changed."
    counted = [
        f"{kind}: {c['created']} added, {c['updated']} changed"
        for kind, c in report.counts.items()
        if c["created"] or c["updated"]
    ]
    return (
        f"Loaded as revision {report.revision.pk}, {len(report.changes)} "
        f"change(s) ({'; '.join(counted)})."
    )


def discard(session, token: str) -> None:
    with suppress(Expired):
        _take(session, token)


class _Changed(Exception):
    pass


def _summary(changes: list[dict]) -> list[list]:
    # By slug, not id: an item added gets another id when loaded for real.
    return [
        [c["kind"], c["slug"], c["action"], repr(c.get("fields")), c.get("parent")]
        for c in changes
    ]


def _digest(files: Files) -> str:
    hashed = hashlib.sha256()
    for name in sorted(files):
        hashed.update(name.encode() + b"\0")
        hashed.update(hashlib.sha256(files[name]).digest())
    return hashed.hexdigest()


def _cache_key(token: str) -> str:
    return f"progress:content-upload:{token}"


def _stash(session, files: Files, note: str, summary: list) -> str:
    token = secrets.token_urlsafe(24)
    waiting = dict(session.get(SESSION_KEY, {}))
    for old in list(waiting)[: max(0, len(waiting) - PENDING_PER_SESSION + 1)]:
        cache.delete(_cache_key(old))
        del waiting[old]
    cache.set(
        _cache_key(token),
        {"files": files, "note": note, "summary": summary},
        PENDING_SECONDS,
    )
    waiting[token] = _digest(files)
    session[SESSION_KEY] = waiting
    return token


def _take(session, token: str) -> dict:
    waiting = dict(session.get(SESSION_KEY, {}))
    digest = waiting.pop(str(token), None)
    if digest is None:
        raise Expired
    session[SESSION_KEY] = waiting
    pending = cache.get(_cache_key(token))
    cache.delete(_cache_key(token))
    if pending is None or _digest(pending["files"]) != digest:
        raise Expired
    return pending
