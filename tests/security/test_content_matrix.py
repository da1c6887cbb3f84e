"""Every URL that names content, for every actor, with content that is not
simply published: drafts (never published) and retired items (published once),
with and without the owner's history. The rule is `progress.visibility`:

- staff, looking as themselves, see everything;
- a learner sees published content and retired items they have history on;
- a mentor sees exactly what the mentee sees as a learner, never drafts;
- nobody else sees anything unpublished.

The patterns come from the URL configuration, so a new view that takes a slug
fails here until it is given a rule.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import ItemProgress, RoleFollow
from roadmap.models import Source
from tests.factories import (
    ConceptFactory,
    RoleFactory,
    RoleSkillFactory,
    SkillFactory,
    SourceFactory,
    StageFactory,
    StepFactory,
)
from tests.security.test_access_matrix import fingerprint
from tests.security.world import ACTORS, SLUG_FOR, build_world, url_patterns

STAFF = {"staff", "superuser"}
# Views a person uses as themselves; public pages; a mentor's view of the owner.
SELF_GET = {
    "progress_item",
    "progress_reset",
    "progress_role_figures",
    "progress_skill_figures",
}
PUBLIC_GET = {"role_detail", "skill_detail", "source_detail"}
MENTEE_GET = {"mentee_item", "mentee_role"}
# Compares published roles only, for everyone (the figures count published
# content): a draft or retired role is 404, staff and history included.
# "I already know this" marks published items of a published stage or skill
# of a published role: the same.
# Public, of published roles only: a draft's changes are nobody's to read.
# The API's roles and their changes: published ones only, staff included.
PUBLIC_PUBLISHED_ONLY = {
    "role_changes",
    "api_v1:get_role",
    "api_v1:list_revisions",
    "api_v1:get_source",
}
PUBLISHED_ONLY_GET = {
    *PUBLIC_PUBLISHED_ONLY,
    "progress_compare",
    "progress_known_stage",
    "progress_known_skill",
}
POSTS = {
    "progress_follow",
    "progress_assess",
    "progress_set_status",
    "progress_note",
    "progress_review",
    "progress_change_reviewed",
    "progress_add_evidence",
    "progress_report",
    "feedback_reply",
    "feedback_mark_read",
    "mentee_comment",
    "mentee_endorse",
}
# Posts whose answer depends on more than the content (a thread to reply in,
# the learner's own follow to leave, an evidence row): checked elsewhere.
NOT_HERE = {
    "api_v1:set_status",  # a PUT with a token: tests/api/test_api.py, drafts too
    "api_v1:mark_known",  # a token's POST: progress.known.find, as the page
    "api_v1:rate",  # a token's POST: tests/api/test_reviews_api.py, drafts too
    "api_v1:mark_reviewed",  # a token's POST: tests/api/test_changes_api.py
    # A token's writes on an item, a skill or a followed role's goal: drafts
    # too in tests/api/test_notes_api.py and tests/api/test_goals_api.py.
    "api_v1:save_note",
    "api_v1:add_evidence",
    "api_v1:remove_evidence",
    "api_v1:set_goal",
    "api_v1:get_goal",
    "progress_leave",
    "progress_goal",
    "progress_delete_evidence",
    "progress_undo",
}
POST_DATA = {
    "status": "done",
    "note": "x",
    "url": "https://x.example/",
    "body": "x",
    "level": "3",
    "rating": "good",
    "kind": "wrong",
}


def retire(item) -> None:
    item.is_published = False
    item.save()


def build_states(world, small_role, steps):
    """Content in each state, by kind: {kind: {state: slug}}."""
    owner = world.users["owner"]
    stage = small_role.stages.first()
    skill = small_role.skills.get()

    def step(slug, state):
        made = StepFactory(stage=stage, slug=slug, title=f"TITLE-{slug}")
        return _in_state(made, state, owner)

    def concept(slug, state):
        made = ConceptFactory(skill=skill, slug=slug, name=f"TITLE-{slug}")
        return _in_state(made, state, owner)

    states = {
        "step": {},
        "concept": {},
        "skill": {},
        "role": {},
        "source": {},
        "stage": {},
    }
    for state in ("draft", "retired_without_history", "retired_with_history"):
        states["step"][state] = step(f"step-{state}", state).slug
        states["concept"][state] = concept(f"concept-{state}", state).slug
    draft_skill = SkillFactory(
        slug="skill-draft", name="TITLE-skill-draft", is_published=False
    )
    retired_skill = SkillFactory(slug="skill-retired", name="TITLE-skill-retired")
    retire(retired_skill)
    for made in (draft_skill, retired_skill):
        RoleSkillFactory(role=small_role, skill=made)
    states["skill"] = {
        "draft": "skill-draft",
        "retired_without_history": "skill-retired",
    }
    draft_stage = StageFactory(
        role=small_role, slug="stage-draft", title="TITLE-stage-draft", position=8
    )
    _in_state(draft_stage, "draft", owner)
    retire(StageFactory(role=small_role, slug="stage-retired", position=9))
    states["stage"] = {
        "draft": "stage-draft",
        "retired_without_history": "stage-retired",
    }
    RoleFactory(slug="role-draft", title="TITLE-role-draft", is_published=False)
    followed = RoleFactory(slug="role-retired", title="TITLE-role-retired")
    RoleFollow.objects.create(learner=owner, role=followed)
    retire(followed)
    states["role"] = {"draft": "role-draft", "retired_with_history": "role-retired"}
    # A source is public content with no history of its own: unpublished, it is
    # staff's alone, whoever cites it.
    draft_source = SourceFactory(
        slug="source-draft", title="TITLE-source-draft", is_published=False
    )
    Source.objects.filter(pk=draft_source.pk).update(first_published_at=None)
    retired_source = SourceFactory(slug="source-retired", title="TITLE-source-retired")
    retire(retired_source)
    stage.steps.first().sources.add(draft_source, retired_source)
    states["source"] = {
        "draft": "source-draft",
        "retired_without_history": "source-retired",
    }
    return states


def _in_state(item, state, owner):
    if state == "draft":
        item.is_published = False
        item.save()
        type(item).objects.filter(pk=item.pk).update(first_published_at=None)
        return item
    if state == "retired_with_history":
        ItemProgress.objects.set_status(owner, item, "learning")
    retire(item)
    return item


def sees(actor: str, name: str, kind: str, state: str) -> bool:
    """The visibility rule, from the actor's side of this URL."""
    history = state == "retired_with_history" and kind in {"step", "concept"}
    if name.startswith("mentee_"):
        return actor == "mentor" and history
    if actor in STAFF:
        return True
    return actor == "owner" and history


def expected_get(actor: str, name: str, kind: str, state: str) -> int:
    if actor == "anonymous":
        return 404 if name in PUBLIC_GET | PUBLIC_PUBLISHED_ONLY else 302
    if name in MENTEE_GET and actor != "mentor":
        return 404
    if name in PUBLISHED_ONLY_GET:
        return 404
    return 200 if sees(actor, name, kind, state) else 404


def content_urls():
    """(name, kind, state, url) for every non-admin pattern that takes a slug."""
    for route, name, pattern in url_patterns():
        if route.startswith("admin/") or not name:
            continue
        params = set(getattr(pattern.pattern, "converters", {}))
        if "slug" not in params or name in NOT_HERE:
            continue
        assert (
            name in SELF_GET | PUBLIC_GET | MENTEE_GET | PUBLISHED_ONLY_GET | POSTS
        ), f"URL pattern {route!r} ({name}) names content but has no rule here"
        if "kind" in params:
            kinds = ["step", "concept"]
            if name in {"mentee_item", "mentee_comment", "feedback_reply"}:
                kinds.append("skill")
        else:
            kinds = [SLUG_FOR[name]]
        yield name, params, kinds


def build_url(name: str, params: set, kind: str, slug: str) -> str:
    kwargs = {"slug": slug}
    if "kind" in params:
        kwargs["kind"] = kind
    if "username" in params:
        kwargs["username"] = "owner"
    if "role" in params:  # a stage or skill of the small role
        kwargs["role"] = "small"
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_unpublished_content_for_every_actor(small_role, steps):
    world = build_world(small_role, steps)
    states = build_states(world, small_role, steps)
    clients = {}
    for actor in ACTORS:
        client = Client(raise_request_exception=False)
        if world.users[actor] is not None:
            client.force_login(world.users[actor])
        clients[actor] = client
    problems = []
    requests = 0
    for name, params, kinds in content_urls():
        for kind in kinds:
            for state, slug in states[kind].items():
                url = build_url(name, params, kind, slug)
                for actor in ACTORS:
                    if name in POSTS:
                        if sees(actor, name, kind, state):
                            continue  # allowed writes are tested with their views
                        before = fingerprint()
                        response = clients[actor].post(url, POST_DATA)
                        expected = 302 if actor == "anonymous" else 404
                        if fingerprint() != before:
                            problems.append(f"{actor} POST {url} ({state}): wrote")
                    else:
                        response = clients[actor].get(url)
                        expected = expected_get(actor, name, kind, state)
                    requests += 1
                    if response.status_code != expected:
                        problems.append(
                            f"{actor} {response.request['REQUEST_METHOD']} {url} "
                            f"({state}): {response.status_code}, not {expected}"
                        )
                    body = response.content.decode(errors="replace")
                    if expected in (302, 404) and f"TITLE-{slug}" in body:
                        problems.append(f"{actor} {url} ({state}): shows its title")
    assert not problems, "\n".join(problems)
    print(f"\ncontent matrix: {requests} requests over drafts and retired items")
    assert requests > 300
