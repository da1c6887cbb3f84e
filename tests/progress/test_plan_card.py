"""What the dashboard's plan card says for each goal set through the goal form:
always what meets the target (hours a week) and, when no sane week does, the
earliest day that can; never a finish date from a pace that does not count."""

import datetime

import pytest
from django.urls import reverse

from progress.models import RoleFollow

pytestmark = pytest.mark.django_db

# The small role: four steps of 4 h and two concepts of 1 h, 18 h in all.
NOW = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture
def follow(learner, small_role, clock):
    clock.current = NOW
    return RoleFollow.objects.create(learner=learner, role=small_role)


def card_after_goal(client, data, htmx) -> str:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(reverse("progress_goal", args=["small"]), data, **headers)
    assert response.status_code == 302, response.content.decode()
    body = client.get(reverse("dashboard")).content.decode()
    card = body[body.index('class="plan"') :]
    return " ".join(card[: card.index("</section>")].split())


@pytest.mark.parametrize("htmx", [False, True])
class TestThePlanCard:
    def test_a_date_alone_says_the_hours_a_week_it_needs(
        self, client, learner, follow, htmx
    ):
        client.force_login(learner)
        card = card_after_goal(client, {"target_date": "2026-12-22"}, htmx)
        # 18 h over the 21 days to 22 December: 6 h a week.
        assert "To finish by 22 December 2026, give about 6 h a week." in card

    def test_hours_alone_give_the_finish_date(self, client, learner, follow, htmx):
        client.force_login(learner)
        card = card_after_goal(client, {"hours_per_week": "7"}, htmx)
        assert "at 7 h a week you finish on" in card and "19 December 2026" in card
        assert "To finish by" not in card

    def test_both_say_where_the_plan_stands_and_what_the_date_needs(
        self, client, learner, follow, htmx
    ):
        client.force_login(learner)
        card = card_after_goal(
            client, {"target_date": "2026-12-22", "hours_per_week": "7"}, htmx
        )
        assert "On track:" in card and "19 December 2026" in card
        assert "To finish by 22 December 2026, give about 6 h a week." in card

    def test_a_target_too_close_gives_the_hours_and_the_earliest_date(
        self, client, learner, follow, htmx
    ):
        client.force_login(learner)
        card = card_after_goal(client, {"target_date": "2026-12-02"}, htmx)
        # 18 h today would take 126 h a week; at 80 h a week they take two days.
        assert "2 December 2026 is too close" in card
        assert "about 126 h a week, more than 80" in card
        assert "The earliest you can finish is 3 December 2026" in card

    def test_three_clicks_a_minute_old_are_no_pace(
        self, client, learner, follow, clock, htmx
    ):
        client.force_login(learner)
        for kind, slug in [("step", "s1"), ("step", "s2"), ("concept", "c1")]:
            client.post(
                reverse("progress_set_status", args=[kind, slug]),
                {"status": "done"},
            )
        clock.advance(minutes=1)
        card = card_after_goal(client, {"target_date": "2026-12-22"}, htmx)
        assert "pace of the last four weeks" not in card
        assert "you finish on" not in card
        # 9 h left (a step of 4 h twice, a concept of 1 h) in 21 days.
        assert "To finish by 22 December 2026, give about 3 h a week." in card
        body = client.get(reverse("dashboard")).content.decode()
        assert "Not enough history yet" in body
        assert "Projected finish" not in body


def test_the_projection_and_the_plan_give_the_pace_alike(
    client, learner, follow, clock, small_role
):
    """Three 3 h concepts done on three days: 9 h in four weeks, 2.25 h a week.
    The projection and the plan beside it both say 2.3 (rounded alike)."""
    from tests.factories import ConceptFactory

    skill = small_role.skills.get()
    for number in range(3):
        ConceptFactory(skill=skill, slug=f"tech-{number}", kind="technology")
    client.force_login(learner)
    for number in range(3):
        response = client.post(
            reverse("progress_set_status", args=["concept", f"tech-{number}"]),
            {"status": "done"},
        )
        assert response.status_code == 302
        clock.advance(days=1)
    card = card_after_goal(client, {"target_date": "2027-06-01"}, htmx=False)
    body = " ".join(client.get(reverse("dashboard")).content.decode().split())
    assert "At your pace of the last four weeks (2.3 h a week)." in body
    assert "at 2.3 h a week (your pace of the last four weeks)" in card
