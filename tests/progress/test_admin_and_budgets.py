"""Curators' support views, the query budget of pages with progress, and access."""

import re

import pytest
from django.urls import reverse

from progress.models import ItemProgress
from roadmap.models import LearningStep
from tests.roadmap.builders import build_roadmap


def normalise(content: bytes) -> bytes:
    """Leave out what differs on every response: CSRF tokens and CSP nonces."""
    content = re.sub(rb'csrfmiddlewaretoken" value="[^"]+"', b"", content)
    content = re.sub(rb'"X-CSRFToken": "[^"]+"', b"", content)
    return re.sub(rb'nonce="[^"]+"', b"", content)


# A learner's role page, its skeleton and the role's structure cached: session,
# user, role, statuses with the items noted (the page marks them), the roles
# followed with the review pacing, one for the pace of the last weeks, one for
# the items changed since the learner marked them, and two for the items added
# since they last worked on a role they do not follow (when they last did, and
# the role's revisions since)...
LEARNER_ROLE_PAGE_QUERIES = 9
# ...or, for a role they follow, one for the items added since their last
# visit (the role's revisions since; the follow, with the visit, came with the
# roles followed), and one more, what is fading, when its reviews are on
# (tests/progress/test_fading_pages.py)...
LEARNER_ROLE_PAGE_QUERIES_REVIEWING = 9
# ...and with the learner's figures cached too (nothing changed since): session
# and user. A view that notes the visit (ten minutes or more after the last
# noted, `content_changes.record_visit`) writes it and reads the figures again:
# the cached page, the write and the page's data without session and user.
LEARNER_ROLE_PAGE_QUERIES_NEW_VISIT = 2 + 1 + (LEARNER_ROLE_PAGE_QUERIES_REVIEWING - 2)
LEARNER_ROLE_PAGE_QUERIES_CACHED = 2


@pytest.mark.django_db
class TestSupportViews:
    def test_a_curator_reads_a_learners_progress_but_cannot_change_it(
        self, client, curator, learner, steps
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        row = ItemProgress.objects.get()
        client.force_login(curator)
        listing = client.get(
            reverse("admin:progress_itemprogress_changelist"), {"q": "learner"}
        )
        assert listing.status_code == 200
        assert "Step one" in listing.content.decode()
        detail = client.get(
            reverse("admin:progress_itemprogress_change", args=[row.pk])
        )
        assert detail.status_code == 200
        assert 'name="status"' not in detail.content.decode()
        response = client.post(
            reverse("admin:progress_itemprogress_change", args=[row.pk]),
            {"status": "skipped"},
        )
        assert response.status_code == 403
        assert client.get(reverse("admin:progress_itemprogress_add")).status_code == 403
        row.refresh_from_db()
        assert row.status == "done"

    def test_the_drop_off_view_counts_started_finished_and_skipped(
        self, client, curator, learner, other_learner, steps
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        ItemProgress.objects.set_status(other_learner, steps[0], "learning")
        ItemProgress.objects.set_status(other_learner, steps[1], "skipped")
        client.force_login(curator)
        body = client.get(
            reverse("admin:progress_stepdropoff_changelist")
        ).content.decode()
        row = body[body.index("Step one") :]
        row = row[: row.index("</tr>")]
        assert '<td class="field-started">2</td>' in row
        assert '<td class="field-finished">1</td>' in row

    def test_learners_cannot_open_the_support_views(self, client, learner):
        client.force_login(learner)
        for name in [
            "admin:progress_itemprogress_changelist",
            "admin:progress_stepdropoff_changelist",
            "admin:progress_progressevent_changelist",
        ]:
            assert client.get(reverse(name), follow=True).status_code == 403


@pytest.mark.django_db
class TestRolePageWithProgressBudget:
    @pytest.mark.parametrize("steps", [20, 500])
    def test_the_budget_does_not_grow_with_the_roadmap_or_the_progress(
        self, client, learner, steps, django_assert_page_queries
    ):
        role = build_roadmap(steps=steps)
        for step in LearningStep.objects.filter(stage__role=role)[: steps // 2]:
            ItemProgress.objects.set_status(learner, step, "done")
        client.force_login(learner)
        url = reverse("role_detail", args=["generated"])
        client.get(url)  # renders the shared skeleton into the cache
        # A change of the learner's own progress: their figures are counted again.
        ItemProgress.objects.set_status(learner, step, "learning")
        with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('aria-pressed="true"') >= steps
        assert f'id="status-step-{step.pk}"' in response.content.decode()
        # Nothing changed since: the figures come from the cache too.
        with django_assert_page_queries(LEARNER_ROLE_PAGE_QUERIES_CACHED):
            again = client.get(url)
        assert normalise(again.content) == normalise(response.content)
        assert "status-control--learning" in again.content.decode()

    @pytest.mark.parametrize("concepts", [3, 60])
    def test_the_skill_page_budget_does_not_grow(
        self, client, learner, concepts, django_assert_num_queries
    ):
        from tests.factories import ConceptFactory, SkillFactory

        skill = SkillFactory(slug="big")
        for _ in range(concepts):
            ConceptFactory(skill=skill)
        client.force_login(learner)
        with django_assert_num_queries(12):
            response = client.get(reverse("skill_detail", args=["big"]))
        assert response.status_code == 200


@pytest.mark.django_db
class TestAccess:
    """Anonymous visitors sign in; nobody reaches another learner's data."""

    PRIVATE_GETS = [
        ("dashboard", []),
        ("progress_item", ["step", "s1"]),
        ("progress_reset", ["small"]),
        ("progress_export_json", []),
        ("progress_export_csv", []),
    ]
    POSTS = [
        ("progress_set_status", ["step", "s1"], {"status": "done"}),
        ("progress_note", ["step", "s1"], {"note": "x"}),
        ("progress_add_evidence", ["step", "s1"], {"url": "https://a.example/"}),
        ("progress_follow", ["small"], {}),
        ("progress_leave", ["small"], {}),
        ("progress_reset", ["small"], {}),
        ("progress_assess", ["shared-skill"], {"level": "3"}),
        ("progress_undo", [], {}),
    ]

    def test_anonymous_visitors_are_sent_to_sign_in_everywhere(self, client, steps):
        for name, args in self.PRIVATE_GETS:
            response = client.get(reverse(name, args=args))
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("account_login")), name
        for name, args, data in self.POSTS:
            response = client.post(reverse(name, args=args), data)
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("account_login")), name
        assert not ItemProgress.objects.exists()

    def test_posts_refuse_get(self, client, learner, steps):
        client.force_login(learner)
        for name, args, _ in self.POSTS:
            if name == "progress_reset":
                continue  # GET shows the confirmation page
            assert client.get(reverse(name, args=args)).status_code == 405, name

    def test_no_page_shows_another_learners_data(
        self, client, learner, other_learner, steps
    ):
        client.force_login(learner)
        client.post(
            reverse("progress_set_status", args=["step", "s1"]), {"status": "done"}
        )
        client.post(
            reverse("progress_note", args=["step", "s1"]), {"note": "learner-only-note"}
        )
        client.post(
            reverse("progress_add_evidence", args=["step", "s1"]),
            {"url": "https://learner-only.example/"},
        )
        client.force_login(other_learner)
        for name, args in self.PRIVATE_GETS:
            body = client.get(reverse(name, args=args)).content.decode()
            assert "learner-only-note" not in body, name
            assert "learner-only.example" not in body, name
        body = client.get(reverse("role_detail", args=["small"])).content.decode()
        assert 'aria-pressed="true"' in body
        pressed_done = re.compile(r'value="done"[^>]*aria-pressed="true"')
        assert not pressed_done.search(body)
