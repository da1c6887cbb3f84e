"""The mentoring journey in Chromium: invite, accept, see, comment, end."""

import re

import pytest
from playwright.sync_api import expect

from progress.models import ItemProgress, RoleFollow
from roadmap.models import LearningStep, Role
from tests.browser.conftest import watched_context
from tests.browser.test_progress import sign_in
from tests.factories import UserFactory
from tests.queue import delivered

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
    assert len(delivered()) == 1
    link = re.search(r"https?://\S+/mentoring/invitations/\S+/", delivered()[0].body)
    assert link, delivered()[0].body
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

    # The learner shares a note from the item page; the mentor reads it.
    learner_page.goto(live_server.url + f"/items/step/{step.slug}/")
    learner_page.fill("#id_note", "Picked Go for its standard library.")
    learner_page.check("#id_shared")
    learner_page.get_by_role("button", name="Save note").click()
    expect(learner_page.locator("#note")).to_contain_text("Saved.")
    learner_page.reload()
    expect(learner_page.locator("#id_shared")).to_be_checked()

    mentor_page.goto(
        live_server.url + f"/mentoring/mentees/lena/items/step/{step.slug}/"
    )
    expect(mentor_page.locator("body")).to_contain_text(
        "Picked Go for its standard library."
    )
    mentor_page.get_by_label("Your comment").fill("Great start. Next, read the docs.")
    mentor_page.get_by_role("button", name="Post comment").click()
    expect(mentor_page.locator("#comments")).to_contain_text("Great start.")

    # Every skill of the mentee's role can be endorsed from their dashboard.
    mentor_page.goto(live_server.url + "/mentoring/mentees/lena/")
    expect(mentor_page.locator("#notes-title ~ *")).to_contain_text(
        "Picked Go for its standard library."
    )
    mentor_page.get_by_label("Level you endorse in Databases and SQL").select_option(
        "4"
    )
    mentor_page.get_by_role("button", name="Endorse Databases and SQL").click()
    expect(mentor_page.locator("body")).to_contain_text("You endorsed Lena Learner")
    assert mentor_page.url.startswith(live_server.url + "/mentoring/mentees/lena/")

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

    response = mentor_page.goto(live_server.url + "/mentoring/mentees/lena/")
    assert response.status == 404
    for page in (learner_page, mentor_page):
        assert page.evaluate("window.__cspViolations") == []
    learner_context.close()
    mentor_context.close()


def test_a_step_the_curator_unpublishes_is_404_for_the_mentor(
    browser, live_server, seed_roadmap
):
    from mentoring.models import Mentorship
    from tests.browser.test_curator import sign_in_to_the_admin
    from tests.factories import enable_two_factor

    learner = UserFactory(username="lena", display_name="Lena Learner")
    mentor = UserFactory(username="mo", display_name="Mo Mentor")
    Mentorship.objects.create(
        learner=learner, mentor=mentor, status="active", initiated_by="learner"
    )
    RoleFollow.objects.create(learner=learner, role=Role.objects.get())
    step = LearningStep.objects.order_by("stage__position", "position")[1]
    cura = UserFactory(username="cura", is_staff=True, is_superuser=True)
    secret = enable_two_factor(cura)

    mentor_context = watched_context(browser)
    mentor_page = mentor_context.new_page()
    sign_in(mentor_page, live_server, "mo")
    url = live_server.url + f"/mentoring/mentees/lena/items/step/{step.slug}/"
    assert mentor_page.goto(url).status == 200

    curator_context = watched_context(browser)
    curator = curator_context.new_page()
    sign_in_to_the_admin(curator, live_server, "cura", secret)
    curator.goto(live_server.url + f"/admin/roadmap/learningstep/{step.pk}/change/")
    curator.uncheck("#id_is_published")
    curator.locator("input[name=_save]").click()
    expect(curator.locator(".messagelist")).to_contain_text("was changed successfully")

    response = mentor_page.goto(url)
    assert response.status == 404
    expect(mentor_page.locator("body")).not_to_contain_text(step.title)
    role_page = mentor_page.goto(
        live_server.url + "/mentoring/mentees/lena/roles/backend-engineer/"
    )
    assert role_page.status == 200
    expect(mentor_page.locator("main")).not_to_contain_text(step.title)
    for page in (mentor_page, curator):
        assert page.evaluate("window.__cspViolations") == []
    mentor_context.close()
    curator_context.close()
