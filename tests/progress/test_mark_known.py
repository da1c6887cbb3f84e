""" "I already know this": a stage's steps or a skill's concepts marked done at
once after a confirmation page, shown as one change and undone as one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from progress.models import BulkChange, ItemProgress, ProgressEvent, StepTally
from tests.factories import (
    ConceptFactory,
    SkillFactory,
    StageFactory,
    StepFactory,
)

HEADERS = [{}, {"HX-Request": "true"}]
STAGE_URL = reverse("progress_known_stage", args=["small", "basics"])
SKILL_URL = reverse("progress_known_skill", args=["small", "shared-skill"])


def form_of(body: str, action_part: str) -> tuple[str, dict]:
    """The action and hidden fields of the page's form whose action holds
    `action_part`, as a browser would post it."""
    for form in re.findall(r"<form\b[^>]*>.*?</form>", body, re.S):
        action = re.search(r'action="([^"]+)"', form).group(1)
        if action_part in action:
            fields = dict(
                re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
            )
            return action, fields
    raise AssertionError(f"no form posting to {action_part} on the page")


def snapshot(learner) -> dict:
    """Everything an undo must put back."""
    return {
        "rows": sorted(
            ItemProgress.objects.filter(learner=learner).values_list(
                "step_id", "concept_id", "status", "status_changed_at"
            ),
            key=str,
        ),
        "events": ProgressEvent.objects.filter(learner=learner).count(),
        # A tally row at zero counts as none (a first change makes the row).
        "tallies": sorted(
            row
            for row in StepTally.objects.values_list(
                "step_id", "learning", "done", "skipped"
            )
            if any(row[1:])
        ),
    }


def statuses(learner, kind="step") -> dict:
    return dict(
        ItemProgress.objects.filter(
            learner=learner, **{f"{kind}__isnull": False}
        ).values_list(f"{kind}__slug", "status")
    )


def mark(client, url=STAGE_URL, headers=None):
    """Open the confirmation page and post its form, as a browser does."""
    page = client.get(url)
    action, fields = form_of(page.content.decode(), "/known/")
    return client.post(action, fields, headers=headers or {})


@pytest.mark.django_db
class TestTheRolePage:
    def test_it_links_each_stage_and_skill_to_its_confirmation(
        self, client, learner, small_role
    ):
        client.force_login(learner)
        body = client.get(reverse("role_detail", args=["small"])).content.decode()
        assert f'href="{STAGE_URL}"' in body
        assert reverse("progress_known_stage", args=["small", "more"]) in body
        assert f'href="{SKILL_URL}"' in body
        assert "I already know this stage" in body
        assert "I already know this skill" in body

    def test_visitors_see_no_link(self, client, small_role):
        body = client.get(reverse("role_detail", args=["small"])).content.decode()
        assert "I already know this" not in body


@pytest.mark.django_db
class TestTheConfirmationPage:
    def test_it_lists_each_item_with_what_becomes_of_it(self, client, learner, steps):
        ItemProgress.objects.set_status(learner, steps[1], "skipped")
        client.force_login(learner)
        response = client.get(STAGE_URL)
        body = response.content.decode()
        assert response.status_code == 200
        rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", body)
        assert len(rows) == 2
        assert "Step one" in rows[0] and "Not started" in rows[0]
        assert "<strong>Done</strong>" in rows[0]
        assert "Step two" in rows[1] and "Skipped" in rows[1]
        assert "Unchanged" in rows[1]
        assert "skipped items stay skipped" in body
        assert "This marks 1 step as done" in body
        assert not ItemProgress.objects.filter(status="done").exists()

    def test_a_skill_lists_its_published_concepts(self, client, learner, small_role):
        ConceptFactory(
            skill=small_role.skills.get(), name="Hidden draft", is_published=False
        )
        client.force_login(learner)
        body = client.get(SKILL_URL).content.decode()
        assert "Concept one" in body and "Concept two" in body
        assert "Hidden draft" not in body

    def test_nothing_to_change_shows_no_form(self, client, learner, steps):
        for step in steps[:2]:
            ItemProgress.objects.set_status(learner, step, "done")
        client.force_login(learner)
        body = client.get(STAGE_URL).content.decode()
        assert "Nothing to change" in body
        assert '<form method="post" action="/roles' not in body

    @pytest.mark.parametrize("size", [2, 30])
    def test_its_queries_do_not_grow_with_the_stage(
        self, client, learner, small_role, size, django_assert_num_queries
    ):
        stage = StageFactory(role=small_role, slug="big", position=5)
        for index in range(size):
            step = StepFactory(stage=stage, slug=f"big-{index}")
            if index % 2:
                ItemProgress.objects.set_status(learner, step, "learning")
        client.force_login(learner)
        url = reverse("progress_known_stage", args=["small", "big"])
        with django_assert_num_queries(6):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('<th scope="row">') == size


@pytest.mark.django_db
class TestMarking:
    @pytest.mark.parametrize("headers", HEADERS)
    def test_a_stage_becomes_done_with_its_events_and_tallies(
        self, client, learner, steps, headers
    ):
        ItemProgress.objects.set_status(learner, steps[0], "learning")
        client.force_login(learner)
        response = mark(client, headers=headers)
        role_url = reverse("role_detail", args=["small"])
        if headers:
            assert response.status_code == 200
            assert response["HX-Redirect"] == role_url
        else:
            assert response.status_code == 302
            assert response["Location"] == role_url
        assert statuses(learner) == {"s1": "done", "s2": "done"}
        change = BulkChange.objects.get()
        assert (change.learner, change.part, change.title, change.count) == (
            learner,
            "stage",
            steps[0].stage.title,
            2,
        )
        assert [e["status"] for e in change.items] == ["learning", "not_started"]
        bulk_events = ProgressEvent.objects.filter(bulk_change=change)
        assert sorted(bulk_events.values_list("from_status", "to_status")) == [
            ("learning", "done"),
            ("not_started", "done"),
        ]
        tallies = StepTally.objects.filter(step__in=steps[:2])
        assert sorted(tallies.values_list("learning", "done")) == [(0, 1), (0, 1)]
        page = client.get(role_url).content.decode()
        assert "Marked 2 items of stage" in page
        assert reverse("progress_undo_known", args=[change.pk]) in page

    def test_a_skill_becomes_done(self, client, learner, small_role):
        client.force_login(learner)
        mark(client, SKILL_URL)
        assert statuses(learner, "concept") == {"c1": "done", "c2": "done"}
        assert BulkChange.objects.get().part == "skill"

    def test_done_and_skipped_items_stay_as_they_are(self, client, learner, steps):
        ItemProgress.objects.set_status(learner, steps[0], "skipped")
        ItemProgress.objects.set_status(learner, steps[1], "done")
        client.force_login(learner)
        response = client.post(STAGE_URL, follow=True)
        assert "Nothing changed" in response.content.decode()
        assert statuses(learner) == {"s1": "skipped", "s2": "done"}
        assert not BulkChange.objects.exists()

    def test_only_the_learner_changes(self, client, learner, other_learner, steps):
        client.force_login(learner)
        mark(client)
        assert not ItemProgress.objects.filter(learner=other_learner).exists()


@pytest.mark.django_db
class TestUndo:
    def marked(self, client, learner, steps):
        ItemProgress.objects.set_status(learner, steps[0], "learning")
        ItemProgress.objects.set_status(learner, steps[2], "done")
        before = snapshot(learner)
        client.force_login(learner)
        mark(client)
        return before, BulkChange.objects.get()

    @pytest.mark.parametrize("headers", HEADERS)
    def test_it_puts_back_exactly_what_was_there(self, client, learner, steps, headers):
        before, change = self.marked(client, learner, steps)
        assert snapshot(learner) != before
        page = client.get(reverse("role_detail", args=["small"])).content.decode()
        action, fields = form_of(page, "/undo/")
        response = client.post(action, fields, headers=headers)
        if headers:
            assert response["HX-Redirect"] == fields["next"]
        else:
            assert response["Location"] == fields["next"]
        assert snapshot(learner) == before
        change.refresh_from_db()
        assert change.undone_at is not None

    def test_reviews_rated_since_stay_in_the_review_history(
        self, client, learner, steps, clock
    ):
        """Undo puts back statuses and events; a review rated after the mark is
        a record of recall and stays, as when an item is set back by hand: the
        item is not reviewed while it is not done, and done again, its
        schedule carries on from that rating."""
        from progress import reviews
        from progress.models import ReviewCard, ReviewLog, RoleFollow

        client.force_login(learner)
        client.post(reverse("progress_follow", args=["small"]))
        mark(client)
        change = BulkChange.objects.get()
        clock.advance(days=1)
        rated = client.post(
            reverse("progress_review", args=["step", "s2"]), {"rating": "good"}
        )
        assert rated.status_code == 302
        card = ReviewCard.objects.get(learner=learner, step=steps[1])
        client.post(reverse("progress_undo_known", args=[change.pk]))
        assert "s2" not in statuses(learner) or statuses(learner)["s2"] != "done"
        assert ReviewLog.objects.filter(card=card).count() == 1
        follows = RoleFollow.objects.filter(learner=learner)
        due, _ = reviews.schedule(learner, follows, clock.now())
        assert "s2" not in {review.slug for review in due}
        client.post(
            reverse("progress_set_status", args=["step", "s2"]), {"status": "done"}
        )
        due, _ = reviews.schedule(learner, follows, clock.now())
        assert {review.slug: review.due for review in due}["s2"] == card.due

    def test_twice_changes_nothing_and_says_so(self, client, learner, steps):
        before, change = self.marked(client, learner, steps)
        url = reverse("progress_undo_known", args=[change.pk])
        client.post(url)
        response = client.post(url, follow=True)
        assert "Already undone" in response.content.decode()
        assert snapshot(learner) == before

    def test_another_learners_change_is_404(
        self, client, learner, other_learner, steps
    ):
        _, change = self.marked(client, learner, steps)
        after = snapshot(learner)
        client.force_login(other_learner)
        url = reverse("progress_undo_known", args=[change.pk])
        assert client.post(url).status_code == 404
        assert client.post(url, headers={"HX-Request": "true"}).status_code == 404
        assert snapshot(learner) == after

    def test_an_item_changed_since_is_left_alone(self, client, learner, steps):
        before, change = self.marked(client, learner, steps)
        ItemProgress.objects.set_status(learner, steps[1], "learning")
        url = reverse("progress_undo_known", args=[change.pk])
        response = client.post(url, follow=True)
        body = response.content.decode()
        assert "Undone: 1 item is as before" in body
        assert "changed since: Step two" in body
        assert statuses(learner) == {"s1": "learning", "s2": "learning", "s3": "done"}
        # Step one's row is exactly as before; step two keeps its own history.
        rows = {r[0]: r for r in snapshot(learner)["rows"]}
        assert rows[steps[0].pk] == next(
            r for r in before["rows"] if r[0] == steps[0].pk
        )
        history = ProgressEvent.objects.filter(learner=learner, step=steps[1])
        assert list(history.values_list("from_status", "to_status")) == [
            ("done", "learning"),
            ("not_started", "done"),
        ]

    def test_the_dashboard_shows_it_as_one_change_with_its_undo(
        self, client, learner, steps
    ):
        _, change = self.marked(client, learner, steps)
        body = client.get(reverse("dashboard")).content.decode()
        history = re.search(r'<ol class="history">(.*?)</ol>', body, re.S).group(1)
        assert history.count("<li") == 3  # the mark, and the two changes before
        assert f"Marked 2 items of stage “{change.title}” done" in history
        action, fields = form_of(body, "/changes/")
        assert fields["next"] == reverse("dashboard")
        response = client.post(action, fields)
        assert response["Location"] == reverse("dashboard")
        assert BulkChange.objects.get().undone_at is not None

    def test_the_item_page_names_the_change(self, client, learner, steps):
        _, change = self.marked(client, learner, steps)
        body = client.get(reverse("progress_item", args=["step", "s2"])).content
        assert change.summary in body.decode()
        assert reverse("progress_undo_known", args=[change.pk]) in body.decode()

    def test_undoing_the_latest_change_undoes_it_whole(self, client, learner, steps):
        before, _ = self.marked(client, learner, steps)
        client.post(reverse("progress_undo"))
        assert snapshot(learner) == before


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, steps):
        for response in (
            client.get(STAGE_URL),
            client.post(STAGE_URL),
            client.post(reverse("progress_undo_known", args=[1])),
        ):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert not ItemProgress.objects.exists()

    def test_the_undo_refuses_get(self, client, learner, steps):
        client.force_login(learner)
        assert client.get(reverse("progress_undo_known", args=[1])).status_code == 405

    @pytest.mark.parametrize("headers", HEADERS)
    def test_unpublished_or_unlisted_content_is_404(
        self, client, learner, small_role, headers
    ):
        StageFactory(role=small_role, slug="draft-stage", is_published=False)
        draft_skill = SkillFactory(slug="draft-skill", is_published=False)
        small_role.role_skills.create(skill=draft_skill)
        SkillFactory(slug="elsewhere")  # published, but not a skill of the role
        client.force_login(learner)
        for url in (
            reverse("progress_known_stage", args=["small", "draft-stage"]),
            reverse("progress_known_skill", args=["small", "draft-skill"]),
            reverse("progress_known_skill", args=["small", "elsewhere"]),
            reverse("progress_known_stage", args=["small", "missing"]),
            reverse("progress_known_stage", args=["missing", "basics"]),
        ):
            assert client.get(url, headers=headers).status_code == 404, url
            assert client.post(url, headers=headers).status_code == 404, url
        assert not ItemProgress.objects.exists()

    def test_a_draft_role_is_404_even_for_staff(self, client, curator, small_role):
        small_role.is_published = False
        small_role.save()
        client.force_login(curator)
        assert client.get(STAGE_URL).status_code == 404


@pytest.mark.django_db
def test_a_first_status_set_at_the_same_moment_does_not_fail_the_mark(
    client, learner, steps, monkeypatch
):
    """The row a concurrent first status makes collides with the mark's bulk
    insert once: the mark starts again, finds the row and marks it."""
    client.force_login(learner)
    page = client.get(STAGE_URL)
    action, fields = form_of(page.content.decode(), "/known/")
    real = type(ItemProgress.objects).bulk_create
    collided = []

    def collide_once(manager, objs, *args, **kwargs):
        objs = list(objs)
        if not collided and objs:
            collided.append(True)
            duplicate = ItemProgress(learner=learner, step=steps[0], status="learning")
            real(manager, [duplicate])
        return real(manager, objs, *args, **kwargs)

    monkeypatch.setattr(type(ItemProgress.objects), "bulk_create", collide_once)
    response = client.post(action, fields)
    assert response.status_code == 302
    assert collided
    assert statuses(learner) == {"s1": "done", "s2": "done"}
    assert BulkChange.objects.get().count == 2
