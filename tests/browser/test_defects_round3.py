"""Round three of defects seen in Chromium: the mentor's hub fits its window, the
mentee's role page leads to the endorse control, the time zone offered from the
browser, the calendar link copied with a button, and the print stylesheet."""

import pytest
from playwright.sync_api import expect

from mentoring.models import Mentorship
from progress.models import ItemProgress, RoleFollow
from roadmap.models import LearningStep, Role
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def mentor_with_mentees(count: int = 4):
    mentor = UserFactory(username="mo", display_name="Mo Mentor")
    role = Role.objects.get()
    step = LearningStep.objects.order_by("stage__position", "position").first()
    for number in range(count):
        learner = UserFactory(
            username=f"mentee{number}", display_name=f"Mentee Number {number}"
        )
        Mentorship.objects.create(
            learner=learner, mentor=mentor, status="active", initiated_by="learner"
        )
        RoleFollow.objects.create(learner=learner, role=role)
        ItemProgress.objects.set_status(learner, step, "done")
    return mentor


@pytest.mark.parametrize("width", [1280, 360])
def test_the_mentoring_hub_fits_the_window_and_keeps_header_words_whole(
    browser, live_server, seed_roadmap, width, tmp_path
):
    mentor_with_mentees()
    context = watched_context(browser, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "mo")
    page.goto(live_server.url + "/mentoring/")
    expect(page.locator("table.matrix")).to_be_visible()
    page.screenshot(path=tmp_path / f"mentoring-{width}.png", full_page=True)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    # A header never breaks inside a word: it takes at most one line a word
    # ("Name", "Status": one line), however narrow the window.
    heights = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap th')].map(th => {
            const box = th.querySelector('a') || th;
            const range = document.createRange();
            range.selectNodeContents(box.firstChild || box);
            return [range.toString().trim(), range.getClientRects().length];
        })"""
    )
    broken = [text for text, lines in heights if lines > len(text.split())]
    assert not broken, heights
    assert widths[0] <= widths[1], widths
    context.close()


def test_a_mentor_reaches_the_endorse_control_from_a_mentees_role_page(
    browser, live_server, seed_roadmap
):
    mentor_with_mentees(1)
    role = Role.objects.get()
    context = watched_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "mo")
    page.goto(live_server.url + f"/mentoring/mentees/mentee0/roles/{role.slug}/")
    page.locator("#skills").get_by_role("link", name="Databases and SQL").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Databases and SQL")
    page.get_by_label("Level you endorse").select_option("4")
    page.get_by_role("button", name="Endorse", exact=True).click()
    expect(page.locator("body")).to_contain_text("You endorsed Mentee Number 0")
    assert page.evaluate("window.__cspViolations") == []
    context.close()


def test_in_print_the_fold_markers_hide_and_headings_keep_with_what_follows(
    page, live_server, seed_roadmap
):
    role = Role.objects.get()
    page.goto(live_server.url + role.get_absolute_url())
    page.emulate_media(media="print")
    styles = page.evaluate(
        """() => {
            const summaries = [...document.querySelectorAll('summary')]
                .filter(s => s.getClientRects().length > 0);  // printed ones
            const shown = (el, pseudo) => {
                const style = getComputedStyle(el, pseudo);
                return style.display !== 'none' && !['none', 'normal', '""']
                    .includes(style.content);
            };
            const after = selector =>
                getComputedStyle(document.querySelector(selector)).breakAfter;
            return {
                summaries: summaries.length,
                markers: summaries.filter(s => shown(s, '::before')
                    || getComputedStyle(s).listStyleType !== 'none').length,
                path: after('#path-title'),
                stage: after('.stage__title'),
            };
        }"""
    )
    assert styles["summaries"] > 0
    assert styles["markers"] == 0, styles
    assert styles["path"] == "avoid", styles
    assert styles["stage"] == "avoid", styles
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


def test_the_settings_offer_the_browsers_time_zone_and_saving_keeps_it(
    browser, live_server, db
):
    from accounts.models import User

    UserFactory(username="zoe")
    context = watched_context(browser, timezone_id="Europe/Paris")
    page = context.new_page()
    sign_in(page, live_server, "zoe")
    page.goto(live_server.url + "/account/")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    expect(page.locator("#timezone-from-browser")).to_contain_text("Europe/Paris")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("body")).to_contain_text("Your settings are saved.")
    assert User.objects.get(username="zoe").timezone == "Europe/Paris"
    # Once a zone is saved, the page leaves it alone.
    context.close()
    context = watched_context(browser, timezone_id="Asia/Tokyo")
    page = context.new_page()
    sign_in(page, live_server, "zoe")
    page.goto(live_server.url + "/account/")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    assert page.evaluate("window.__cspViolations") == []
    context.close()


def test_without_javascript_the_time_zone_is_a_plain_select(browser, live_server, db):
    UserFactory(username="zoe")
    context = browser.new_context(timezone_id="Europe/Paris", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "zoe")
    page.goto(live_server.url + "/account/")
    expect(page.get_by_label("Time zone")).to_have_value("UTC")
    expect(page.locator("#timezone-from-browser")).to_have_count(0)
    context.close()


def test_the_calendar_link_is_copied_with_a_button(browser, live_server, db):
    UserFactory(username="cal")
    context = watched_context(
        browser, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    sign_in(page, live_server, "cal")
    page.goto(live_server.url + "/calendar/")
    page.get_by_role("button", name="Turn on my calendar feed").click()
    link = page.get_by_label("Calendar link").input_value()
    assert "/calendar/" in link
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.evaluate("window.__cspViolations") == []
    context.close()


def test_without_javascript_there_is_no_copy_button(browser, live_server, db):
    UserFactory(username="cal")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "cal")
    page.goto(live_server.url + "/calendar/")
    page.get_by_role("button", name="Turn on my calendar feed").click()
    expect(page.get_by_label("Calendar link")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    context.close()
