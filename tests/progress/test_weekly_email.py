"""The weekly plan email: turned on in the settings form, queued once per learner
per week on their Monday morning by the schedule, sent by the worker with the
week's plan and due reviews, and stopped with one click."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from outbox import schedule
from outbox.models import Message
from progress import reminders
from progress.models import ItemProgress, RoleFollow, WeeklyEmail
from tests.factories import UserFactory
from tests.queue import delivered, run_tasks

UTC = datetime.UTC
# Monday 7 December 2026: 08:00 in Paris is 07:00 UTC.
MONDAY_EARLY = datetime.datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
MONDAY_EIGHT_PARIS = datetime.datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


@pytest.fixture
def subscriber(db, small_role, clock):
    """A learner in Paris following the small role with a goal, email on."""
    clock.current = datetime.datetime(2026, 12, 2, 10, tzinfo=UTC)
    learner = UserFactory(
        username="weekly", email="weekly@example.com", timezone="Europe/Paris"
    )
    client = Client()
    client.force_login(learner)
    client.post(reverse("progress_follow", args=["small"]))
    client.post(
        reverse("progress_goal", args=["small"]),
        {"target_date": "2026-12-31", "hours_per_week": "7", "reviews": "on"},
    )
    settings_form(client, learner, weekly_email="on")
    learner.refresh_from_db()
    assert learner.weekly_email
    return learner


def settings_form(client, learner, htmx=False, **fields):
    data = {"display_name": learner.display_name, "timezone": learner.timezone}
    data.update(fields)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("account_settings"), data, headers=headers)


def weekly_messages():
    return list(Message.objects.filter(kind=reminders.KIND).order_by("id"))


@pytest.mark.django_db
class TestTurningItOn:
    def test_it_is_off_by_default_and_the_settings_page_offers_it(self, client):
        learner = UserFactory()
        assert learner.weekly_email is False
        client.force_login(learner)
        body = client.get(reverse("account_settings")).content.decode()
        assert 'name="weekly_email"' in body and "Weekly plan email" in body

    @pytest.mark.parametrize("htmx", [False, True])
    def test_the_settings_form_turns_it_on_and_off(self, client, htmx):
        learner = UserFactory()
        client.force_login(learner)
        response = settings_form(client, learner, htmx, weekly_email="on")
        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.weekly_email
        settings_form(client, learner, htmx)  # an unticked box is not posted
        learner.refresh_from_db()
        assert not learner.weekly_email

    def test_a_refused_form_changes_nothing(self, client):
        learner = UserFactory()
        client.force_login(learner)
        response = settings_form(
            client, learner, timezone="Mars/Olympus", weekly_email="on"
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        learner.refresh_from_db()
        assert not learner.weekly_email


@pytest.mark.django_db
class TestOncePerWeek:
    def test_it_goes_on_monday_from_eight_in_the_learners_zone(self, subscriber):
        assert reminders.send_weekly_emails(MONDAY_EARLY) == "0 weekly email(s) queued"
        assert reminders.send_weekly_emails(MONDAY_EIGHT_PARIS) == (
            "1 weekly email(s) queued"
        )
        # Again that hour, later that day, on Thursday: nothing more.
        for later in (0, 5, 3 * 24):
            now = MONDAY_EIGHT_PARIS + datetime.timedelta(hours=later)
            assert reminders.send_weekly_emails(now) == "0 weekly email(s) queued"
        assert WeeklyEmail.objects.get().week == datetime.date(2026, 12, 7)
        # The next Monday's is the next week's.
        next_week = MONDAY_EIGHT_PARIS + datetime.timedelta(days=7)
        assert reminders.send_weekly_emails(next_week) == "1 weekly email(s) queued"
        assert len(weekly_messages()) == 2

    def test_the_week_follows_the_zone_across_a_clock_change(self, db):
        # New York leaves daylight saving on Sunday 1 November 2026: Monday 08:00
        # there is 13:00 UTC, no longer 12:00.
        learner = UserFactory(timezone="America/New_York")
        monday = datetime.datetime(2026, 11, 2, 12, 30, tzinfo=UTC)
        assert reminders.week_due(learner, monday) is None
        assert reminders.week_due(learner, monday.replace(hour=13)) == datetime.date(
            2026, 11, 2
        )
        # Late on Sunday there it is already Monday in UTC: still last week.
        sunday_night = datetime.datetime(2026, 11, 9, 3, tzinfo=UTC)
        assert reminders.week_due(learner, sunday_night) == datetime.date(2026, 11, 2)

    def test_the_schedule_runs_it_every_hour(self, subscriber):
        first = {name for name, _p, _o in schedule.run_due(MONDAY_EARLY)}
        assert "weekly-emails" in first
        again = {name for name, _p, _o in schedule.run_due(MONDAY_EARLY)}
        assert "weekly-emails" not in again  # the same hour
        outcomes = dict(
            (name, outcome)
            for name, _p, outcome in schedule.run_due(MONDAY_EIGHT_PARIS)
        )
        assert outcomes["weekly-emails"] == "1 weekly email(s) queued"

    def test_nobody_who_did_not_ask_or_follows_nothing_or_has_no_address(
        self, subscriber, small_role
    ):
        UserFactory(username="quiet")  # never asked
        UserFactory(username="nothing", email="n@example.com", weekly_email=True)
        no_address = UserFactory(username="noaddress", email="", weekly_email=True)
        RoleFollow.objects.create(learner=no_address, role=small_role)
        reminders.send_weekly_emails(MONDAY_EIGHT_PARIS)
        assert [m.to for m in weekly_messages()] == [["weekly@example.com"]]


@pytest.mark.django_db
class TestTheEmail:
    def test_it_holds_the_weeks_plan_and_the_reviews_due(
        self, subscriber, steps, clock
    ):
        ItemProgress.objects.set_status(subscriber, steps[0], "done")
        clock.current = MONDAY_EIGHT_PARIS
        reminders.send_weekly_emails(clock.current)
        (email,) = [m for m in delivered() if m.to == ["weekly@example.com"]]
        assert email.subject == "[Waymark] Your plan for the week of 7 December"
        body = email.body
        assert "== Small role: 22% done ==" in body
        # The dashboard's figures for the same day (Monday 7 December, Paris).
        client = Client()
        client.force_login(subscriber)
        dashboard = client.get(reverse("dashboard")).content.decode()
        # 14 h left at 7 h a week from Monday, less the 2 minutes of the one
        # review of the week: just under 1 h a day, so 21 December, 10 days early.
        assert "Ahead:" in body and "Ahead:" in dashboard
        assert "you finish on 21 December 2026, 10 days before your target" in body
        assert "21 December 2026</time>, 10 days before your target" in dashboard
        reviews_line = (
            "1 review in the next 7 days, about 2 min (2 min each, a default)"
        )
        assert f"Reviews come first: {reviews_line}." in body
        assert reviews_line in dashboard
        assert "- Step two (about 4 h): http://" in body
        assert reverse("progress_item", args=["step", "s2"]) in body
        assert "1 item to review" in body and "- Step one: " in body
        link = body.split("Stop it with one click: ")[1].split()[0]
        assert link.startswith(reminders.unsubscribe_url(subscriber).rsplit(":", 2)[0])
        token = link.rstrip("/").rsplit("/", 1)[-1]
        assert reminders.learner_of_token(token) == (subscriber, False)
        assert email.extra_headers["List-Unsubscribe"] == f"<{link}>"
        assert email.extra_headers["List-Unsubscribe-Post"] == (
            "List-Unsubscribe=One-Click"
        )

    def test_turned_off_before_the_worker_sends_it_is_not_sent(self, subscriber):
        reminders.send_weekly_emails(MONDAY_EIGHT_PARIS)
        reminders.unsubscribe(subscriber)
        run_tasks()
        assert weekly_messages()[0].status == Message.Status.CANCELLED

    def test_the_data_file_keeps_the_choice(self, subscriber):
        client = Client()
        client.force_login(subscriber)
        exported = client.get(reverse("progress_export_json")).json()
        assert exported["account"]["weekly_email"] is True


@pytest.mark.django_db
class TestUnsubscribing:
    def url(self, learner):
        return reverse(
            "weekly_email_unsubscribe", args=[reminders.unsubscribe_token(learner)]
        )

    def test_opening_the_link_asks_and_changes_nothing(self, subscriber):
        url = self.url(subscriber)  # dated to the second: built once
        response = Client().get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Stop the weekly email</button>" in body
        assert f'action="{url}"' in body
        subscriber.refresh_from_db()
        assert subscriber.weekly_email

    @pytest.mark.parametrize("htmx", [False, True])
    def test_the_button_turns_it_off_without_signing_in(self, subscriber, htmx):
        client = Client(enforce_csrf_checks=True)
        page = client.get(self.url(subscriber)).content.decode()
        token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(
            self.url(subscriber), {"csrfmiddlewaretoken": token}, headers=headers
        )
        assert response.status_code == 200
        assert "will not send you the weekly plan email" in response.content.decode()
        subscriber.refresh_from_db()
        assert not subscriber.weekly_email
        assert reminders.send_weekly_emails(MONDAY_EIGHT_PARIS) == (
            "0 weekly email(s) queued"
        )
        again = client.get(self.url(subscriber)).content.decode()
        assert "already off" in again

    def test_a_mail_apps_one_click_post_needs_no_cookie(self, subscriber):
        response = Client(enforce_csrf_checks=True).post(
            self.url(subscriber),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert not subscriber.weekly_email

    @pytest.mark.parametrize(
        "token",
        ["nonsense", "1:forged", "1", ":", "%00", "x" * 300],
    )
    def test_a_forged_link_is_refused_and_changes_nothing(self, subscriber, token):
        url = reverse("weekly_email_unsubscribe", args=[token])
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            assert response.status_code == 404
        subscriber.refresh_from_db()
        assert subscriber.weekly_email

    def test_a_link_signed_for_something_else_is_refused(self, subscriber):
        from django.core import signing

        other_salt = signing.Signer(salt="another.purpose").sign(str(subscriber.pk))
        url = reverse("weekly_email_unsubscribe", args=[other_salt])
        assert Client().post(url).status_code == 404
        subscriber.refresh_from_db()
        assert subscriber.weekly_email

    def test_one_learners_link_changes_only_their_own(self, subscriber):
        other = UserFactory(weekly_email=True)
        Client().post(self.url(other))
        subscriber.refresh_from_db()
        other.refresh_from_db()
        assert subscriber.weekly_email and not other.weekly_email


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_learner_one_email(small_role):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent runs are proven on PostgreSQL (CI)")
    for number in range(10):
        learner = UserFactory(
            username=f"w{number}", email=f"w{number}@example.com", weekly_email=True
        )
        RoleFollow.objects.create(learner=learner, role=small_role)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            reminders.send_weekly_emails(MONDAY_EIGHT_PARIS.replace(hour=9))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert WeeklyEmail.objects.count() == 10
    assert sorted(m.to[0] for m in weekly_messages()) == sorted(
        f"w{number}@example.com" for number in range(10)
    )
