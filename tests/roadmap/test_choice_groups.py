"""Choice groups ("any N of these") in the content files: loaded, refused when
malformed, exported and loaded back."""

import copy
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roadmap.models import ChoiceGroup
from tests.roadmap.test_loader import counts, load, seed_data, snapshot, write

LANGUAGES = ["python", "java", "ruby", "php", "go", "rust", "nodejs", "csharp"]
PROFILE_QUOTE = (
    "Proficiency in one or more backend languages (Node.js, Java, Python, Go, C#)."
)


def languages_skill(data: dict) -> dict:
    return next(
        s for s in data["skills"] if s["slug"] == "backend-programming-languages"
    )


def without_groups(data: dict) -> dict:
    for skill in data["skills"]:
        skill.pop("choices", None)
    for stage in data["roles"][0]["stages"]:
        stage.pop("choices", None)
    return data


def with_language_group(**changes) -> dict:
    data = without_groups(seed_data())
    group = {
        "slug": "backend-language",
        "title": "Backend language",
        "pick": 1,
        "members": LANGUAGES,
        "sources": ["profile-backend-engineer"],
        "quotes": {"profile-backend-engineer": PROFILE_QUOTE},
    }
    languages_skill(data)["choices"] = [group | changes]
    return data


def refused(path: Path) -> str:
    before = snapshot(), ChoiceGroup.objects.count()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_roadmaps", str(path), stderr=err)
    assert (snapshot(), ChoiceGroup.objects.count()) == before
    return err.getvalue()


def rows() -> list[tuple]:
    return [
        (
            group.skill.slug if group.skill_id else group.stage.slug,
            group.slug,
            group.title,
            group.pick,
            group.position,
            [member.slug for member in group.members()],
            sorted(source.slug for source in group.sources.all()),
            group.quotes,
            group.editorial,
        )
        for group in ChoiceGroup.objects.order_by("slug")
    ]


@pytest.mark.django_db
class TestLoadingGroups:
    def test_a_skill_group_loads_with_its_pick_members_and_quote(self, tmp_path):
        load(write(tmp_path, with_language_group()))
        group = ChoiceGroup.objects.get(skill__slug="backend-programming-languages")
        assert group.pick == 1
        assert [c.slug for c in group.members()] == LANGUAGES
        assert group.label() == "Pick 1 of 8"
        assert group.quotes == {"profile-backend-engineer": PROFILE_QUOTE}
        assert group.still_needed([]) == 1
        assert group.still_needed([group.members()[2].pk]) == 0

    def test_a_stage_group_of_steps_loads(self, tmp_path):
        data = without_groups(seed_data())
        stage = data["roles"][0]["stages"][1]
        slugs = [step["slug"] for step in stage["steps"][:2]]
        stage["choices"] = [
            {
                "slug": "either",
                "title": "Either step",
                "pick": 1,
                "members": slugs,
                "editorial": "Either step teaches the same thing.",
            }
        ]
        load(write(tmp_path, data))
        group = ChoiceGroup.objects.get(stage__slug=stage["slug"])
        assert [s.slug for s in group.members()] == slugs
        assert group.editorial == "Either step teaches the same thing."

    def test_loading_twice_changes_nothing(self, tmp_path):
        path = write(tmp_path, with_language_group())
        load(path)
        before = rows()
        second = load(path)
        assert "nothing changed" in second.lower()
        assert all(
            c["created"] == c["updated"] == c["retired"] == 0
            for c in counts(second).values()
        )
        assert rows() == before

    def test_a_group_dropped_from_the_file_is_deleted(self, tmp_path):
        load(write(tmp_path, with_language_group()))
        report = counts(load(write(tmp_path, without_groups(seed_data()))))
        assert ChoiceGroup.objects.count() == 0
        assert report["skills"]["updated"] == 1


@pytest.mark.django_db
class TestMalformedGroupsAreRefused:
    def test_a_pick_larger_than_its_members(self, tmp_path):
        message = refused(write(tmp_path, with_language_group(pick=9)))
        assert (
            "roadmap.yaml: skills[backend-programming-languages]"
            ".choices[backend-language].pick: 9 is more than the 8 `members` listed"
        ) in message

    def test_a_pick_of_none(self, tmp_path):
        message = refused(write(tmp_path, with_language_group(pick=0)))
        assert ".choices[backend-language].pick: 0 is less than 1" in message

    def test_an_unknown_member(self, tmp_path):
        group = with_language_group(members=["python", "cobol"])
        message = refused(write(tmp_path, group))
        assert (
            "roadmap.yaml: skills[backend-programming-languages]"
            ".choices[backend-language].members: unknown concept 'cobol'"
        ) in message

    def test_a_concept_of_another_skill(self, tmp_path):
        group = with_language_group(members=["python", "git"])
        message = refused(write(tmp_path, group))
        assert ".members: unknown concept 'git': not one of the skill's" in message

    def test_a_member_in_two_groups(self, tmp_path):
        data = with_language_group(members=["python", "java"])
        skill = languages_skill(data)
        skill["choices"].append(
            copy.deepcopy(skill["choices"][0])
            | {"slug": "typed-language", "members": ["java", "csharp"]}
        )
        message = refused(write(tmp_path, data))
        assert (
            ".choices[typed-language].members: concept 'java' is already in group "
            "'backend-language'"
        ) in message

    def test_a_group_that_does_not_say_why(self, tmp_path):
        data = with_language_group(sources=[], quotes={})
        message = refused(write(tmp_path, data))
        assert ".choices[backend-language]: say why the learner may choose" in message

    def test_a_quote_not_in_its_source(self, tmp_path):
        data = with_language_group(quotes={"profile-backend-engineer": "Pick one."})
        message = refused(write(tmp_path, data))
        assert (
            ".choices[backend-language].quotes.profile-backend-engineer: the quote "
            "is not in the text"
        ) in message


@pytest.mark.django_db
class TestExportingGroups:
    def test_an_export_of_the_seed_role_loads_back_to_the_same_rows(self, tmp_path):
        path = write(tmp_path, with_language_group(), "seed.yaml")
        load(path)
        before = rows()
        exported = tmp_path / "export" / "exported.yaml"
        exported.parent.mkdir()
        call_command(
            "export_roadmap",
            "backend-engineer",
            "--output",
            str(exported),
            stdout=StringIO(),
        )
        load(write(tmp_path, without_groups(seed_data()), "seed.yaml"))
        assert ChoiceGroup.objects.count() == 0
        load(exported)
        assert rows() == before
        assert "nothing changed" in load(exported).lower()


@pytest.mark.django_db
class TestTheSeedRoadmapsGroups:
    def test_the_seed_asks_for_one_backend_language_of_eight(self):
        load()
        group = ChoiceGroup.objects.get(skill__slug="backend-programming-languages")
        assert group.pick == 1
        assert [c.slug for c in group.members()] == LANGUAGES
        assert group.quotes["profile-backend-engineer"] == PROFILE_QUOTE

    def test_the_seeds_such_as_lists_are_groups_each_quoting_its_source(self):
        load()
        groups = {
            group.slug: group
            for group in ChoiceGroup.objects.prefetch_related("concepts", "sources")
        }
        assert {
            slug: sorted(c.slug for c in group.members())
            for slug, group in groups.items()
        } == {
            "backend-language": sorted(LANGUAGES),
            "web-framework-choice": sorted(
                ["django", "ruby-on-rails", "laravel", "spring", "expressjs"]
            ),
            "relational-database": ["mysql", "oracle-database", "postgresql"],
            "nosql-database": ["cassandra", "mongodb", "redis"],
            "version-control-system": ["git", "mercurial", "svn"],
            "web-server-software": ["apache-http-server", "nginx"],
            "cloud-platform": ["aws", "azure"],
        }
        for group in groups.values():
            assert group.pick == 1
            assert group.quotes, group.slug
            assert set(group.quotes) == {s.slug for s in group.sources.all()}
