"""With JavaScript off, learners and mentors still do everything; keyboard works."""

import pytest
from playwright.sync_api import expect

from mentoring.models import Mentorship
from progress.models import ItemProgress
from roadmap.models import LearningStep
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_learner_without_javascript_writes_notes_and_sees_the_dashboard(
    browser, live_server, seed_roadmap
):
    UserFactory(username="plain")
    context = watched_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "plain")
    page.goto(live_server.url + "/roles/backend-engineer/")
    page.get_by_role("button", name="Follow this roadmap").click()
    page.goto(live_server.url + "/items/step/choose-a-backend-language/")
    page.locator("button[value=learning]").first.click()
    page.fill("#id_note", "Written without JavaScript.")
    page.get_by_role("button", name="Save note").click()
    expect(page.locator("#id_note")).to_have_value("Written without JavaScript.")
    page.fill("#id_url", "javascript:alert(1)")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator("#evidence")).to_contain_text("Enter a valid URL")
    page.goto(live_server.url + "/dashboard/")
    expect(page.locator("#dashboard-roles")).to_contain_text("Backend Engineer")
    expect(page.locator("#dashboard-activity")).to_contain_text("current streak")
    context.close()


def test_a_mentor_without_javascript_reads_the_mentor_pages(
    browser, live_server, seed_roadmap
):
    learner = UserFactory(username="ana", display_name="Ana")
    mentor = UserFactory(username="mel")
    Mentorship.objects.create(
        learner=learner, mentor=mentor, status="active", initiated_by="learner"
    )
    ItemProgress.objects.set_status(learner, LearningStep.objects.first(), "done")
    context = watched_context(browser, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "mel")
    page.goto(live_server.url + "/mentoring/")
    page.get_by_role("link", name="Ana").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana")
    page.goto(live_server.url + "/mentoring/mentees/ana/roles/backend-engineer/")
    expect(page.locator("#role-progress")).to_contain_text("Steps: 1 of 40 done")
    context.close()


def test_status_controls_work_from_the_keyboard_with_a_visible_focus(
    page, live_server, seed_roadmap
):
    UserFactory(username="keys")
    sign_in(page, live_server, "keys")
    page.goto(live_server.url + "/roles/backend-engineer/")
    button = page.locator("ol.steps form.status-control button[value=done]").first
    button.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    form_id = button.evaluate("b => b.form.id")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{form_id} button[value=done]")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#live-region")).to_contain_text("marked as done")


def test_a_quote_opens_and_leads_to_its_passage_without_javascript(
    browser, live_server, seed_roadmap
):
    context = watched_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/roles/backend-engineer/#step-use-a-messaging-system")
    step = page.locator("#step-use-a-messaging-system")
    # The overview names the sources; the passages are one link away.
    expect(step.locator("details.quote")).to_have_count(0)
    step.get_by_role("link", name="what the sources say").click()
    page.wait_for_url("**/roles/backend-engineer/?view=all#step-use-a-messaging-system")
    step = page.locator("#step-use-a-messaging-system")
    quote = step.locator("details.quote").first
    expect(quote.locator("blockquote")).to_be_hidden()
    quote.locator("summary").click()
    expect(quote.locator("blockquote")).to_be_visible()
    expect(quote.locator("blockquote")).to_contain_text("serve as middlemen")
    quote.get_by_role("link", name="The passage in").click()
    page.wait_for_url("**/sources/essay-backend-fundamentals/#quote-*")
    anchor = page.url.split("#", 1)[1]
    expect(page.locator("mark.passage:target, span:target")).to_have_count(1)
    # The passage's mark: its own, or, where passages of several items overlap
    # and share one mark, the mark its (empty) anchor stands at the start of.
    target = page.locator(
        f"mark.passage[id='{anchor}'], [id='{anchor}'] ~ mark.passage"
    ).first
    expect(target).to_be_visible()
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("serve as middlemen")
    context.close()
