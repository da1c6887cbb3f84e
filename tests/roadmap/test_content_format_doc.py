"""docs/content-format.md: its field tables are the content specification's."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from roadmap.content import format_doc, spec


def test_the_field_tables_of_the_format_doc_match_the_specification():
    text = format_doc.doc_path().read_text(encoding="utf-8")
    assert format_doc.render(text) == text, (
        "docs/content-format.md and roadmap/content/spec.py disagree: "
        f"run `{format_doc.COMMAND}` and commit the result."
    )


def test_every_kind_has_a_table_with_a_row_per_field():
    text = format_doc.doc_path().read_text(encoding="utf-8")
    for kind in spec.DOCUMENTED:
        block = text.split(f"<!-- fields:{kind.name} -->")[1]
        block = block.split(f"<!-- /fields:{kind.name} -->")[0]
        rows = [line for line in block.splitlines() if line.startswith("| `")]
        keys = [row.split("|")[1].strip() for row in rows]
        assert keys == [f"`{f.key}`" for f in kind.fields], kind.name


def test_a_stale_table_is_rewritten_and_the_prose_kept():
    text = format_doc.doc_path().read_text(encoding="utf-8")
    stale = text.replace("at most 200 characters", "at most 20 characters", 1)
    stale = stale.replace("The loader reads", "The loader, as ever, reads")
    rendered = format_doc.render(stale)
    assert rendered == text.replace("The loader reads", "The loader, as ever, reads")


def test_a_missing_marker_is_named():
    text = format_doc.doc_path().read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="fields:salary"):
        format_doc.render(text.replace("<!-- fields:salary -->", ""))


def test_the_command_checks_without_writing(monkeypatch, tmp_path):
    copy = tmp_path / "content-format.md"
    text = format_doc.doc_path().read_text(encoding="utf-8")
    copy.write_text(text.replace("| `title` | text | yes |", "| `title` |", 1))
    monkeypatch.setattr(format_doc, "doc_path", lambda: copy)

    with pytest.raises(CommandError, match="content_format_doc"):
        call_command("content_format_doc", "--check", stdout=StringIO())
    assert copy.read_text() != text

    call_command("content_format_doc", stdout=StringIO())
    assert copy.read_text() == text
