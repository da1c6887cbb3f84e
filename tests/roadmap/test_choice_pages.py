"""The public role and skill pages show a choice group as a choice: its members
together under "Pick 1 of 8", with the passage that offers the choice."""

import re

import pytest
from django.urls import reverse

from tests.roadmap.test_loader import load, seed_data, write

LANGUAGES = ["Python", "Java", "Ruby", "PHP", "Go", "Rust", "Node.js", "C#"]
QUOTE = "Proficiency in one or more backend languages (Node.js, Java, Python, Go, C#)."


def block(body: str, element_id: str) -> str:
    """The element with the id, up to the end of its own nested list."""
    start = body.index(f'id="{element_id}"')
    end = body.index("</ul>", body.index('<ul class="', start)) + len("</ul>")
    return body[start:end]


def names(html: str) -> list[str]:
    return re.findall(r'#concept-[a-z0-9-]+">([^<]+)</a>', html)


@pytest.mark.django_db
class TestTheRolePageShowsChoices:
    def test_the_languages_appear_together_under_pick_1_of_8(
        self, client, seed_roadmap
    ):
        url = reverse("role_detail", args=["backend-engineer"]) + "?view=all"
        body = client.get(url).content
        body = body.decode()
        choice = block(body, "choice-backend-programming-languages-backend-language")
        assert "Pick 1 of 8</strong>: Backend language" in choice
        assert QUOTE in choice
        assert names(choice[choice.index('<ul class="tags"') :]) == LANGUAGES
        # The skill's other concept is listed beside the choice, not in it.
        skill = body[body.index('aria-label="Concepts in Backend programming') :]
        assert "Language ecosystem" in skill[: skill.index("</ul>\n")]
        assert "Language ecosystem" not in choice

    def test_every_seed_group_is_shown_once(self, client, seed_roadmap):
        body = client.get(reverse("role_detail", args=["backend-engineer"])).content
        body = body.decode()
        assert body.count('class="choice"') == 7
        assert "Pick 1 of 3</strong>: Relational database" in body
        assert "Pick 1 of 2</strong>: Cloud platform" in body


@pytest.mark.django_db
class TestTheSkillPageShowsChoices:
    def test_the_languages_appear_together_under_pick_1_of_8(
        self, client, seed_roadmap
    ):
        url = reverse("skill_detail", args=["backend-programming-languages"])
        body = client.get(url).content.decode()
        start = body.index('id="choice-backend-language"')
        end = body.index('id="concept-language-ecosystem"')
        choice = body[start:end]
        assert "Pick 1 of 8</strong>: Backend language" in choice
        assert QUOTE in choice
        titles = re.findall(r'<h3 class="concept__title">([^<]+?) <span', choice)
        assert titles == LANGUAGES
        assert "Learn one language well before a second" in choice


@pytest.mark.django_db
def test_a_stages_group_is_shown_under_its_stage(client, tmp_path):
    data = seed_data()
    stage = data["roles"][0]["stages"][-1]
    stage["choices"] = [
        {
            "slug": "degree-or-certification",
            "title": "Degree or certification",
            "pick": 1,
            "members": ["decide-on-education", "earn-a-cloud-certification"],
            "editorial": "Either shows employers what you learned.",
        }
    ]
    load(write(tmp_path, data))
    body = client.get(reverse("role_detail", args=["backend-engineer"])).content
    body = body.decode()
    choice = block(body, f"choice-{stage['slug']}-degree-or-certification")
    assert "Pick 1 of 2</strong>: Degree or certification" in choice
    assert re.findall(r'href="#step-([a-z-]+)"', choice) == [
        "decide-on-education",
        "earn-a-cloud-certification",
    ]
    assert body.index('id="stage-get-hired"') < body.index(
        'id="choice-get-hired-degree-or-certification"'
    )
