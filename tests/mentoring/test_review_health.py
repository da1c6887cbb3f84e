"""A mentor sees a mentee's review health (due today, overdue, fading, paused)
on the mentee's page, read-only and under the same consent rule, with the
figures the mentee's own dashboard and reviews page show; and a fading concept
shows in the skills matrix, still counted done, in the same query budgets."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from mentoring.models import Mentorship
from mentoring.review_health import fading_concepts, review_health, review_health_many
from progress import reviews
from progress.models import ItemProgress, RoleFollow
from tests.factories import UserFactory
from tests.mentoring.conftest import mentorship
from tests.mentoring.test_hub import (
    MENTORING_QUERIES,
    MENTORING_QUERIES_CACHED,
    make_mentees,
    table_rows,
)
from tests.mentoring.test_skills_matrix import matrix_of, row_of
from tests.progress.test_reviewable import (
    badge,
    mark,
    rate,
    signed_in,  # noqa: F401 - a fixture
)

# ruff: noqa: F811 - the tests take the `signed_in` fixture imported above

HUB = reverse("mentoring")
PAGE = reverse("mentee_dashboard", args=["learner"])
# The hub's matrix reads which done concepts fade in two more queries (their
# schedules, the mentees' review pacing), when any mentee has a concept of the
# skills shown done; cached with the cells.
MENTORING_QUERIES_WITH_DONE_CONCEPTS = MENTORING_QUERIES + 2


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def panel(html: str) -> str:
    start = html.index('id="review-health"')
    return html[start : html.index("</section>", start)]


def figure(html: str, label: str) -> int:
    return int(re.search(rf'<span class="big-number">(\d+)</span> {label}', html)[1])


@pytest.fixture
def month_later(signed_in, learner, mentor, clock):
    """The learner marked two steps and both concepts done, rated the concepts
    the next day (again, good), set a daily limit of 3, then did nothing for a
    month: four reviews overdue, three allowed today, both concepts fading."""
    mentorship(learner, mentor)
    for kind, slug in (("step", "s1"), ("step", "s2"), ("concept", "c1")):
        mark(signed_in, kind, slug)
    mark(signed_in, "concept", "c2")
    clock.advance(days=1)
    assert rate(signed_in, "concept", "c1", "again").status_code == 302
    assert rate(signed_in, "concept", "c2", "good").status_code == 302
    clock.advance(days=30)
    signed_in.force_login(learner)  # the session of a month ago has expired
    response = signed_in.post(
        reverse("review_pacing"), {"daily_limit": "3", "retention": "0.9"}
    )
    assert response.status_code == 302
    return signed_in


@pytest.mark.django_db
class TestThePanel:
    def test_the_mentor_sees_the_figures_the_mentee_sees(
        self, month_later, learner, mentor
    ):
        own_dashboard = month_later.get(reverse("dashboard")).content.decode()
        badge = re.search(
            r'Due for review <span class="badge">(\d+)</span>', own_dashboard
        )
        own_page = month_later.get(reverse("reviews")).content.decode()
        on_page = re.search(r"Today: (\d+) to review", own_page)

        response = as_user(mentor).get(PAGE)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        shown = panel(response.content.decode())
        assert int(badge[1]) == int(on_page[1]) == figure(shown, "due today") == 3
        assert "(1 more waits past their daily limit)" in shown
        assert figure(shown, "overdue") == 4  # s1, s2 never reviewed; c1, c2 late
        assert figure(shown, "fading") == 2
        assert "paused" not in shown
        assert "<form" not in shown  # read-only

    def test_the_figures_come_from_the_reviews_functions(
        self, month_later, learner, clock
    ):
        follows = list(RoleFollow.objects.filter(learner=learner).shown())
        health = review_health(learner, clock.current)
        assert (
            health.due_today
            == reviews.due_reviews(learner, follows, clock.current).total
        )
        assert health.fading == len(reviews.fading(learner, follows, clock.current))
        assert health.waiting == 1
        assert health.reviews_on

    def test_a_pause_shows_with_its_day_and_nothing_due(
        self, month_later, learner, mentor, clock
    ):
        until = clock.current.date() + datetime.timedelta(days=10)
        response = month_later.post(
            reverse("review_pause"), {"until": until.isoformat()}
        )
        assert response.status_code == 302
        own_dashboard = month_later.get(reverse("dashboard")).content.decode()
        assert f"Reviews are paused until {until:%-d %B}" in own_dashboard

        shown = panel(as_user(mentor).get(PAGE).content.decode())
        assert (
            f'paused their reviews until <time datetime="{until.isoformat()}">'
            f"{until:%-d %B %Y}</time>" in shown
        )
        assert figure(shown, "due today") == 0
        assert figure(shown, "overdue") == 0  # every review moved on

    def test_a_mentee_with_nothing_done_has_all_at_zero(
        self, signed_in, learner, mentor
    ):
        mentorship(learner, mentor)
        shown = panel(as_user(mentor).get(PAGE).content.decode())
        for label in ("due today", "overdue", "fading"):
            assert figure(shown, label) == 0


@pytest.mark.django_db
class TestWhoSeesIt:
    def test_a_mentor_with_a_pending_request_gets_404(self, learner, mentor):
        mentorship(learner, mentor, status=Mentorship.Status.PENDING)
        assert as_user(mentor).get(PAGE).status_code == 404

    def test_a_mentor_who_stopped_mentoring_gets_404(self, learner, mentor):
        active = mentorship(learner, mentor)
        client = as_user(mentor)
        assert client.get(PAGE).status_code == 200
        response = client.post(reverse("mentoring_end", args=[active.pk]))
        assert response.status_code == 302
        assert client.get(PAGE).status_code == 404

    def test_another_learner_gets_404(self, learner, other_learner, mentor):
        mentorship(learner, mentor)
        assert as_user(other_learner).get(PAGE).status_code == 404

    def test_anonymous_people_are_sent_to_sign_in(self, client, learner, mentor):
        mentorship(learner, mentor)
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
class TestTheMatrix:
    def test_a_fading_concept_shows_in_its_cell_and_stays_done(
        self, month_later, learner, mentor
    ):
        table = matrix_of(as_user(mentor).get(HUB).content.decode())
        cell = row_of(table, learner.name)
        assert "<strong>100%</strong>" in cell  # both concepts still count done
        assert '<span class="badge">2 fading</span>' in cell
        assert set(
            ItemProgress.objects.filter(
                learner=learner, concept__isnull=False
            ).values_list("status", flat=True)
        ) == {"done"}

    def test_the_matrix_fades_what_the_reviews_rule_fades(
        self, month_later, learner, clock
    ):
        follows = list(RoleFollow.objects.filter(learner=learner).shown())
        done = set(
            ItemProgress.objects.filter(
                learner=learner, concept__isnull=False, status="done"
            ).values_list("concept_id", flat=True)
        )
        found = fading_concepts({learner.pk: done}, clock.current)
        expected = {pk for kind, pk in reviews.fading(learner, follows, clock.current)}
        assert found[learner.pk] == expected
        assert len(expected) == 2

    def test_reviews_off_or_rated_today_do_not_fade(self, month_later, learner, mentor):
        rate(month_later, "concept", "c1", "good")
        table = matrix_of(as_user(mentor).get(HUB).content.decode())
        assert '<span class="badge">1 fading</span>' in row_of(table, learner.name)
        # The goal page's form, its reviews box left unticked.
        response = month_later.post(
            reverse("progress_goal", args=["small"]),
            {"target_date": "", "hours_per_week": ""},
        )
        assert response.status_code == 302
        assert not RoleFollow.objects.get(learner=learner).reviews
        table = matrix_of(as_user(mentor).get(HUB).content.decode())
        assert "fading</span>" not in row_of(table, learner.name)

    def test_with_the_cells_cached_fading_shows_once_the_day_turns(
        self, signed_in, learner, mentor, clock, shared_cache
    ):
        mentorship(learner, mentor)
        mark(signed_in, "concept", "c1")
        clock.advance(days=1)
        rate(signed_in, "concept", "c1", "good")
        client = as_user(mentor)
        assert "fading</span>" not in matrix_of(client.get(HUB).content.decode())
        clock.advance(days=60)  # nothing changed but the day
        client.force_login(mentor)
        table = matrix_of(client.get(HUB).content.decode())
        assert '<span class="badge">1 fading</span>' in row_of(table, learner.name)


def make_fading_mentees(mentor, small_role, steps, count: int) -> list:
    """`make_mentees`, each with a concept done and rated "again" a month ago
    (the clock stays put: the database cache dates its entries by the real
    time)."""
    learners = make_mentees(mentor, small_role, steps, count)
    concept = small_role.role_skills.get().skill.concepts.get(slug="c1")
    month_ago = timezone.now() - datetime.timedelta(days=30)
    for learner in learners:
        ItemProgress.objects.set_status(learner, concept, "done")
        reviews.rate(learner, concept, "concept", "again", month_ago)
    return learners


def assert_health_cells(hub: str, learners) -> None:
    """Each mentee's review-health cell says what `review_health` counts."""
    assert matrix_of(hub).count('class="matrix__health"') == len(learners)
    for learner in learners:
        health = review_health(learner)
        said = (
            f"{health.due_today} due today · {health.overdue} overdue"
            f" · {health.fading} fading"
        )
        assert f">{said}</a>" in health_cell(hub, learner.name)
    assert health.overdue == health.fading == 1  # rated a month ago


@pytest.mark.django_db
class TestQueryBudget:
    @pytest.mark.parametrize("mentees", [1, 50])
    def test_the_hub_with_fading_concepts_stays_in_its_budget(
        self,
        client,
        mentor,
        small_role,
        steps,
        mentees,
        django_assert_num_queries,
    ):
        learners = make_fading_mentees(mentor, small_role, steps, mentees)
        client.force_login(mentor)
        with django_assert_num_queries(MENTORING_QUERIES_WITH_DONE_CONCEPTS):
            body = client.get(reverse("mentoring")).content.decode()
        assert table_rows(body) == mentees
        assert matrix_of(body).count('<span class="badge">1 fading</span>') == (mentees)
        assert_health_cells(body, learners)

    @pytest.mark.parametrize("mentees", [1, 50])
    def test_with_the_cells_cached_the_budget_is_unchanged(
        self,
        client,
        mentor,
        small_role,
        steps,
        mentees,
        shared_cache,
        django_assert_page_queries,
    ):
        learners = make_fading_mentees(mentor, small_role, steps, mentees)
        client.force_login(mentor)
        client.get(reverse("mentoring"))
        with django_assert_page_queries(MENTORING_QUERIES_CACHED):
            body = client.get(reverse("mentoring")).content.decode()
        assert matrix_of(body).count('<span class="badge">1 fading</span>') == (mentees)
        assert_health_cells(body, learners)

    def test_the_panel_costs_the_same_however_many_reviews(
        self, month_later, learner, mentor
    ):
        client = as_user(mentor)
        with CaptureQueriesContext(connection) as few:
            client.get(PAGE)
        for slug in ("s3", "s4"):
            mark(month_later, "step", slug)
        rate(month_later, "step", "s1", "again")
        with CaptureQueriesContext(connection) as more:
            body = client.get(PAGE).content.decode()
        assert figure(panel(body), "fading") == 2
        assert len(more.captured_queries) == len(few.captured_queries)


# --- The hub's column: each mentee's review health beside their name ----------------


def health_cell(hub: str, name: str) -> str:
    """The review-health cell of `name`'s row in the hub's skills matrix."""
    row = row_of(matrix_of(hub), name)
    start = row.index('<td class="matrix__health">')
    return row[start : row.index("</td>", start)]


def as_on_the_page(page: str) -> str:
    """What the hub's cell says, from the figures of the mentee page's panel."""
    shown = panel(page)
    paused = re.search(r'paused their reviews until (<time datetime="[^"]+">)', shown)
    if paused:
        day = datetime.date.fromisoformat(re.search(r'datetime="([^"]+)"', shown)[1])
        return f"Paused until {paused[1]}{day:%-d %b %Y}</time>"
    if "has no role with reviews on" in shown:
        return "No role with reviews on"
    return " · ".join(
        f"{figure(shown, label)} {label}"
        for label in ("due today", "overdue", "fading")
    )


def follower(username: str, mentor) -> Client:
    """A mentee who follows the small role through its page's button."""
    learner = UserFactory(username=username, display_name=username.title())
    mentorship(learner, mentor)
    client = as_user(learner)
    assert client.post(reverse("progress_follow", args=["small"])).status_code == 302
    return client


@pytest.fixture
def five_mentees(signed_in, learner, mentor, clock):
    """Five mentees a month on, each in another state, all set through the
    pages' own forms: "learner" has reviews due (3 within their daily limit,
    one more waiting), overdue and fading (`month_later`'s); Dan marked two
    steps done yesterday (due today, nothing overdue); Pia paused her reviews
    for ten days; Ric turned his role's reviews off; Neo did nothing."""
    mentorship(learner, mentor)
    clients = {"learner": signed_in}
    for name in ("dan", "pia", "ric", "neo"):
        clients[name] = follower(name, mentor)
    for kind, slug in (("step", "s1"), ("step", "s2"), ("concept", "c1")):
        mark(signed_in, kind, slug)
    mark(signed_in, "concept", "c2")
    mark(clients["pia"], "step", "s1")
    mark(clients["ric"], "step", "s1")
    clock.advance(days=1)
    assert rate(signed_in, "concept", "c1", "again").status_code == 302
    assert rate(signed_in, "concept", "c2", "good").status_code == 302
    clock.advance(days=29)
    for name, client in clients.items():  # the sessions of a month ago expired
        client.force_login(User.objects.get(username=name))
    mark(clients["dan"], "step", "s1", htmx=True)
    mark(clients["dan"], "step", "s2")
    clock.advance(days=1)
    response = signed_in.post(
        reverse("review_pacing"), {"daily_limit": "3", "retention": "0.9"}
    )
    assert response.status_code == 302
    until = clock.current.date() + datetime.timedelta(days=10)
    response = clients["pia"].post(
        reverse("review_pause"), {"until": until.isoformat()}
    )
    assert response.status_code == 302
    # The goal page's form, its reviews box left unticked.
    response = clients["ric"].post(
        reverse("progress_goal", args=["small"]),
        {"target_date": "", "hours_per_week": ""},
    )
    assert response.status_code == 302
    return clients


@pytest.mark.django_db
class TestTheHubColumn:
    def test_each_row_shows_the_figures_of_the_mentee_page_and_own_dashboard(
        self, five_mentees, mentor, clock
    ):
        hub = as_user(mentor).get(HUB).content.decode()
        assert '<th scope="col">Reviews</th>' in matrix_of(hub)
        expected = {
            "learner": "3 due today · 4 overdue · 2 fading",
            "dan": "2 due today · 0 overdue · 0 fading",
            "neo": "0 due today · 0 overdue · 0 fading",
            "ric": "No role with reviews on",
        }
        until = clock.current.date() + datetime.timedelta(days=10)
        day = f'<time datetime="{until.isoformat()}">{until:%-d %b %Y}</time>'
        expected["pia"] = f"Paused until {day}"
        client = as_user(mentor)
        for username, own in five_mentees.items():
            learner = User.objects.get(username=username)
            page_url = reverse("mentee_dashboard", args=[username])
            page = client.get(page_url).content.decode()
            cell = health_cell(hub, learner.name)
            link = f'<a href="{page_url}#review-health">{expected[username]}</a>'
            assert cell.startswith(f'<td class="matrix__health">{link}'), username
            assert as_on_the_page(page) == expected[username]
            # Their own dashboard's badge: the reviews due today.
            due = re.search(r"(\d+) due today", cell)
            assert badge(own) == (int(due[1]) if due else 0), username
        waiting = health_cell(hub, User.objects.get(username="learner").name)
        assert "(1 more waits past their daily limit)" in waiting
        assert "(1 more waits past their daily limit)" in panel(
            client.get(PAGE).content.decode()
        )
        paused_dashboard = five_mentees["pia"].get(reverse("dashboard"))
        assert f"Reviews are paused until {until:%-d %B}" in (
            paused_dashboard.content.decode()
        )

    def test_many_at_once_count_what_each_alone_counts(
        self, five_mentees, clock, django_assert_max_num_queries
    ):
        learners = list(User.objects.filter(username__in=five_mentees))
        alone = {
            learner.pk: review_health(learner, clock.current) for learner in learners
        }
        # Five queries, and the roles' structure (four on the database cache).
        with django_assert_max_num_queries(9):
            together = review_health_many(learners, clock.current)
        assert together == alone
        assert {health.fading for health in together.values()} == {0, 2}

    def test_a_change_by_the_mentee_shows_at_once_with_the_cell_cached(
        self, five_mentees, mentor, shared_cache
    ):
        client = as_user(mentor)
        hub = client.get(HUB).content.decode()
        assert ">2 due today · 0 overdue · 0 fading<" in health_cell(hub, "Dan")
        dan = five_mentees["dan"]
        assert rate(dan, "step", "s1", "good").status_code == 302
        hub = client.get(HUB).content.decode()
        assert ">1 due today · 0 overdue · 0 fading<" in health_cell(hub, "Dan")
        until = timezone.now().date() + datetime.timedelta(days=3)
        response = dan.post(reverse("review_pause"), {"until": until.isoformat()})
        assert response.status_code == 302
        hub = client.get(HUB).content.decode()
        assert ">Paused until <time" in health_cell(hub, "Dan")


@pytest.mark.django_db
class TestTheHubColumnUnderConsent:
    def test_a_pending_or_ended_mentorship_shows_no_row_nor_cell(
        self, signed_in, learner, mentor, other_learner, small_role
    ):
        mentorship(learner, mentor)
        mentorship(other_learner, mentor, status=Mentorship.Status.PENDING)
        mark(signed_in, "step", "s1")
        RoleFollow.objects.create(learner=other_learner, role=small_role)
        client = as_user(mentor)
        hub = client.get(HUB).content.decode()
        table = matrix_of(hub)
        assert table.count('class="matrix__health"') == 1
        assert f">{other_learner.name}<" not in table
        assert reverse("mentee_dashboard", args=["other"]) not in table
        assert reverse("mentee_dashboard", args=["learner"]) + "#review-health" in table
        active = Mentorship.objects.get(learner=learner, mentor=mentor)
        response = client.post(reverse("mentoring_end", args=[active.pk]))
        assert response.status_code == 302
        hub = client.get(HUB).content.decode()
        assert "matrix__health" not in hub and "#review-health" not in hub
