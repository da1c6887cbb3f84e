"""How long learners actually took: measured from the statuses they set through
the status form, shown beside the estimate once enough learners finished, and
counted by plans."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from outbox import schedule
from progress import timings
from tests.factories import UserFactory

UTC = datetime.UTC
START = datetime.datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
PARIS = __import__("zoneinfo").ZoneInfo("Europe/Paris")


def set_status(client, kind, slug, status, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("progress_set_status", args=[kind, slug]),
        {"status": status},
        headers=headers,
    )
    assert response.status_code in (200, 302)


# Learners whose times count: a verified address, and an account a month old.
JOINED = START - datetime.timedelta(days=30)


def learners_take(clock, durations, kind="step", slug="s1", htmx=False):
    """Each learner marks the item learning, then done `duration` later."""
    for number, duration in enumerate(durations):
        client = Client()
        client.force_login(UserFactory(username=f"timed{number}", date_joined=JOINED))
        clock.current = START + datetime.timedelta(days=number)
        set_status(client, kind, slug, "learning", htmx)
        clock.advance(**duration)
        set_status(client, kind, slug, "done", htmx)


def hours(value):
    return {"hours": value}


@pytest.mark.django_db
class TestMeasuring:
    @pytest.mark.parametrize("htmx", [False, True])
    def test_five_learners_give_the_median_on_the_pages(
        self, small_role, steps, clock, htmx
    ):
        learners_take(
            clock, [hours(1), hours(1.5), hours(2), hours(1), hours(1)], htmx=htmx
        )
        # The median, 1 h, is held at half the 4 h estimate until 20 agree.
        assert timings.measure()[("step", steps[0].pk)] == timings.Typical(2.0, 5)
        assert "measured, 1 changed" in timings.measure_learner_times(clock.current)
        steps[0].refresh_from_db()
        assert (steps[0].learner_hours, steps[0].learner_count) == (2.0, 5)
        role_page = (
            Client().get(reverse("role_detail", args=["small"])).content.decode()
        )
        assert "learners took about 2 h (median of 5)" in role_page
        # One role page shows it to the signed-in learner too (the cached skeleton
        # was retired by the measurement).
        client = Client()
        client.force_login(UserFactory())
        body = client.get(reverse("role_detail", args=["small"])).content.decode()
        assert "learners took about 2 h (median of 5)" in body
        item = client.get(reverse("progress_item", args=["step", "s1"])).content
        assert "learners took about 2 h (median of 5)" in item.decode()

    def test_fewer_than_five_learners_show_nothing(self, small_role, steps, clock):
        learners_take(clock, [hours(1)] * 4)
        timings.measure_learner_times(clock.current)
        steps[0].refresh_from_db()
        assert steps[0].learner_hours is None
        body = Client().get(reverse("role_detail", args=["small"])).content.decode()
        assert "learners took" not in body

    def test_concepts_are_measured_on_the_skill_page(self, small_role, clock):
        learners_take(clock, [hours(2)] * 5, kind="concept", slug="c1")
        timings.measure_learner_times(clock.current)
        body = Client().get(reverse("skill_detail", args=["shared-skill"])).content
        assert "learners took about 2 h (median of 5)" in body.decode()

    def test_outliers_are_left_out(self, small_role, steps, clock):
        durations = [
            hours(1),
            hours(1.25),
            hours(1.5),
            hours(1.5),
            hours(2),
            {"minutes": 2},  # clicked through: not a measurement
            {"days": 70},  # left open for months
            hours(9),  # within a day's work cap, but outside the fences
        ]
        learners_take(clock, durations)
        # The fixed bounds leave six; 9 h is capped at a day's 2 h and stays
        # within the fences. Their median, 1.5 h, is held at half the estimate.
        assert timings.measure()[("step", steps[0].pk)] == timings.Typical(2.0, 6)
        assert timings.typical([1, 1.25, 1.5, 1.5, 2, 2]) == timings.Typical(1.5, 6)

    def test_tukeys_fences_leave_out_the_far_ones(self):
        # Quartiles 1.25 and 2, so the fences are 0.125 and 3.125: 40 h is out.
        assert timings.typical([1, 1, 1.5, 2, 2, 2, 40]) == timings.Typical(1.75, 6)
        # Left with fewer than five, nothing is said.
        assert timings.typical([1, 1, 1, 1, 30, 40, 50, 60]) is not None
        assert timings.typical([1, 1, 1, 1, 100]) is None

    def test_a_day_counts_at_most_two_hours(self):
        monday = datetime.datetime(2026, 11, 2, 9, tzinfo=UTC)
        assert timings.working_hours(monday, monday.replace(hour=10), UTC) == 1
        assert timings.working_hours(monday, monday.replace(hour=20), UTC) == 2
        wednesday = monday + datetime.timedelta(days=2, hours=5)
        assert timings.working_hours(monday, wednesday, UTC) == 6
        # Days are the learner's: 23:30 to 00:30 in Paris spans two of them.
        late = datetime.datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
        assert (
            timings.working_hours(late, late + datetime.timedelta(hours=1), PARIS) == 1
        )
        assert (
            timings.working_hours(monday, monday + datetime.timedelta(minutes=4), UTC)
            is None
        )
        assert (
            timings.working_hours(monday, monday + datetime.timedelta(days=60), UTC)
            is None
        )

    def test_only_the_first_learning_to_the_first_done_after_it(
        self, small_role, steps, clock
    ):
        client = Client()
        client.force_login(UserFactory(date_joined=JOINED))
        clock.current = START
        set_status(client, "step", "s1", "done")  # done before learning: no start
        clock.advance(hours=1)
        set_status(client, "step", "s1", "learning")
        clock.advance(hours=1.5)
        set_status(client, "step", "s1", "done")
        clock.advance(hours=1)
        set_status(client, "step", "s1", "learning")
        clock.advance(days=3)
        set_status(client, "step", "s1", "done")
        assert list(timings.learner_times()) == [(("step", steps[0].pk), 1.5)]

    def test_a_learner_who_leaves_takes_their_times_away(
        self, small_role, steps, clock
    ):
        learners_take(clock, [hours(1)] * 5)
        timings.measure_learner_times(clock.current)
        UserFactory._meta.model.objects.get(username="timed0").delete()
        assert "1 changed" in timings.measure_learner_times(clock.current)
        steps[0].refresh_from_db()
        assert (steps[0].learner_hours, steps[0].learner_count) == (None, 0)

    def test_the_schedule_runs_it_daily(self, small_role, steps, clock):
        learners_take(clock, [hours(1)] * 5)
        first = dict(
            (name, outcome) for name, _p, outcome in schedule.run_due(clock.current)
        )
        assert first["measure-learner-times"] == "1 item(s) measured, 1 changed"
        again = [name for name, _p, _o in schedule.run_due(clock.current)]
        assert "measure-learner-times" not in again


@pytest.mark.django_db
class TestPlansCountWhatLearnersTook:
    def test_the_plan_and_the_export_use_the_measured_hours(
        self, client, learner, small_role, steps, clock
    ):
        learners_take(clock, [hours(1)] * 5)  # step one: 1 h, held at 2 of 4
        timings.measure_learner_times(clock.current)
        clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=UTC)
        client.force_login(learner)
        client.post(reverse("progress_follow", args=["small"]))
        response = client.post(
            reverse("progress_goal", args=["small"]),
            {"hours_per_week": "7", "reviews": "on"},
        )
        assert response.status_code == 302
        client.force_login(learner)
        body = client.get(reverse("dashboard")).content.decode()
        plan = body[body.index('class="plan"') :]
        plan = plan[: plan.index("</section>")]
        assert 'Step one</a> <span class="meta">about 2 h, as learners took' in plan
        # 4 steps (2 + 4 + 4 + 4) and 2 concepts (1 + 1): 16 hours, not 18.
        assert "About 16 h of work are left." in plan
        exported = client.get(reverse("progress_export_json")).json()
        assert exported["figures"][0]["plan"]["this_week"][0] == {
            "kind": "step",
            "slug": "s1",
            "hours": 2.0,
            "estimate": "learners",
        }


@given(st.lists(st.floats(min_value=0.1, max_value=120), min_size=0, max_size=40))
def test_the_typical_time_is_within_what_learners_took(times):
    found = timings.typical(times)
    if len(times) < timings.MIN_LEARNERS:
        assert found is None
        return
    if found is not None:
        assert found.learners >= timings.MIN_LEARNERS
        assert min(times) - 0.125 <= found.hours <= max(times) + 0.125


@given(
    st.lists(st.floats(min_value=0.1, max_value=120), min_size=0, max_size=40),
    st.integers(1, 40).map(float),
)
def test_with_an_estimate_the_figure_stays_near_it_until_many_agree(times, estimate):
    found = timings.typical(times, estimate)
    if found is None:
        return
    if found.learners < timings.TRUSTED_LEARNERS:
        low, high = estimate * timings.FLOOR, estimate * timings.CEILING
    else:
        low, high = estimate / timings.FAR, estimate * timings.FAR
    assert low - 0.125 <= found.hours <= high + 0.125
