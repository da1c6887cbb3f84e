"""A learner's reviews in Chromium: three items marked done on the role page come
back for review; each is recalled, its answer shown and rated on the reviews page
(htmx swaps in the next one); a daily limit is saved; then a whole stage is marked
known from the role page and the change is undone.

The live server's clock cannot be moved to tomorrow, so after marking the three
steps done in the browser the test moves their marks two days back (as
test_plans.py does): they are then due today."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from progress.models import ItemProgress, ReviewCard, ReviewSettings
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "/roles/backend-engineer/"


def step_statuses(page, stage) -> dict[str, str]:
    """Each step of a stage on the role page, by its id, with its status."""
    steps = stage.locator("li.step")
    return {
        steps.nth(i).get_attribute("id"): steps.nth(i).get_attribute("data-status")
        for i in range(steps.count())
    }


def test_three_reviews_a_daily_limit_and_an_undone_known_stage(
    page, live_server, seed_roadmap
):
    learner = UserFactory(username="reviewer")
    sign_in(page, live_server, "reviewer")
    page.goto(live_server.url + ROLE)
    page.get_by_role("button", name="Follow this roadmap").click()
    page.wait_for_selector("text=Stop following")

    # Mark the first three steps done with their status controls.
    forms = page.locator("ol.steps form.status-control")
    for index in range(3):
        form_id = "#" + forms.nth(index).get_attribute("id")
        page.locator(f"{form_id} button[value=done]").click()
        expect(page.locator(f"{form_id} button[value=done]")).to_have_attribute(
            "aria-pressed", "true"
        )
    done = ItemProgress.objects.filter(learner=learner, status="done")
    assert done.count() == 3
    # Tomorrow, and a day more: the marks move back instead of the clock.
    done.update(status_changed_at=timezone.now() - datetime.timedelta(days=2))

    page.goto(live_server.url + "/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    session = page.locator("#review-session")
    expect(session.locator("#session-title")).to_have_text("Today: 3 to review")
    page.evaluate("window.__sameDocument = true")
    seen = []
    for left in (3, 2, 1):
        expect(session.locator("#session-title")).to_have_text(
            f"Today: {left} to review"
        )
        question = session.locator("#review-question")
        text = question.inner_text().strip()
        assert text and text not in seen, (text, seen)
        seen.append(text)
        answer = session.locator("details.review-card__answer")
        expect(answer).not_to_have_attribute("open", "")
        answer.get_by_text("Show the answer").click()
        expect(answer).to_have_attribute("open", "")
        body = answer.locator("blockquote, p").first
        expect(body).to_be_visible()
        assert body.inner_text().strip()
        good = session.get_by_role("button", name="Good")
        expect(good).to_have_text(re.compile(r"^Good · (tomorrow|in \d+ days)$"))
        good.click()
        if left > 1:
            expect(session.locator("#review-question")).not_to_have_text(text)
    expect(session).to_contain_text("Nothing to review now")
    expect(session).to_contain_text("No more reviews today.")
    expect(page.locator("#live-region")).to_contain_text("Next review of")
    assert page.evaluate("window.__sameDocument") is True
    today = timezone.localdate()
    cards = ReviewCard.objects.filter(learner=learner)
    assert cards.count() == 3
    assert all(card.due > today for card in cards)

    # A daily limit, in the "Your pace" form.
    page.get_by_label("Reviews a day, at most").fill("5")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/reviews/")
    expect(page.get_by_text("Your review settings are saved.")).to_be_visible()
    expect(page.get_by_label("Reviews a day, at most")).to_have_value("5")
    assert ReviewSettings.of(learner).daily_limit == 5

    # "I already know this stage" for the second stage, then its undo.
    page.goto(live_server.url + ROLE)
    stage = page.locator("li.stage").nth(1)
    if stage.locator("details.stage__details").get_attribute("open") is None:
        stage.locator("summary.stage__summary").click()
    before = step_statuses(page, stage)
    assert before and "done" not in before.values(), before
    stage.locator("a", has_text="I already know this stage").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "I already know this stage"
    )
    page.get_by_role("button", name="as done").click()
    page.wait_for_url(f"**{ROLE}")
    notice = page.locator(".known-offer")
    expect(notice).to_contain_text(f"Marked {len(before)} ")
    expect(notice).to_contain_text("done")
    stage = page.locator("li.stage").nth(1)
    assert set(step_statuses(page, stage).values()) == {"done"}
    assert ItemProgress.objects.filter(learner=learner, status="done").count() == (
        3 + len(before)
    )
    undo = notice.locator("form button", has_text="Undo")
    expect(undo).to_have_count(1)
    expect(undo).to_contain_text("Marked")
    undo.click()
    expect(page.get_by_text("Undone:")).to_be_visible()
    stage = page.locator("li.stage").nth(1)
    assert step_statuses(page, stage) == before
    assert ItemProgress.objects.filter(learner=learner, status="done").count() == 3
    assert page.evaluate("window.__cspViolations") == []
