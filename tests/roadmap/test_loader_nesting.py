"""load_roadmaps on a content file nested deeper than any roadmap needs: refused,
naming the file and the line, before the parser's recursion runs out."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from roadmap.content.safe_yaml import MAX_NESTING
from roadmap.models import Resource, Role, Skill, Source

SEED_FILE = Path(settings.ROADMAP_FIXTURES_DIR) / "backend-engineer.yaml"


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Source, Resource, Skill, Role)}


def refused(*args: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_roadmaps", *args, stderr=err, stdout=StringIO())
    return err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "format: 1\nroles: " + "[" * 50_000 + "]" * 50_000 + "\n",  # flow, as JSON
        "format: 1\nroles: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
        "format: 1\nroles: " + "[" * 50_000 + "\n",  # never closed
    ],
    ids=["brackets", "braces", "unclosed"],
)
def test_fifty_thousand_nested_brackets_are_refused_naming_the_file(tmp_path, text):
    call_command("load_roadmaps", str(SEED_FILE), stdout=StringIO())
    before = counts()
    path = tmp_path / "deep.yaml"
    path.write_text(text)

    message = refused(str(tmp_path))

    (line,) = message.strip().splitlines()
    assert str(path) in line and "line 2" in line, line
    assert f"nested more than {MAX_NESTING} levels deep" in line, line
    assert counts() == before


@pytest.mark.django_db
def test_a_block_style_file_nested_too_deep_is_refused_too(tmp_path):
    path = tmp_path / "deep.yaml"
    lines = ["format: 1", "roles:"]
    lines += [" " * depth + "- " for depth in range(2, 2 * (MAX_NESTING + 2), 2)]
    path.write_text("\n".join(lines) + "x\n")

    message = refused(str(path))

    assert f"{path}: line " in message
    assert f"nested more than {MAX_NESTING} levels deep" in message


def test_the_seed_roadmap_stays_well_within_the_nesting_limit():
    from roadmap.content.reading import read

    read([SEED_FILE])  # no ContentError
