"""Every page type, in light and dark, at 360 and 1280 px: axe-core's WCAG 2.2 A/AA
rules, the Content Security Policy and the console, for visitors, learners and
mentors. Set WAYMARK_SCREENSHOTS=docs/screenshots (`make screenshots`) to save
screenshots of the key pages as well."""

import datetime
import json
import os
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from api import tokens
from mentoring.models import Comment, Endorsement, Mentorship
from progress.models import (
    Evidence,
    ItemProgress,
    ItemReport,
    RoleFollow,
    SelfAssessment,
)
from roadmap import revisions
from roadmap.models import LearningStep, Role, Skill
from tests.browser.conftest import axe_violations, watched_context
from tests.browser.test_progress import sign_in
from tests.factories import StepFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

STEP = "choose-a-backend-language"
SKILL = "databases-and-sql"
VISITOR_PAGES = {
    "home": "/",
    "role": "/roles/backend-engineer/",
    "role-everything": "/roles/backend-engineer/?view=all",
    "role-changes": "/roles/backend-engineer/changes/",
    "skill": f"/skills/{SKILL}/",
    "search": "/search/?q=database",
    "sources": "/sources/",
    "api-docs": "/api/v1/docs",
    "source": "/sources/essay-backend-fundamentals/",
    "profile": "/u/ada/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "password-reset": "/accounts/password/reset/",
    "not-found": "/no-such-page/",
    "server-error": "/__server-error__/",
}
LEARNER_PAGES = {
    "dashboard": "/dashboard/",
    "role-signed-in": "/roles/backend-engineer/",
    "role-signed-in-everything": "/roles/backend-engineer/?view=all",
    "role-map": "/roles/backend-engineer/#map",
    "role-path": "/roles/backend-engineer/#path",
    "role-titles": "/roles/backend-engineer/?view=titles#path",
    "role-left": "/roles/backend-engineer/?view=left#path",
    "compare": "/roles/backend-engineer/compare/",
    "skill-signed-in": f"/skills/{SKILL}/",
    "item": f"/items/step/{STEP}/",
    "reset": "/roles/backend-engineer/reset/",
    "goal": "/roles/backend-engineer/goal/",
    "calendar": "/calendar/",
    "reviews": "/reviews/",
    "mentoring-learner": "/mentoring/",
    "account": "/account/",
    "account-delete": "/account/delete/",
    "api-tokens": "/account/tokens/",
    "emails": "/accounts/email/",
    "password-change": "/accounts/password/change/",
    "two-factor": "/accounts/2fa/",
    "sessions": "/accounts/sessions/",
    "forbidden": "/admin/",
}
MENTOR_PAGES = {
    "mentoring": "/mentoring/",
    "mentoring-matrix": "/mentoring/?skill=databases-and-sql#matrix-title",
    "mentee": "/mentoring/mentees/ada/",
    "mentee-role": "/mentoring/mentees/ada/roles/backend-engineer/",
    "mentee-item": f"/mentoring/mentees/ada/items/step/{STEP}/",
    "mentee-skill": f"/mentoring/mentees/ada/items/skill/{SKILL}/",
}
SCREENSHOTS = {
    "home",
    "role",
    "dashboard",
    "item",
    "mentoring",
    "mentee",
    "account",
    "role-map",
    "role-path",
    "mentoring-matrix",
}
# Status codes a page answers with on purpose; the browser logs them as errors.
EXPECTED_ERRORS = {"not-found": "404", "forbidden": "403", "server-error": "500"}


@pytest.fixture
def world(seed_roadmap):
    ada = UserFactory(username="ada", display_name="Ada", public_profile=True)
    mentor = UserFactory(username="max", display_name="Max")
    role = Role.objects.get()
    RoleFollow.objects.create(
        learner=ada,
        role=role,
        target_date=datetime.date.today() + datetime.timedelta(days=60),
        hours_per_week=6,
    )
    for step in LearningStep.objects.order_by("stage__position", "position")[:6]:
        ItemProgress.objects.set_status(ada, step, "done")
    # Marked done two days ago: due for review today, so the reviews page shows a
    # session card (a question, its answer in a <details>, the rating buttons).
    ItemProgress.objects.filter(learner=ada).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=2)
    )
    step = LearningStep.objects.get(slug=STEP)
    row = ItemProgress.objects.get(learner=ada, step=step)
    row.note, row.note_shared = "Chose Python.", True
    row.save()
    Evidence.objects.create(progress=row, url="https://example.com/api", title="My API")
    skill = Skill.objects.get(slug=SKILL)
    SelfAssessment.objects.create(learner=ada, skill=skill, level=2)
    Mentorship.objects.create(
        learner=ada, mentor=mentor, status="active", initiated_by="learner"
    )
    Endorsement.objects.create(learner=ada, mentor=mentor, skill=skill, level=3)
    Comment.objects.create(learner=ada, author=mentor, step=step, body="Nice start.")
    # A curator's change after Ada marked the step ("changed since you marked
    # it" on her pages and her mentor's), a step added since her visit began,
    # and her report on the step with the curators' reply.
    with revisions.recorded(origin="admin", note="Clearer wording."):
        LearningStep.objects.filter(pk=step.pk).update(
            summary="Pick one language and learn it well before the next."
        )
        StepFactory(
            stage=step.stage, slug="crawl-new-step", title="A step added", position=99
        )
    ItemReport.objects.create(
        learner=ada,
        step=step,
        kind="outdated",
        message="The guide it quotes has a newer edition.",
        state="accepted",
        reply="Thank you: the next content update quotes the new edition.",
    )
    # A token of Ada's, so the tokens page lists one (its state and revoke button).
    tokens.create(ada, "My notes app", "write")
    return {"ada": ada, "max": mentor}


def crawl(context, live_server, pages, shots, width, scheme, signed_in=None):
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    html_500 = render_to_string("500.html")
    page.route(
        "**/__server-error__/",
        lambda route: route.fulfill(
            status=500, body=html_500, content_type="text/html"
        ),
    )
    if signed_in:
        sign_in(page, live_server, signed_in)
    found = {}
    for name, path in pages.items():
        errors.clear()
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        problems = {
            "axe": axe_violations(page, shots["axe"]),
            "csp": page.evaluate("window.__cspViolations"),
            "console": [
                e for e in errors if EXPECTED_ERRORS.get(name, "none") not in e
            ],
        }
        if any(problems.values()):
            found[name] = problems
        if shots["dir"] and name in SCREENSHOTS:
            page.screenshot(path=str(shots["dir"] / f"{name}-{width}-{scheme}.png"))
    page.close()
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_every_page_type_passes_axe_csp_and_console(
    browser, live_server, world, axe_source, width, scheme
):
    directory = os.environ.get("WAYMARK_SCREENSHOTS")
    shots = {"axe": axe_source, "dir": Path(directory) if directory else None}
    found = {}
    for pages, persona in [
        (VISITOR_PAGES, None),
        (LEARNER_PAGES, "ada"),
        (MENTOR_PAGES, "max"),
    ]:
        context = watched_context(
            browser, viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        found |= crawl(context, live_server, pages, shots, width, scheme, persona)
        context.close()
    assert found == {}, json.dumps(found, indent=1)[:8000]


def test_the_crawl_covers_every_page_type():
    """44 page types x 2 schemes x 2 widths = 176 page checks."""
    total = len(VISITOR_PAGES) + len(LEARNER_PAGES) + len(MENTOR_PAGES)
    assert total == 44


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_reviews_page_passes_axe_csp_and_console(
    browser, live_server, world, axe_source, width, scheme
):
    """The reviews page alone (it is in the crawl too), with reviews due: the
    session card with its question, its answer open and its rating buttons."""
    context = watched_context(
        browser, viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    shots = {"axe": axe_source, "dir": None}
    pages = {"reviews": LEARNER_PAGES["reviews"]}
    found = crawl(context, live_server, pages, shots, width, scheme, "ada")
    page = context.new_page()  # signed in by the crawl
    page.goto(live_server.url + LEARNER_PAGES["reviews"])
    assert page.locator("#review-question").inner_text().strip()
    assert page.locator("#review-session button[name=rating]").count() == 4
    page.get_by_text("Show the answer").click()
    if axe := axe_violations(page, axe_source):
        found["reviews-answer-open"] = {"axe": axe}
    context.close()
    assert found == {}, json.dumps(found, indent=1)[:8000]


def test_the_reviews_page_is_valid_html(client, world, tmp_path):
    """The reviews page with reviews due, through the Nu Html Checker (the whole
    crawl's check is test_html_validity.py's)."""
    import shutil

    from tests.browser.test_html_validity import VNU, check_html

    java = shutil.which("java")
    if not (java and VNU.exists()):
        message = "Java or vnu-jar is not installed"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: the HTML checks must run in CI")
        pytest.skip(message)
    client.force_login(world["ada"])
    response = client.get(LEARNER_PAGES["reviews"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="review-question"' in html and "<details" in html
    errors = check_html([java, "-jar", str(VNU)], tmp_path, {"reviews": html})
    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_the_crawled_pages_show_content_changes_and_reports(client, world):
    """The crawl checks the pages as they look with a content change and a
    report: the role page's "new" and "changed" notes, the item page's flag and
    report, the role's "what changed" page and the mentor's flag."""
    client.force_login(world["ada"])
    role = client.get(LEARNER_PAGES["role-signed-in"]).content.decode()
    assert "New since your last visit" in role and "Changed since you marked" in role
    item = client.get(LEARNER_PAGES["item"]).content.decode()
    assert "Changed since you marked it" in item
    assert "newer edition" in item and "the next content update" in item
    changes = client.get(VISITOR_PAGES["role-changes"]).content.decode()
    assert "A step added" in changes and "Clearer wording." in changes
    client.force_login(world["max"])
    mentee_item = client.get(MENTOR_PAGES["mentee-item"]).content.decode()
    assert "Changed since" in mentee_item
