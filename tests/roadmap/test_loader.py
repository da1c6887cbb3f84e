"""load_roadmaps and export_roadmap: validation, upserts, retirement, round trips."""

import copy
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from roadmap import content
from roadmap.models import (
    Concept,
    LearningStep,
    Resource,
    Role,
    RoleFact,
    RoleSkill,
    Skill,
    Source,
    Stage,
)
from tests.content_files import write_content

SEED_FILE = Path(settings.ROADMAP_FIXTURES_DIR) / "backend-engineer.yaml"
MODELS = [
    Source,
    Resource,
    Skill,
    Concept,
    Role,
    RoleFact,
    RoleSkill,
    Stage,
    LearningStep,
]


def seed_data() -> dict:
    return yaml.safe_load(SEED_FILE.read_text())


def write(tmp_path: Path, data: dict, name: str = "roadmap.yaml") -> Path:
    return write_content(tmp_path / name, data)


def load(*paths: Path) -> str:
    out = StringIO()
    call_command("load_roadmaps", *map(str, paths), stdout=out)
    return out.getvalue()


def counts(output: str) -> dict[str, dict[str, int]]:
    result = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) == 9 and words[1] == "created":
            result[words[0]] = {
                "created": int(words[2]),
                "updated": int(words[4]),
                "unchanged": int(words[6]),
                "retired": int(words[8]),
            }
    return result


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def main_step(data: dict, stage: int = 0, step: int = 0) -> dict:
    return data["roles"][0]["stages"][stage]["steps"][step]


@pytest.mark.django_db
class TestLoadingTheSeedRoadmap:
    def test_it_loads_everything_and_reports_created_counts(self):
        report = counts(load())
        data = seed_data()
        assert report["sources"]["created"] == len(data["sources"]) == 5
        assert report["skills"]["created"] == len(data["skills"])
        assert report["roles"]["created"] == 1
        assert report["steps"]["created"] == LearningStep.objects.count() >= 7
        role = Role.objects.get(slug="backend-engineer")
        assert role.stages.count() == len(data["roles"][0]["stages"]) >= 7
        assert role.salary_amount == 119704
        assert role.salary_sources.filter(slug="article-backend-engineer-skills")

    def test_every_item_names_its_sources(self):
        load()
        for model in [Skill, Concept, Role, RoleFact, Stage, LearningStep]:
            assert not model.objects.filter(sources=None).exists(), model.__name__

    def test_running_it_twice_changes_nothing(self):
        load()
        before = snapshot()
        report = counts(load())
        assert snapshot() == before
        for kind, outcome in report.items():
            assert (
                outcome["created"] == outcome["updated"] == outcome["retired"] == 0
            ), kind
            assert outcome["unchanged"] > 0, kind

    def test_dry_run_validates_and_writes_nothing(self):
        out = StringIO()
        call_command("load_roadmaps", "--dry-run", stdout=out)
        assert "Dry run: nothing was written." in out.getvalue()
        assert counts(out.getvalue())["roles"]["created"] == 1
        assert Role.objects.count() == 0


@pytest.mark.django_db
class TestUpdatesAndRetirement:
    def test_a_renamed_title_updates_the_same_row(self, tmp_path):
        load()
        step = LearningStep.objects.get(slug=main_step(seed_data())["slug"])
        data = seed_data()
        main_step(data)["title"] = "A clearer title"
        report = counts(load(write(tmp_path, data)))
        assert report["steps"]["updated"] == 1
        step.refresh_from_db()
        assert step.title == "A clearer title"

    def test_reordering_steps_updates_positions_and_keeps_rows(self, tmp_path):
        load()
        data = seed_data()
        steps = data["roles"][0]["stages"][1]["steps"]
        ids = {s.slug: s.pk for s in LearningStep.objects.all()}
        steps.reverse()
        for step in steps:  # prerequisites within the stage may now point forward
            step["prerequisites"] = [
                p
                for p in step.get("prerequisites", [])
                if p not in {s["slug"] for s in steps}
            ]
        load(write(tmp_path, data))
        assert {s.slug: s.pk for s in LearningStep.objects.all()} == ids
        ordered = list(
            LearningStep.objects.filter(
                stage__slug=data["roles"][0]["stages"][1]["slug"]
            )
            .order_by("position")
            .values_list("slug", flat=True)
        )
        assert ordered == [step["slug"] for step in steps]

    def test_an_item_missing_from_the_files_is_retired_not_deleted(self, tmp_path):
        load()
        data = seed_data()
        removed = data["roles"][0]["stages"][0]["steps"].pop()
        for stage in data["roles"][0]["stages"]:
            for step in stage["steps"]:
                if removed["slug"] in step.get("prerequisites", []):
                    step["prerequisites"].remove(removed["slug"])
        report = counts(load(write(tmp_path, data)))
        assert report["steps"]["retired"] == 1
        step = LearningStep.objects.get(slug=removed["slug"])
        assert step.is_published is False

        report = counts(load())
        step.refresh_from_db()
        assert step.is_published is True
        assert report["steps"]["updated"] >= 1

    def test_no_retire_leaves_unmentioned_items_alone(self, tmp_path):
        load()
        data = {"format": 1, "sources": [seed_data()["sources"][0]]}
        out = StringIO()
        call_command(
            "load_roadmaps", str(write(tmp_path, data)), "--no-retire", stdout=out
        )
        assert Role.objects.get().is_published
        assert counts(out.getvalue())["roles"]["retired"] == 0

    def test_a_draft_in_the_file_is_loaded_unpublished(self, tmp_path):
        data = seed_data()
        main_step(data)["published"] = False
        load(write(tmp_path, data))
        assert not LearningStep.objects.get(slug=main_step(data)["slug"]).is_published

    def test_a_skill_shared_by_two_files_is_one_row(self, tmp_path):
        data = seed_data()
        skill = copy.deepcopy(data["skills"][0])
        other = {"format": 1, "skills": [skill]}
        load(write(tmp_path, data, "a.yaml"), write(tmp_path, other, "b.yaml"))
        assert Skill.objects.filter(slug=skill["slug"]).count() == 1


@pytest.mark.django_db
class TestInvalidFiles:
    """Each bad file is refused with its file, item and field; nothing is written."""

    def assert_refused(self, path: Path, *fragments: str) -> None:
        before = snapshot()
        err = StringIO()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command("load_roadmaps", str(path), stderr=err, stdout=StringIO())
        message = err.getvalue()
        assert str(path) in message
        for fragment in fragments:
            assert fragment in message, message
        assert snapshot() == before

    def test_yaml_that_does_not_parse(self, tmp_path):
        path = tmp_path / "broken.yaml"
        path.write_text("format: 1\nroles: [\n")
        self.assert_refused(path, "is not valid YAML")

    def test_a_missing_format(self, tmp_path):
        data = seed_data()
        del data["format"]
        self.assert_refused(write(tmp_path, data), "format: must be 1")

    def test_an_unknown_key(self, tmp_path):
        data = seed_data()
        main_step(data)["prerequisite"] = []
        self.assert_refused(write(tmp_path, data), "unknown key 'prerequisite'")

    def test_a_missing_title(self, tmp_path):
        data = seed_data()
        slug = main_step(data)["slug"]
        del main_step(data)["title"]
        self.assert_refused(write(tmp_path, data), f"steps[{slug}].title: is required")

    def test_a_bad_slug(self, tmp_path):
        data = seed_data()
        data["skills"][0]["slug"] = "Not A Slug"
        self.assert_refused(write(tmp_path, data), "skills[0].slug", "is not a slug")

    def test_an_unknown_prerequisite(self, tmp_path):
        data = seed_data()
        step = data["roles"][0]["stages"][1]["steps"][0]
        step["prerequisites"] = ["no-such-step"]
        self.assert_refused(
            write(tmp_path, data),
            f"steps[{step['slug']}].prerequisites",
            "unknown step 'no-such-step'",
        )

    def test_an_unknown_source(self, tmp_path):
        data = seed_data()
        data["skills"][0]["sources"] = ["made-up-source"]
        self.assert_refused(
            write(tmp_path, data),
            f"skills[{data['skills'][0]['slug']}].sources",
            "unknown source 'made-up-source'",
        )

    def test_an_item_without_sources(self, tmp_path):
        data = seed_data()
        data["roles"][0]["facts"]["responsibilities"][0]["sources"] = []
        self.assert_refused(
            write(tmp_path, data),
            "facts.responsibilities[0].sources",
            "needs at least one entry",
        )

    def test_a_javascript_url(self, tmp_path):
        data = seed_data()
        data["resources"][0]["url"] = "javascript:alert(1)"
        self.assert_refused(write(tmp_path, data), ".url", "is not an http(s) URL")

    def test_a_bad_choice(self, tmp_path):
        data = seed_data()
        data["resources"][0]["kind"] = "podcast"
        self.assert_refused(write(tmp_path, data), ".kind", "'podcast' is not one of")

    def test_a_prerequisite_cycle(self, tmp_path):
        data = seed_data()
        first = main_step(data)
        later = data["roles"][0]["stages"][1]["steps"][0]
        later["prerequisites"] = [first["slug"]]
        first["prerequisites"] = [later["slug"]]
        self.assert_refused(write(tmp_path, data), "prerequisite cycle", first["slug"])

    def test_a_step_that_is_its_own_prerequisite(self, tmp_path):
        data = seed_data()
        main_step(data)["prerequisites"] = [main_step(data)["slug"]]
        self.assert_refused(write(tmp_path, data), "cannot be its own prerequisite")

    def test_a_skill_defined_differently_in_two_files(self, tmp_path):
        data = seed_data()
        skill = copy.deepcopy(data["skills"][0])
        skill["name"] = "Something else"
        other = write(tmp_path, {"format": 1, "skills": [skill]}, "other.yaml")
        main = write(tmp_path, data, "main.yaml")
        before = snapshot()
        err = StringIO()
        with pytest.raises(CommandError):
            call_command("load_roadmaps", str(main), str(other), stderr=err)
        assert "is already defined differently" in err.getvalue()
        assert snapshot() == before

    def test_a_duplicated_step_slug(self, tmp_path):
        data = seed_data()
        data["roles"][0]["stages"][1]["steps"][0]["slug"] = main_step(data)["slug"]
        self.assert_refused(write(tmp_path, data), "is already used at")

    def test_wrong_types(self, tmp_path):
        data = seed_data()
        data["roles"][0]["stages"] = {"not": "a list"}
        self.assert_refused(write(tmp_path, data), "stages: expected a list")

    def test_a_missing_file(self, tmp_path):
        self.assert_refused(tmp_path / "nope.yaml", "file not found")

    def test_an_invalid_file_among_valid_ones_writes_nothing(self, tmp_path):
        good = write(tmp_path, seed_data(), "a.yaml")
        bad = tmp_path / "b.yaml"
        bad.write_text("format: 1\nskills:\n  - slug: x\n")
        before = snapshot()
        with pytest.raises(CommandError):
            call_command("load_roadmaps", str(good), str(bad), stderr=StringIO())
        assert snapshot() == before


@pytest.mark.django_db
class TestExport:
    def test_export_then_load_is_a_round_trip_with_no_changes(self, tmp_path):
        load()
        exported = tmp_path / "exported.yaml"
        call_command(
            "export_roadmap",
            "backend-engineer",
            "--output",
            str(exported),
            stdout=StringIO(),
        )
        before = snapshot()
        report = counts(load(exported))
        assert snapshot() == before
        for kind, outcome in report.items():
            assert (
                outcome["created"] == outcome["updated"] == outcome["retired"] == 0
            ), kind

    def test_the_export_holds_the_same_content_as_the_seed_file(self):
        load()
        exported = content.export_role("backend-engineer")
        original = seed_data()
        assert {s["slug"] for s in exported["sources"]} == {
            s["slug"] for s in original["sources"]
        }
        assert [s["slug"] for s in exported["skills"]] == [
            link["skill"] for link in original["roles"][0]["skills"]
        ]
        exported_steps = [
            step["slug"]
            for stage in exported["roles"][0]["stages"]
            for step in stage["steps"]
        ]
        original_steps = [
            step["slug"]
            for stage in original["roles"][0]["stages"]
            for step in stage["steps"]
        ]
        assert exported_steps == original_steps

    def test_export_of_an_unknown_role_is_a_clear_error(self):
        with pytest.raises(CommandError, match="No role with slug 'nope'"):
            call_command("export_roadmap", "nope", stdout=StringIO())
