"""load_roadmaps on hostile files: YAML aliases are refused, messages stay short."""

import time
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from roadmap.models import Resource, Role, Skill, Source
from tests.content_files import write_content

# The "billion laughs": a few hundred bytes that expand to 9**9 strings when aliases are
# followed. `format: *i` puts the expanded value where an error message shows it.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
format: *i
"""

SEED_FILE = Path(settings.ROADMAP_FIXTURES_DIR) / "backend-engineer.yaml"


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Source, Resource, Skill, Role)
    }


def refused(*args: str) -> str:
    """Run the real command, expect a refusal; return what it wrote to stderr."""
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_roadmaps", *args, stderr=err, stdout=StringIO())
    return err.getvalue()


@pytest.mark.django_db
class TestYamlAliases:
    def test_an_alias_bomb_is_refused_quickly_naming_the_file_and_line(self, tmp_path):
        path = tmp_path / "laughs.yaml"
        path.write_text(ALIAS_BOMB)
        assert len(ALIAS_BOMB.encode()) < 500
        before = counts()

        started = time.monotonic()
        message = refused(str(tmp_path), "--dry-run")

        assert time.monotonic() - started < 5
        # The first anchor, on line 1, stops the read before any alias is followed.
        assert f"{path}: line 1:" in message, message
        assert "aliases are not allowed" in message
        assert len(message) < 300, message
        assert counts() == before

    def test_an_anchor_without_an_alias_is_refused_too(self, tmp_path):
        path = tmp_path / "anchor.yaml"
        path.write_text("format: 1\nsources: &shared []\n")

        message = refused(str(path))

        assert f"{path}: line 2:" in message, message
        assert "aliases are not allowed" in message

    def test_a_file_without_aliases_still_loads(self, tmp_path):
        out = StringIO()
        call_command("load_roadmaps", str(SEED_FILE), "--dry-run", stdout=out)
        assert "Dry run: nothing was written." in out.getvalue()


@pytest.mark.django_db
class TestShortMessages:
    def seed_with(self, tmp_path: Path, change) -> Path:
        data = yaml.safe_load(SEED_FILE.read_text())
        change(data)
        path = tmp_path / "roadmap.yaml"
        write_content(path, data)
        return path

    def test_an_over_long_bad_value_is_shown_cut_short(self, tmp_path):
        def long_kind(data):
            data["resources"][0]["kind"] = "podcast" * 2000

        message = refused(str(self.seed_with(tmp_path, long_kind)))

        (line,) = message.splitlines()
        assert "].kind: 'podcastpodcast" in line
        assert "is not one of" in line
        assert len(line) < 300, line

    def test_a_huge_structure_in_a_bad_place_is_shown_cut_short(self, tmp_path):
        def nested_format(data):
            # Distinct lists (shared ones would be dumped as aliases).
            data["format"] = [[["deep"] * 50 for _ in range(50)] for _ in range(50)]

        message = refused(str(self.seed_with(tmp_path, nested_format)))

        (line,) = message.splitlines()
        assert "format: must be 1, got [[['deep'" in line
        assert len(line) < 300, line

    def test_every_bad_slug_in_a_long_list_is_reported_briefly(self, tmp_path):
        def long_slugs(data):
            data["skills"][0]["sources"] = ["Bad Slug " + "x" * 5000] * 3

        message = refused(str(self.seed_with(tmp_path, long_slugs)))

        lines = message.splitlines()
        assert "].sources: 'Bad Slug xxx" in lines[0], lines
        assert "is not a slug" in lines[0], lines
        assert all(len(line) < 300 for line in lines), lines
