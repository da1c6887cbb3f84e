"""The mentoring journey in Chromium: invite, accept, see, comment, end."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from progress.models import ItemProgress, RoleFollow
from roadmap.models import LearningStep, Role
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_invite_accept_see_comment_end(browser, live_server, seed_roadmap):
    learner = UserFactory(username="lena", display_name="Lena Learner")
    UserFactory(username="mo", email="mo@example.com", display_name="Mo Mentor")
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    step = LearningStep.objects.order_by("stage__position", "position").first()
    ItemProgress.objects.set_status(learner, step, "done")

    learner_context = watched_context(browser)
    learner_page = learner_context.new_page()
    sign_in(learner_page, live_server, "lena")
    learner_page.goto(live_server.url + "/mentoring/")
    learner_page.locator("#invite_email").fill("mo@example.com")
    learner_page.get_by_role("button", name="Send the invitation").click()
    learner_page.wait_for_load_state("load")
    assert len(mail.outbox) == 1
    link = re.search(
        r"https?://\S+/account/mentors/invitations/\S+/", mail.outbox[0].body
    )
    assert link, mail.outbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]

    mentor_context = watched_context(browser)
    mentor_page = mentor_context.new_page()
    sign_in(mentor_page, live_server, "mo")
    mentor_page.goto(live_server.url + path)
    mentor_page.get_by_role("button", name=re.compile("^Accept")).click()
    mentor_page.goto(live_server.url + "/mentoring/")
    mentor_page.get_by_role("link", name="Lena Learner").first.click()
    expect(mentor_page.get_by_role("heading", level=1)).to_have_text("Lena Learner")
    expect(mentor_page.locator("body")).to_contain_text("Steps: 1 of 40 done")

    mentor_page.goto(live_server.url + f"/mentoring/lena/items/step/{step.slug}/")
    mentor_page.get_by_label("Your comment").fill("Great start. Next, read the docs.")
    mentor_page.get_by_role("button", name="Post comment").click()
    expect(mentor_page.locator("#comments")).to_contain_text("Great start.")

    mentor_page.goto(live_server.url + "/mentoring/lena/items/skill/databases-and-sql/")
    mentor_page.get_by_label("Level you endorse").select_option("4")
    mentor_page.get_by_role("button", name="Endorse").click()
    expect(mentor_page.locator("body")).to_contain_text("You endorsed Lena Learner")

    learner_page.goto(live_server.url + "/skills/databases-and-sql/")
    expect(learner_page.locator("#skill-progress")).to_contain_text(
        "Proficient by Mo Mentor"
    )
    learner_page.goto(live_server.url + "/dashboard/")
    expect(learner_page.locator("body")).to_contain_text("1 unread")
    expect(learner_page.locator("body")).to_contain_text(
        "Great start. Next, read the docs."
    )

    learner_page.goto(live_server.url + "/mentoring/")
    learner_page.get_by_role("button", name=re.compile("^End mentorship")).click()
    learner_page.wait_for_load_state("load")

    response = mentor_page.goto(live_server.url + "/mentoring/lena/")
    assert response.status == 404
    for page in (learner_page, mentor_page):
        assert page.evaluate("window.__cspViolations") == []
    learner_context.close()
    mentor_context.close()
