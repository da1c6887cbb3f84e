"""Learners report a problem with an item from its page; curators triage the
reports in the admin; a fixed report tells its learner once, by the worker."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from progress import reports
from progress.models import ItemReport
from roadmap.models import Revision
from tests.factories import UserFactory
from tests.queue import delivered, run_tasks

HTMX = {"HX-Request": "true"}
STEP = reverse("progress_item", args=["step", "s1"])
REPORT = reverse("progress_report", args=["step", "s1"])
CHANGELIST = reverse("admin:progress_itemreport_changelist")


def change_url(report) -> str:
    return reverse("admin:progress_itemreport_change", args=[report.pk])


def send(client, headers=None, **data):
    data = {"kind": "outdated", "message": "The link to the docs moved.", **data}
    return client.post(REPORT, data, headers=headers or {})


@pytest.fixture
def signed_in(client, learner, small_role):
    client.force_login(learner)
    return client


@pytest.fixture
def curator_client(client, group_curator):
    client.force_login(group_curator)
    return client


def a_report(learner, small_role, **fields) -> ItemReport:
    return reports.report(
        learner, small_role.test_steps[0], fields.get("kind", "wrong"), "It is wrong."
    )


# --- The learner's side ------------------------------------------------------------


@pytest.mark.django_db
def test_the_item_page_offers_the_report_form(signed_in):
    body = signed_in.get(STEP).content.decode()
    assert 'id="report"' in body
    assert f'action="{REPORT}"' in body
    for kind in ItemReport.Kind.values:
        assert f'name="kind" value="{kind}"' in body
    assert 'name="message"' in body


@pytest.mark.django_db
def test_a_report_is_stored_and_the_learner_is_sent_back_to_the_item(
    signed_in, learner
):
    response = send(signed_in)

    assert response.status_code == 302
    assert response["Location"] == STEP
    report = ItemReport.objects.get()
    assert (report.learner, report.step.slug, report.kind) == (
        learner,
        "s1",
        "outdated",
    )
    assert report.message == "The link to the docs moved."
    assert report.state == ItemReport.State.OPEN
    page = signed_in.get(STEP).content.decode()
    assert "Thank you: your report is with the curators." in page
    assert "It is outdated" in page and "The link to the docs moved." in page


@pytest.mark.django_db
def test_with_htmx_the_section_comes_back_with_the_report(signed_in):
    response = send(signed_in, HTMX, kind="broken_link", message="")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="report"')
    assert "A link is broken" in body and "Open" in body
    assert 'role="status"' in body
    assert "waymark:announce" in response["HX-Trigger"]
    assert ItemReport.objects.get().message == ""


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX])
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": ""}, "Choose what kind of problem it is."),
        ({"kind": "rude"}, "Choose one of the kinds of problem listed."),
        ({"message": "x" * 2001}, "at most 2000 characters"),
        ({"message": "nul\x00byte"}, "holds a NUL character"),
    ],
)
def test_bad_input_is_refused_with_its_error_and_nothing_stored(
    signed_in, headers, data, error
):
    response = send(signed_in, headers, **data)

    assert response.status_code == 400
    assert error in response.content.decode()
    if "NUL" in error:  # refused before any view, for every form
        return
    assert ("<html" in response.content.decode()) == (not headers)
    if headers:
        assert response["HX-Reswap"] == "outerHTML"
    assert not ItemReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["step", "concept"])
def test_a_concept_or_a_step_can_be_reported(signed_in, kind):
    slug = "s1" if kind == "step" else "c1"
    url = reverse("progress_report", args=[kind, slug])
    assert signed_in.post(url, {"kind": "unclear"}).status_code == 302
    report = ItemReport.objects.get()
    assert report.item_kind == kind and report.item.slug == slug


@pytest.mark.django_db
def test_ten_reports_a_day_then_429_until_the_first_leaves_the_window(
    signed_in, learner, clock
):
    first = clock.now()
    for _ in range(reports.DAILY_LIMIT):
        assert send(signed_in).status_code == 302
        clock.advance(minutes=1)
    clock.advance(hours=5)
    allowed_again = first + reports.WINDOW
    for headers in ({}, HTMX):
        response = send(signed_in, headers, message="one too many")
        assert response.status_code == 429
        body = response.content.decode()
        assert "You have sent 10 reports in the last 24 hours" in body
        assert "Nothing was sent." in body
        assert f"from {allowed_again:%H:%M} on {allowed_again.day}" in body
        assert ("<html" in body) == (not headers)
    assert ItemReport.objects.count() == 10
    assert "one too many" not in signed_in.get(STEP).content.decode()

    clock.current = allowed_again + datetime.timedelta(seconds=1)
    assert send(signed_in).status_code == 302
    assert send(signed_in).status_code == 429
    assert ItemReport.objects.count() == 11


@pytest.mark.django_db
def test_the_limit_is_per_learner(signed_in, other_learner, small_role, monkeypatch):
    monkeypatch.setattr(reports, "DAILY_LIMIT", 1)
    assert send(signed_in).status_code == 302
    assert send(signed_in).status_code == 429
    signed_in.force_login(other_learner)
    assert send(signed_in).status_code == 302


# --- Privacy -----------------------------------------------------------------------


@pytest.mark.django_db
def test_another_learner_and_a_mentor_never_see_a_report(
    client, learner, other_learner, small_role
):
    from mentoring.models import Mentorship

    client.force_login(learner)
    send(client, message="PRIVATE-REPORT-1234")
    mentor = UserFactory(username="mentor")
    Mentorship.objects.create(
        learner=learner, mentor=mentor, status="active", initiated_by="learner"
    )

    client.force_login(other_learner)
    page = client.get(STEP)
    assert page.status_code == 200
    assert "PRIVATE-REPORT-1234" not in page.content.decode()
    assert 'class="report-list"' not in page.content.decode()

    client.force_login(mentor)
    mentee_item = reverse("mentee_item", args=[learner.username, "step", "s1"])
    page = client.get(mentee_item)
    assert page.status_code == 200
    assert "PRIVATE-REPORT-1234" not in page.content.decode()
    assert 'class="report-list"' not in page.content.decode()


# --- The curators' side ------------------------------------------------------------


@pytest.mark.django_db
def test_the_curators_group_may_triage_but_not_add_or_delete(group_curator):
    assert group_curator.has_perms(
        ["progress.view_itemreport", "progress.change_itemreport"]
    )
    assert not group_curator.has_perm("progress.add_itemreport")
    assert not group_curator.has_perm("progress.delete_itemreport")
    curators = Group.objects.get(name="Curators")
    assert curators.permissions.filter(codename="change_itemreport").exists()


@pytest.mark.django_db
def test_curators_list_filter_and_search_reports(curator_client, learner, small_role):
    a_report(learner, small_role)
    page = curator_client.get(CHANGELIST)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Step one" in body and "Something is wrong" in body
    assert curator_client.get(CHANGELIST, {"state": "open"}).status_code == 200
    found = curator_client.get(CHANGELIST, {"q": "Step one"}).content.decode()
    assert "1 item report" in found or "1 result" in found
    # the learner's email is private: a search does not reach it
    missed = curator_client.get(CHANGELIST, {"q": learner.email}).content.decode()
    assert "0 results" in missed


@pytest.mark.django_db
def test_the_change_form_shows_the_message_read_only(
    curator_client, learner, small_role
):
    report = a_report(learner, small_role)
    body = curator_client.get(change_url(report)).content.decode()
    assert "It is wrong." in body
    assert 'name="message"' not in body
    for name in ("state", "reply", "fixed_by"):
        assert f'name="{name}"' in body


def fix_in_admin(
    client, report, revision=None, reply="Thank you, fixed.", state="fixed"
):
    data = {
        "state": state,
        "reply": reply,
        "fixed_by": revision.pk if revision else "",
        "_save": "Save",
    }
    return client.post(change_url(report), data)


@pytest.mark.django_db
def test_fixing_a_report_in_the_admin_tells_the_learner_once(
    curator_client, learner, small_role
):
    report = a_report(learner, small_role)
    revision = Revision.objects.create(origin=Revision.Origin.ADMIN, note="Fixed")

    response = fix_in_admin(curator_client, report, revision)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == "fixed" and report.fixed_by == revision
    assert report.reply == "Thank you, fixed."
    assert report.notified_at is not None
    assert mail.outbox == []  # queued, not sent in the request
    sent = delivered()
    assert len(sent) == 1
    assert sent[0].to == [learner.email]
    assert "Step one" in sent[0].subject
    assert "Thank you, fixed." in sent[0].body
    assert "/items/step/s1/" in sent[0].body

    # Saved again, or fixed → accepted → fixed: never a second email.
    again = fix_in_admin(curator_client, report, revision, reply="Still fixed.")
    assert again.status_code == 302
    fix_in_admin(curator_client, report, revision, state="accepted")
    fix_in_admin(curator_client, report, revision, reply="Still fixed.")
    assert len(delivered()) == 1

    # The learner reads the state and the reply on the item's page.
    curator_client.force_login(learner)
    page = curator_client.get(STEP).content.decode()
    assert "Fixed" in page and "Still fixed." in page
    assert "Fixed in a content change of" in page


@pytest.mark.django_db
def test_accepting_or_declining_sends_nothing(curator_client, learner, small_role):
    report = a_report(learner, small_role)
    fix_in_admin(curator_client, report, state="accepted", reply="We will look")
    fix_in_admin(curator_client, report, state="declined", reply="It is right")
    report.refresh_from_db()
    assert (report.state, report.notified_at) == ("declined", None)
    assert delivered() == []


@pytest.mark.django_db
def test_the_bulk_actions_mark_reports_and_fixed_ones_tell_once(
    curator_client, learner, other_learner, small_role
):
    mine = a_report(learner, small_role)
    theirs = a_report(other_learner, small_role)
    ids = [mine.pk, theirs.pk]

    def act(action):
        data = {"action": action, "_selected_action": ids, "index": "0"}
        return curator_client.post(CHANGELIST, data)

    assert act("mark_accepted").status_code == 302
    assert set(ItemReport.objects.values_list("state", flat=True)) == {"accepted"}
    act("mark_fixed")
    act("mark_declined")
    act("mark_fixed")
    assert set(ItemReport.objects.values_list("state", flat=True)) == {"fixed"}
    sent = delivered()
    assert sorted(message.to[0] for message in sent) == sorted(
        [learner.email, other_learner.email]
    )


@pytest.mark.django_db
def test_a_report_no_longer_fixed_when_the_worker_runs_is_not_sent(
    curator_client, learner, small_role
):
    report = a_report(learner, small_role)
    fix_in_admin(curator_client, report)
    fix_in_admin(curator_client, report, state="accepted")
    run_tasks()
    assert mail.outbox == []


@pytest.mark.django_db
def test_mark_fixed_is_the_one_write(learner, small_role):
    report = a_report(learner, small_role)
    revision = Revision.objects.create(origin=Revision.Origin.LOADER)
    assert reports.mark_fixed(report, revision) is True
    assert reports.mark_fixed(report) is False
    report.refresh_from_db()
    assert report.fixed_by == revision
    assert len(delivered()) == 1


@pytest.mark.django_db
def test_the_curators_cannot_add_or_delete_reports(curator_client, learner, small_role):
    report = a_report(learner, small_role)
    add = reverse("admin:progress_itemreport_add")
    delete = reverse("admin:progress_itemreport_delete", args=[report.pk])
    assert curator_client.get(add).status_code == 403
    assert curator_client.post(delete, {"post": "yes"}).status_code == 403
    assert ItemReport.objects.filter(pk=report.pk).exists()
    body = curator_client.get(CHANGELIST).content.decode()
    assert not re.search(r'value="delete_selected"', body)
