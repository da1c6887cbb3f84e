"""A learner's plan in Chromium: set a goal, see this week's items, rate a due
review on the reviews page without a reload, subscribe a calendar to the feed
(fetched as a calendar app would), turn on the weekly email and stop it from its
link."""

import datetime
import urllib.request

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from progress import reminders
from progress.models import ItemProgress, ReviewCard, RoleFollow
from roadmap.models import Concept, LearningStep, Role
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory
from tests.queue import delivered

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_goal_a_weekly_plan_a_review_and_a_calendar(page, live_server, seed_roadmap):
    learner = UserFactory(username="planner", email="planner@example.com")
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    first = LearningStep.objects.get(slug="choose-a-backend-language")
    ItemProgress.objects.set_status(learner, first, "done")
    ItemProgress.objects.filter(learner=learner).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=2)
    )
    sign_in(page, live_server, "planner")

    # Set a goal through the goal page's form.
    page.get_by_role("link", name="Set a goal for Backend Engineer").click()
    target = timezone.localdate() + datetime.timedelta(days=120)
    page.fill("#goal_target_date", target.isoformat())
    page.fill("#goal_hours_per_week", "6")
    page.get_by_role("button", name="Save my goal").click()
    page.wait_for_url("**/dashboard/")
    plan = page.locator("section.plan")
    expect(plan).to_contain_text("6 h a week")
    expect(plan).to_contain_text("This week")
    # The done step's concepts come first (each step is followed by its own).
    expect(plan.locator("ul.plan__items li").first).to_contain_text("Python")

    # The done step is due for review: the dashboard lists it; the reviews page
    # asks its question and rates it in place (htmx, no reload).
    reviews = page.locator("#dashboard-reviews")
    expect(reviews).to_contain_text("Choose a backend programming language")
    reviews.get_by_role("link", name="Start reviewing").click()
    page.evaluate("window.__sameDocument = true")
    session = page.locator("#review-session")
    expect(session.locator(".review-card__question")).not_to_be_empty()
    session.get_by_text("Show the answer").click()
    good = session.locator('button[name="rating"][value="good"]')
    expect(good).to_contain_text("Good ·")
    good.click()
    expect(page.locator("#live-region")).to_contain_text("Next review of")
    expect(page.locator("#review-session")).to_contain_text("No more reviews today.")
    assert page.evaluate("window.__sameDocument") is True
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#dashboard-reviews")).to_contain_text("No more reviews today.")
    assert ReviewCard.objects.get(learner=learner).due > timezone.localdate()

    # Subscribe a calendar: make the private link, then fetch it as an app would.
    page.get_by_role("link", name="See your plan in your calendar app").click()
    page.get_by_role("button", name="Turn on my calendar feed").click()
    url = page.locator("#feed-url").input_value()
    assert url.startswith(live_server.url) and url.endswith(".ics")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        feed = Calendar.from_ical(response.read())
    summaries = [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]
    assert "Target: finish Backend Engineer" in summaries
    assert any(summary.startswith("Review 1 item") for summary in summaries)
    # This week's item, with the curator's estimate for the language.
    python = Concept.objects.get(slug="python")
    assert python.effort_hours >= 100
    assert f"Python (about {python.effort_hours:.0f} h)" in summaries

    # Turn on the weekly email in the settings, get next Monday's, and stop it
    # from the link it carries.
    page.goto(f"{live_server.url}/account/")
    page.get_by_label("Weekly plan email").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    learner.refresh_from_db()
    assert learner.weekly_email
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    at = datetime.datetime.combine(monday, datetime.time(9), datetime.UTC)
    assert reminders.send_weekly_emails(at) == "1 weekly email(s) queued"
    (email,) = [m for m in delivered() if m.to == ["planner@example.com"]]
    assert "== Backend Engineer:" in email.body and "This week:" in email.body
    link = email.body.split("Stop it with one click: ")[1].split()[0]
    assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
    page.goto(live_server.url + link[link.index("/email/") :])
    page.get_by_role("button", name="Stop the weekly email").click()
    expect(page.get_by_text("will not send you the weekly plan email")).to_be_visible()
    learner.refresh_from_db()
    assert not learner.weekly_email
