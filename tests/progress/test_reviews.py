"""Spaced review: done items come back on the days FSRS gives; the dashboard
lists them and the reviews page rates them, with and without htmx."""

import datetime

import pytest
from django.urls import reverse

from progress import reviews
from progress.models import ItemProgress, ReviewCard, ReviewLog, RoleFollow
from tests.factories import StepFactory, UserFactory

START = datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.UTC)


@pytest.fixture
def following(learner, small_role, clock):
    clock.current = START
    return RoleFollow.objects.create(learner=learner, role=small_role)


def review_url(slug="s1", kind="step"):
    return reverse("progress_review", args=[kind, slug])


def dashboard(client) -> str:
    return client.get(reverse("dashboard")).content.decode()


@pytest.mark.django_db
class TestReviews:
    def test_a_done_item_is_due_the_next_day(
        self, client, learner, following, steps, clock
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        client.force_login(learner)
        assert 'id="reviews-title"' not in dashboard(client)
        clock.advance(days=1)
        body = dashboard(client)
        section = body[body.index('id="reviews-title"') :]
        section = section[: section.index("</section>")]
        assert "Step one" in section
        assert f'href="{reverse("reviews")}"' in section
        page = client.get(reverse("reviews")).content.decode()
        assert f'action="{review_url()}"' in page
        for rating in ("again", "hard", "good", "easy"):
            assert f'name="rating" value="{rating}"' in page

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_rating_schedules_the_next_review_and_is_kept(
        self, client, learner, following, steps, clock, htmx
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        clock.advance(days=1)
        client.force_login(learner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(review_url(), {"rating": "good"}, **headers)
        if htmx:
            assert response.status_code == 200
            assert 'id="review-session"' in response.content.decode()
            assert "Next review of Step one" in response["HX-Trigger"]
        else:
            assert response.status_code == 302
        card = ReviewCard.objects.get(learner=learner, step=steps[0])
        assert card.due > clock.current.date()
        assert [log.rating for log in card.logs.all()] == [ReviewLog.Rating.GOOD]
        assert 'id="reviews-title"' not in dashboard(client)  # none due now

    def test_better_recall_waits_longer(self, learner, following, steps, clock):
        for step in steps[:3]:
            ItemProgress.objects.set_status(learner, step, "done")
        clock.advance(days=1)
        dues = {
            rating: reviews.rate(learner, step, "step", rating, clock.current).due
            for rating, step in zip(("again", "good", "easy"), steps, strict=False)
        }
        assert dues["again"] <= dues["good"] < dues["easy"]

    @pytest.mark.parametrize("htmx", [False, True])
    def test_bad_ratings_and_items_not_done_are_refused(
        self, client, learner, following, steps, clock, htmx
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        client.force_login(learner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(review_url(), {"rating": "perfect"}, **headers)
        assert response.status_code == 400
        assert b"again, hard, good or easy" in response.content
        response = client.post(review_url("s2"), {"rating": "good"}, **headers)
        assert response.status_code == 400
        assert b"mark it done first" in response.content
        assert client.post(review_url("nope"), {"rating": "good"}).status_code == 404
        assert not ReviewCard.objects.exists() and not ReviewLog.objects.exists()

    def test_only_the_learners_own(self, client, learner, following, steps, clock):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        assert client.post(review_url(), {"rating": "good"}).status_code == 302
        other = UserFactory(username="other")
        client.force_login(other)  # their own item is not done: nothing to rate
        assert client.post(review_url(), {"rating": "good"}).status_code == 400
        assert not ReviewCard.objects.exists()

    def test_a_role_with_reviews_off_lists_none(
        self, client, learner, following, steps, clock
    ):
        ItemProgress.objects.set_status(learner, steps[0], "done")
        clock.advance(days=1)
        client.force_login(learner)
        response = client.post(
            reverse("progress_goal", args=["small"]),
            {"target_date": "", "hours_per_week": ""},  # `reviews` unticked
        )
        assert response.status_code == 302
        assert RoleFollow.objects.get(pk=following.pk).reviews is False
        assert 'id="reviews-title"' not in dashboard(client)

    def test_the_list_is_capped_and_old_reviews_lapse(
        self, client, learner, following, steps, clock, small_role
    ):
        stage = small_role.stages.first()
        extra = [StepFactory(stage=stage, slug=f"x{n}") for n in range(11)]
        for step in [*steps, *extra]:
            ItemProgress.objects.set_status(learner, step, "done")
        clock.advance(days=2)
        shown = reviews.due_reviews(learner, [following], clock.current)
        assert shown.total == 15 and len(shown.due) == reviews.REVIEWS_SHOWN
        clock.advance(days=reviews.LAPSED_DAYS + 1)
        assert reviews.due_reviews(learner, [following], clock.current).total == 0
