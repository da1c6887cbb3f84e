"""Content files: read and validate them, load them into the database, export them.

The format is documented in docs/content-format.md and specified, field by field,
in `spec`. Reading validates everything and returns plain data, or raises
ContentErrors naming the file, the item and the field; loading writes in one
transaction and never deletes content that learners may have progress on: what the
files no longer mention is retired (unpublished). Loading keeps a revision of what it
changed (`roadmap.revisions`, which describes items as `exporting` does), so it is
imported as its own module, `roadmap.content.loading`, and not from here.
"""

from roadmap.content.exporting import documents, dump, export_role
from roadmap.content.fields import DOCUMENT_FOLDER, FORMAT_VERSION, SLUG_RE
from roadmap.content.reading import Catalogue, ContentError, content_files, read
from roadmap.content.safe_yaml import SHOWN_MAX

__all__ = [
    "DOCUMENT_FOLDER",
    "FORMAT_VERSION",
    "SHOWN_MAX",
    "SLUG_RE",
    "Catalogue",
    "ContentError",
    "content_files",
    "documents",
    "dump",
    "export_role",
    "read",
]
