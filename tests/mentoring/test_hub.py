"""The mentor dashboard: mentees at a glance, sortable, in a fixed number of queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Mentorship
from progress import figures
from progress.mentees import mentee_rows
from progress.models import ItemProgress, ProgressEvent, RoleFollow
from tests.factories import UserFactory
from tests.mentoring.conftest import mentorship


def make_mentees(mentor, role, steps, count: int):
    learners = []
    for index in range(count):
        learner = UserFactory(
            username=f"mentee{index:03d}", display_name=f"Mentee {index:03d}"
        )
        mentorship(learner, mentor)
        RoleFollow.objects.create(learner=learner, role=role)
        ItemProgress.objects.set_status(learner, steps[index % 4], "done")
        learners.append(learner)
    return learners


@pytest.mark.django_db
@pytest.mark.usefixtures("shared_cache")
class TestMenteesTable:
    def test_it_lists_each_mentee_with_roles_recent_work_and_last_activity(
        self, client, mentor, small_role, steps
    ):
        make_mentees(mentor, small_role, steps, 1)
        client.force_login(mentor)
        response = client.get(reverse("mentoring"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Mentee 000" in body
        assert "Small role: 22%" in body
        row = body[body.index("Mentee 000") :]
        row = row[: row.index("</tr>")]
        assert "<td>1</td>" in row  # finished in 7 and 30 days
        assert "Stalled" not in row
        assert "no-store" in response["Cache-Control"]

    def test_a_mentee_without_activity_for_the_threshold_is_stalled(
        self, client, mentor, small_role, steps, settings
    ):
        settings.MENTORING_STALLED_DAYS = 14
        make_mentees(mentor, small_role, steps, 1)
        ProgressEvent.objects.update(
            created_at=timezone.now() - datetime.timedelta(days=15)
        )
        client.force_login(mentor)
        body = client.get(reverse("mentoring")).content.decode()
        assert "Stalled" in body
        settings.MENTORING_STALLED_DAYS = 30
        body = client.get(reverse("mentoring")).content.decode()
        row = body[body.index("Mentee 000") :]
        assert "Stalled" not in row[: row.index("</tr>")]

    def test_it_sorts_by_each_column(self, client, mentor, small_role, steps):
        learners = make_mentees(mentor, small_role, steps, 3)
        ItemProgress.objects.set_status(learners[2], steps[3], "done")
        client.force_login(mentor)
        body = client.get(
            reverse("mentoring"), {"sort": "week", "order": "desc"}
        ).content
        body = body.decode()
        assert body.index("Mentee 002") < body.index("Mentee 000")
        assert 'aria-sort="descending"' in body
        body = client.get(reverse("mentoring"), {"sort": "name"}).content.decode()
        assert (
            body.index("Mentee 000")
            < body.index("Mentee 001")
            < body.index("Mentee 002")
        )
        body = client.get(reverse("mentoring"), {"sort": "bogus"}).content.decode()
        assert body.index("Mentee 000") < body.index("Mentee 002")

    def test_ended_and_pending_mentorships_are_not_listed(
        self, client, mentor, learner, other_learner
    ):
        mentorship(learner, mentor, status="ended")
        mentorship(other_learner, mentor, status="pending")
        client.force_login(mentor)
        body = client.get(reverse("mentoring")).content.decode()
        assert reverse("mentee_dashboard", args=["learner"]) not in body
        assert reverse("mentee_dashboard", args=["other"]) not in body

    def test_a_mentees_name_is_shown_as_text_in_the_tables_and_their_card(
        self, client, mentor, small_role, steps
    ):
        (learner,) = make_mentees(mentor, small_role, steps, 1)
        learner.display_name = '<b onmouseover="x()">Ann</b>'
        learner.save()
        client.force_login(mentor)
        body = client.get(reverse("mentoring")).content.decode()
        assert "<b onmouseover" not in body
        shown = "&lt;b onmouseover=&quot;x()&quot;&gt;Ann&lt;/b&gt;"
        # The mentees table, the skills matrix, the card's title and its button.
        assert body.count(f">{shown}</a></th>") == 2
        assert f'<h3 class="card__title">{shown} <span class="meta">' in body
        assert f'<span class="visually-hidden"> {shown}</span>' in body

    def test_stop_mentoring_on_the_hub_ends_it_and_comes_back_to_the_hub(
        self, client, mentor, small_role, steps
    ):
        (learner,) = make_mentees(mentor, small_role, steps, 1)
        client.force_login(mentor)
        body = client.get(reverse("mentoring")).content.decode()
        card = body[body.index('id="my-mentees-title"') :]
        action = re.search(r'<form method="post" action="([^"]+)"', card)[1]
        response = client.post(action)  # the card's form sends its token alone
        assert response.status_code == 302
        assert response["Location"] == reverse("mentoring")
        assert not Mentorship.objects.active().filter(learner=learner).exists()
        body = client.get(reverse("mentoring")).content.decode()
        assert "You no longer mentor Mentee 000." in body

    def test_the_table_shows_the_same_figures_as_the_learner_sees(
        self, mentor, small_role, steps
    ):
        learners = make_mentees(mentor, small_role, steps, 4)
        ItemProgress.objects.set_status(learners[0], steps[1], "skipped")
        rows = mentee_rows(learners, stalled_days=14)
        for learner, row in zip(learners, rows, strict=True):
            (expected,) = figures.role_progress(learner, [small_role])
            (_role, counts) = row.roles[0]
            assert counts.as_dict() == expected.overall.as_dict()


@pytest.mark.django_db
class TestQueryBudget:
    @pytest.mark.parametrize("mentees", [1, 50])
    def test_the_mentor_dashboard_budget_does_not_grow_with_mentees(
        self, client, mentor, small_role, steps, mentees, django_assert_num_queries
    ):
        make_mentees(mentor, small_role, steps, mentees)
        client.force_login(mentor)
        with django_assert_num_queries(MENTORING_QUERIES):
            response = client.get(reverse("mentoring"))
        assert response.status_code == 200
        assert table_rows(response.content.decode()) == mentees

    @pytest.mark.parametrize("mentees", [1, 50])
    def test_with_rows_in_the_cache_the_budget_is_smaller_still(
        self,
        client,
        mentor,
        small_role,
        steps,
        mentees,
        shared_cache,
        django_assert_page_queries,
    ):
        # With Redis (in production) each mentee's row and cells are cached;
        # the database cache would spend a query per row, so there they are not.
        learners = make_mentees(mentor, small_role, steps, mentees)
        client.force_login(mentor)
        first = client.get(reverse("mentoring")).content.decode()
        with django_assert_page_queries(MENTORING_QUERIES_CACHED):
            cached = client.get(reverse("mentoring")).content.decode()
        assert table_rows(cached) == mentees
        assert normalise(cached) == normalise(first)
        # A mentee's change shows at once; the others' rows stay cached.
        ItemProgress.objects.set_status(learners[0], steps[3], "done")
        with django_assert_page_queries(MENTORING_QUERIES_CACHED_STRUCTURE):
            fresh = client.get(reverse("mentoring")).content.decode()
        assert normalise(fresh) != normalise(first)


def table_rows(html: str) -> int:
    table = html[html.index('class="mentees"') :]
    return table[: table.index("</table>")].count("<tr>") - 1


def normalise(html: str) -> str:
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


# The session, the user, consent (2: the mentees, and all else the page lists),
# follows, the roles' structure (steps, prerequisites, the steps' concepts,
# concepts), statuses, activity: 11 on the database cache, whatever the number
# of mentees; with a shared cache such as Redis the structure comes from it, so 4
# fewer (the cache's own round trips not counted), the pace query only when a
# mentee has a goal.
# The skills matrix adds 5: the roles' skills (the roles followed are the rows'),
# the concepts, the concepts done, the self-ratings and the mentor's endorsements;
# a sixth when a mentee has a concept of those skills done, which of them fade
# (tests/mentoring/test_review_health.py): these mentees have none.
# The matrix's review-health column adds 9, cached per mentee with the cells
# (`review_health.cached_review_health`): the follows, the review pacings, the
# schedules, the done items and which of them fade, and the roles' structure
# read from the database as the rows read it (4).
MENTORING_QUERIES = 25
# With every mentee's row and cells cached, the page is rendered from them: the
# session, the user, consent (2), and of the matrix the roles' skills and the
# mentor's endorsements (read afresh).
MENTORING_QUERIES_CACHED = 6
# One mentee's row and cells computed again: their follows, statuses and
# activity; the concepts, their statuses and self-ratings; and their review
# health (5: follows, pacing, schedules, done items, fading; the structure
# from the cache).
MENTORING_QUERIES_CACHED_STRUCTURE = 17


@pytest.mark.django_db
class TestMenteesGoals:
    """A mentor sees each mentee's goal and where their plan stands: the same
    plan the mentee's own dashboard computes."""

    @pytest.mark.parametrize("mentees", [1, 50])
    def test_goals_and_plans_agree_with_the_learners_own(
        self, client, mentor, small_role, steps, mentees, django_assert_num_queries
    ):
        from progress import figures
        from progress.plan import Goal

        learners = make_mentees(mentor, small_role, steps, mentees)
        follows = RoleFollow.objects.filter(learner__in=learners).order_by("pk")
        for index, follow in enumerate(follows):
            target = timezone.localdate() + datetime.timedelta(days=3 + index)
            RoleFollow.objects.set_goal(follow, target, 1 + index % 5)
        client.force_login(mentor)
        # Five more queries than without goals, however many mentees: their
        # pace, and the time of their reviews of the week (`reviews.week_loads`:
        # pacing, schedules, done items, ratings), all at once.
        with django_assert_num_queries(MENTORING_QUERIES + 5):
            body = client.get(reverse("mentoring")).content.decode()

        rows = mentee_rows(learners, stalled_days=14)
        for learner, row in zip(learners, rows, strict=True):
            follow = follows.get(learner=learner)
            goal = Goal(follow.target_date, follow.hours_per_week)
            (own,) = figures.role_progress(
                learner, [small_role], goals={small_role.pk: goal}
            )
            (entry,) = row.roles
            assert entry.plan == own.plan
        first = rows[0].roles[0].plan
        assert first.status == "behind"  # 3 days, 1 h a week, 14 h left
        assert f"Behind by {first.days_late} days" in body
        assert f"finish {first.finish:%-d %b %Y}" in body
        assert "Goal: by " in body and "h/week" in body
