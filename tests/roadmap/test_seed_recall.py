"""Every published skill and concept of the seed roadmap has a recall prompt: a
question answered by one of the passages the item quotes."""

import pytest

from roadmap.models import Concept, Skill
from roadmap.models.base import RECALL_PROMPT_MAX_LENGTH
from tests.roadmap.test_loader import seed_data


def problems_of(items) -> list[str]:
    problems = []
    for item in items:
        recall = item.recall
        if recall is None:
            problems.append(f"{item.slug}: no recall prompt answered by its quotes")
            continue
        if not recall.prompt.endswith("?"):
            problems.append(f"{item.slug}: the prompt is not a question")
        if len(recall.prompt) > RECALL_PROMPT_MAX_LENGTH:
            problems.append(f"{item.slug}: the prompt is too long")
        if recall.source_slug not in item.quotes or not all(recall.passages):
            problems.append(f"{item.slug}: the answer is not one of its quotes")
    return problems


@pytest.mark.django_db
class TestTheSeedRoadmapsPrompts:
    def test_every_published_skill_has_one(self, seed_roadmap):
        skills = Skill.objects.published()
        assert skills.count() == 23
        assert problems_of(skills) == []

    def test_every_published_concept_has_one(self, seed_roadmap):
        concepts = Concept.objects.published()
        assert concepts.count() >= 120
        assert problems_of(concepts) == []

    def test_the_answer_shown_is_the_quoted_passage(self, seed_roadmap):
        concept = Concept.objects.get(slug="python")
        assert concept.recall.passages == [
            "Programming languages: Python, Java, Ruby, PHP, Go, Node.js, and others."
        ]


def test_the_file_names_a_quoted_source_for_each_prompt():
    for skill in seed_data()["skills"]:
        for item in [skill, *skill.get("concepts", [])]:
            if item.get("published", True):
                assert item.get("recall", "").endswith("?"), item["slug"]
                assert item.get("recall_answer") in item.get("quotes", {}), item["slug"]
