"""Content files written by tests, with the source documents they name beside them."""

import shutil
from pathlib import Path

import yaml
from django.conf import settings

SOURCE_TEXTS = Path(settings.ROADMAP_FIXTURES_DIR) / "sources"


def write_content(path: Path, data: dict) -> Path:
    """Write `data` as a content file at `path`, with the seed documents' texts in
    the `sources/` folder beside it (the file names its sources' texts there)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    folder = path.parent / "sources"
    if not folder.exists():
        shutil.copytree(SOURCE_TEXTS, folder)
    return path
