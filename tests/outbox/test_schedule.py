"""Periodic jobs run once per period however often, however late and from however
many machines the schedule is triggered; a job that fails runs again next time."""

import datetime
import threading
from io import StringIO

import pytest
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentoring.models import Mentorship
from outbox import schedule, sending
from outbox.models import Message, ScheduledRun
from tests.queue import run_tasks

NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def counting_job():
    """A weekly job that counts its runs, registered for the test only."""
    runs = []

    def run(now):
        runs.append(now)
        return f"run {len(runs)}"

    job = schedule.register(schedule.Job("count-runs", schedule.WEEK, run))
    yield runs
    schedule.JOBS.pop(job.name)


@pytest.mark.django_db
class TestOncePerPeriod:
    def test_triggered_twice_a_job_runs_once(self, counting_job):
        first = dict((name, outcome) for name, _p, outcome in schedule.run_due(NOON))
        again = schedule.run_due(NOON + datetime.timedelta(minutes=5))
        assert first["count-runs"] == "run 1"
        assert again == []  # every job has run for this period
        assert len(counting_job) == 1
        assert set(schedule.JOBS) <= set(
            ScheduledRun.objects.values_list("job", flat=True)
        )

    def test_a_late_trigger_runs_the_job_once_for_its_period(self, counting_job):
        schedule.run_due(NOON)
        # Cron was down for two days: the next trigger runs the weekly job only
        # if its week has changed; the daily and hourly jobs once for now.
        later = schedule.run_due(NOON + datetime.timedelta(days=2))
        assert {name for name, _p, _o in later} == {
            job.name
            for job in schedule.JOBS.values()
            if job.every in (schedule.DAY, schedule.HOUR)
        }
        next_week = schedule.run_due(NOON + datetime.timedelta(days=7))
        assert ("count-runs", "2026-W50", "run 2") in next_week
        assert len(counting_job) == 2

    def test_periods_are_utc_hours_days_and_iso_weeks(self):
        hour = schedule.Job("h", schedule.HOUR, lambda now: "")
        day = schedule.Job("d", schedule.DAY, lambda now: "")
        week = schedule.Job("w", schedule.WEEK, lambda now: "")
        late = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
        assert schedule.period_of(day, late) == "2026-12-31"
        assert schedule.period_of(hour, late) == "2026-12-31T23"
        paris = datetime.timezone(datetime.timedelta(hours=1))
        assert schedule.period_of(hour, late.astimezone(paris)) == "2026-12-31T23"
        assert schedule.period_of(week, late) == "2026-W53"
        assert schedule.period_of(week, late + datetime.timedelta(days=4)) == (
            "2027-W01"
        )

    def test_a_job_that_fails_gives_its_claim_back(self, caplog):
        calls = []

        def flaky(now):
            calls.append(now)
            if len(calls) == 1:
                raise RuntimeError("the database was restarting")
            return "done"

        schedule.register(schedule.Job("flaky", schedule.DAY, flaky))
        try:
            assert ("flaky", "2026-12-02", "failed") in schedule.run_due(NOON)
            assert "job flaky 2026-12-02 failed" in caplog.text
            assert ("flaky", "2026-12-02", "done") in schedule.run_due(NOON)
            assert schedule.run_due(NOON) == []
        finally:
            schedule.JOBS.pop("flaky")

    def test_the_command_runs_due_jobs_and_lists_them(self):
        out = StringIO()
        call_command("run_schedule", stdout=out)
        assert "prune-sent-emails" in out.getvalue()
        out = StringIO()
        call_command("run_schedule", stdout=out)
        assert out.getvalue() == ""  # nothing due any more today
        out = StringIO()
        call_command("run_schedule", "--list", stdout=out)
        listing = out.getvalue()
        for name in ("prune-finished-tasks", "prune-sent-emails", "expire-invitations"):
            assert name in listing


@pytest.mark.django_db(transaction=True)
def test_two_machines_triggering_at_once_run_each_job_once(counting_job):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent claims are proven on PostgreSQL (CI)")
    results = []
    barrier = threading.Barrier(2)

    def trigger():
        barrier.wait()
        try:
            results.append(schedule.run_due(NOON))
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ran = [name for result in results for name, _p, _o in result]
    assert sorted(ran) == sorted(schedule.JOBS)  # each job once, on one machine
    assert len(counting_job) == 1


@pytest.mark.django_db
class TestTheJobs:
    def test_expiring_invitations_marks_them_once(self, learner, clock):
        invitation = Mentorship.objects.create(
            learner=learner,
            initiated_by="learner",
            invited_email="m@example.com",
            token_hash="x" * 64,
        )
        clock.advance(days=15)
        now = timezone.now()
        assert "expired 1 " in schedule.JOBS["expire-invitations"].run(now)
        invitation.refresh_from_db()
        assert invitation.status == Mentorship.Status.EXPIRED
        assert invitation.is_expired
        assert "expired 0 " in schedule.JOBS["expire-invitations"].run(now)

    def test_pruning_keeps_failed_mail_and_recent_work(self, clock, settings):
        sent = sending.queue_email(EmailMessage("a", "b", to=["a@x.org"]), kind="t")
        run_tasks()
        schedule.run_due(clock.current)  # these runs are past once the clock moves
        failed = Message.objects.create(
            kind="t", subject="s", from_email="f@x.org", to=["b@x.org"], status="failed"
        )
        clock.advance(days=settings.WAYMARK_KEEP_FINISHED_DAYS + 1)
        recent = sending.queue_email(EmailMessage("c", "d", to=["c@x.org"]), kind="t")
        run_tasks()
        now = timezone.now()
        assert schedule.JOBS["prune-sent-emails"].run(now) == "deleted 1 sent email(s)"
        assert schedule.JOBS["prune-finished-tasks"].run(now) == (
            f"deleted 1 finished task(s) and {len(schedule.JOBS)} past run(s)"
        )
        assert set(Message.objects.values_list("pk", flat=True)) == {
            failed.pk,
            recent.pk,
        }
        assert not Message.objects.filter(pk=sent.pk).exists()
        assert DBTaskResult.objects.count() == 1  # the recent one
