"""A content change from a learner's report to their review, in Chromium.

A learner marks a step done on the role page and reports a problem with it on
its item page; a curator uploads a content file changing that step's summary
in the admin (the preview counts the one learner it touches), then marks the
report fixed with a reply and the revision that fixed it; the learner sees the
report fixed and what changed since they marked the step, marks it reviewed
(htmx takes the section away) and keeps their status; the dashboard no longer
lists the step as changed."""

import re

import pytest
from playwright.sync_api import expect

from progress.models import ItemProgress, ItemReport
from roadmap.models import LearningStep, Revision
from tests.browser.conftest import watched_context
from tests.browser.test_curator import sign_in_to_the_admin
from tests.browser.test_progress import sign_in
from tests.content_files import write_content
from tests.factories import UserFactory, enable_two_factor
from tests.roadmap.test_loader import seed_data

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "/roles/backend-engineer/"
NEW_SUMMARY = "Pick one backend language and learn it well before the next."
MESSAGE = "The list of languages leaves out Kotlin."
REPLY = "Thank you: the summary no longer lists languages."


def changed_content_file(tmp_path, slug: str) -> tuple:
    """The seed content file with the step's summary changed, and its sources."""
    data = seed_data()
    (role,) = data["roles"]
    step = next(
        step
        for stage in role["stages"]
        for step in stage["steps"]
        if step["slug"] == slug
    )
    old = step["summary"]
    step["summary"] = NEW_SUMMARY
    path = write_content(tmp_path / "backend-engineer.yaml", data)
    sources = sorted((path.parent / "sources").iterdir())
    return path, sources, old


def test_a_report_fixed_by_an_uploaded_change_reaches_the_learner(
    browser, live_server, seed_roadmap, tmp_path
):
    learner = UserFactory(username="lena")
    cura = UserFactory(username="cura", is_staff=True, is_superuser=True)
    secret = enable_two_factor(cura)

    # 1. The learner follows the role, marks the first step done, reports it.
    learner_context = watched_context(browser, viewport={"width": 1280, "height": 900})
    page = learner_context.new_page()
    sign_in(page, live_server, "lena")
    page.goto(live_server.url + ROLE)
    page.get_by_role("button", name="Follow this roadmap").click()
    page.wait_for_selector("text=Stop following")
    form = page.locator("ol.steps form.status-control").first
    form_id = "#" + form.get_attribute("id")
    page.locator(f"{form_id} button[value=done]").click()
    expect(page.locator(f"{form_id} button[value=done]")).to_have_attribute(
        "aria-pressed", "true"
    )
    step = LearningStep.objects.get(pk=int(form_id.rsplit("-", 1)[1]))
    assert ItemProgress.objects.filter(
        learner=learner, step=step, status="done"
    ).exists()

    page.locator(f"{form_id} a.status-control__more").click()
    page.wait_for_url(f"**/items/step/{step.slug}/")
    expect(page.locator("#item-title")).to_have_text(step.title)
    report = page.locator("#report")
    report.get_by_label("It is outdated").check()
    report.get_by_label("Tell the curators more (optional)").fill(MESSAGE)
    report.get_by_role("button", name="Send the report").click()
    expect(report.locator("[role=status]")).to_contain_text(
        "your report is with the curators"
    )
    listed = page.locator("#report .report-list li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("It is outdated")
    expect(listed.locator(".badge")).to_have_text("Open")
    expect(listed).to_contain_text(MESSAGE)
    item_report = ItemReport.objects.get(learner=learner, step=step)
    assert item_report.state == ItemReport.State.OPEN

    # 2. The curator uploads the changed content file and confirms it.
    path, sources, old_summary = changed_content_file(tmp_path, step.slug)
    curator_context = watched_context(browser, viewport={"width": 1280, "height": 900})
    curator = curator_context.new_page()
    sign_in_to_the_admin(curator, live_server, "cura", secret)
    curator.get_by_role("link", name="Add", description="Content uploads").click()
    curator.wait_for_url("**/admin/progress/contentupload/add/")
    curator.set_input_files("#id_content_file", str(path))
    curator.set_input_files("#id_sources", [str(source) for source in sources])
    curator.fill("#id_note", "Shorter summary for the first step.")
    curator.get_by_role("button", name="Preview the changes").click()
    changes = curator.locator("#upload-changes li")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text(step.title)
    expect(changes).to_contain_text("[1 learner]")
    before = Revision.objects.count()
    curator.get_by_role("button", name="Confirm and load").click()
    curator.wait_for_url(re.compile(r".*/admin/roadmap/revision/\d+/change/$"))
    expect(curator.locator(".messagelist")).to_contain_text("Loaded as revision")
    revision_id = int(curator.url.rstrip("/").split("/")[-2])
    assert Revision.objects.count() == before + 1
    revision = Revision.objects.get(pk=revision_id)
    assert revision.curator == cura
    step.refresh_from_db()
    assert step.summary == NEW_SUMMARY

    # 3. The curator marks the report fixed, replies and links the revision.
    curator.goto(live_server.url + "/admin/progress/itemreport/")
    curator.get_by_role("link", name=step.title).click()
    curator.wait_for_url(f"**/admin/progress/itemreport/{item_report.pk}/change/")
    curator.select_option("#id_state", "fixed")
    curator.fill("#id_reply", REPLY)
    curator.fill("#id_fixed_by", str(revision_id))
    curator.locator("input[name=_save]").click()
    expect(curator.locator(".messagelist")).to_contain_text("was changed successfully")
    item_report.refresh_from_db()
    assert item_report.state == ItemReport.State.FIXED
    assert item_report.fixed_by_id == revision_id
    assert item_report.reply == REPLY

    # 4. The learner sees the report fixed and what changed, and reviews it.
    page.goto(live_server.url + "/dashboard/")
    expect(page.locator("#changed-title")).to_contain_text(
        "Changed since you marked them"
    )
    page.locator("section.changed-since").get_by_role("link", name=step.title).click()
    page.wait_for_url(f"**/items/step/{step.slug}/#changed-since")
    expect(page.locator("p.lead")).to_have_text(NEW_SUMMARY)
    listed = page.locator("#report .report-list li")
    expect(listed.locator(".badge")).to_have_text("Fixed")
    expect(listed).to_contain_text(REPLY)
    expect(listed).to_contain_text("Fixed in a content change of")
    changed = page.locator("#changed-since")
    expect(changed).to_be_visible()
    expect(changed).to_contain_text("You marked it done")
    row = changed.locator("li", has_text="summary:")
    expect(row.locator("del")).to_contain_text(old_summary[:60])
    expect(row.locator("ins")).to_have_text(NEW_SUMMARY)

    page.evaluate("window.__sameDocument = true")
    changed.get_by_role("button", name="Mark as reviewed").click()
    expect(page.locator("#changed-since")).to_have_count(0)
    expect(page.get_by_text(f"Marked as reviewed: {step.title}").first).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    status = page.locator(f"#status-step-{step.pk}")
    expect(status.locator("button[value=done]")).to_have_attribute(
        "aria-pressed", "true"
    )
    progress = ItemProgress.objects.get(learner=learner, step=step)
    assert progress.status == "done"
    assert progress.change_seen_at is not None

    page.reload()
    expect(page.locator("#changed-since")).to_have_count(0)
    page.goto(live_server.url + "/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#changed-title")).to_have_count(0)
    expect(page.get_by_text("Changed since you marked them")).to_have_count(0)
    assert page.evaluate("window.__cspViolations") == []
    assert curator.evaluate("window.__cspViolations") == []
    curator_context.close()
    learner_context.close()
