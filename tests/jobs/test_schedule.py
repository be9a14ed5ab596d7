"""The scheduled jobs as the privacy officer reads them: the schedule in words, each job's last
run and outcome (recorded by the worker that ran it) and its next run; the job outbox in the
admin by state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone, translation

from jobs import schedule
from jobs.models import Job, JobState, RunOutcome, ScheduledRun
from jobs.tasks import publish_waiting_jobs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        (crontab(minute="*"), "Joka minuutti"),
        (crontab(minute="*/10"), "10 minuutin välein"),
        (crontab(minute=17), "Joka tunti 17 minuuttia yli tasan"),
        (crontab(hour=3, minute=41), "Joka päivä klo 3.41"),
        (crontab(hour=7, minute=5, day_of_week=1), "Maanantaisin klo 7.05"),
        (crontab(hour="6,18", minute=0), "Joka päivä klo 6.00 ja 18.00"),
    ],
)
def test_a_schedule_reads_as_words(cron, words):
    with translation.override("fi"):
        assert schedule.describe(cron) == words


def test_next_and_previous_run_are_in_finnish_time():
    # 30.11.2026 3.50 in Helsinki (UTC+2): a daily 3.41 job ran at 3.41 and runs next tomorrow.
    now = datetime(2026, 11, 30, 1, 50, tzinfo=UTC)
    daily = crontab(hour=3, minute=41)
    assert schedule.next_run(daily, now) == datetime(2026, 12, 1, 1, 41, tzinfo=UTC)
    assert schedule.previous_run(daily, now) == datetime(2026, 11, 30, 1, 41, tzinfo=UTC)
    # Across the change to summer time (29.3.2026): 4.47 local is then UTC+3.
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    early = crontab(hour=4, minute=47)
    assert schedule.next_run(early, spring) == datetime(2026, 3, 29, 1, 47, tzinfo=UTC)


def test_a_run_of_a_scheduled_task_is_recorded_with_its_outcome(monkeypatch):
    publish_waiting_jobs.apply()
    run = ScheduledRun.objects.get(job="publish-waiting-jobs")
    assert run.outcome == RunOutcome.SUCCEEDED and run.finished_at is not None

    def broken(**kwargs):
        raise ConnectionError("broker at redis://secret@host is down")

    monkeypatch.setattr("jobs.services.publish_due", broken)
    publish_waiting_jobs.apply()
    failed = ScheduledRun.objects.filter(outcome=RunOutcome.FAILED).get()
    assert failed.error == "ConnectionError"  # the class only, never the message


def test_a_task_that_is_not_scheduled_is_not_recorded(db):
    from jobs.schedule import record_finish, record_start

    class Other:
        name = "customers.tasks.something_else"

    record_start(sender=Other(), task_id="x")
    record_finish(sender=Other(), task_id="x", state="SUCCESS")
    assert not ScheduledRun.objects.exists()


def test_old_runs_are_forgotten(db):
    ScheduledRun.objects.create(
        job="publish-waiting-jobs",
        task_id="old",
        started_at=timezone.now() - timedelta(days=40),
        finished_at=timezone.now() - timedelta(days=40),
        outcome=RunOutcome.SUCCEEDED,
    )
    publish_waiting_jobs.apply()
    assert list(ScheduledRun.objects.values_list("task_id", flat=True)) != ["old"]
    assert not ScheduledRun.objects.filter(task_id="old").exists()


def test_schedule_page_shows_words_last_run_outcome_and_next_run(
    privacy_officer, client_for, django_assert_max_num_queries
):
    started = timezone.now() - timedelta(hours=3)
    ScheduledRun.objects.create(
        job="prune-login-attempts",
        task_id="a",
        started_at=started,
        finished_at=started + timedelta(seconds=3),
        outcome=RunOutcome.FAILED,
        error="OperationalError",
    )
    client = client_for(privacy_officer)
    client.get("/jarjestelma/ajastukset/")
    with django_assert_max_num_queries(11):
        response = client.get("/jarjestelma/ajastukset/")
    body = response.content.decode()
    assert "Joka päivä klo 3.41" in body and "crontab" not in body
    assert "Epäonnistui (OperationalError)" in body
    local = timezone.localtime(started)
    assert f"{local.day}.{local.month}.{local.year} {local.hour}.{local.minute:02d}" in body
    assert "Seuraava ajo" in body and "Ei ajettu vielä" in body


def test_a_job_that_ran_before_but_not_at_its_last_time_is_shown_as_missed(db):
    long_ago = timezone.now() - timedelta(days=3)
    ScheduledRun.objects.create(
        job="prune-login-attempts",
        task_id="b",
        started_at=long_ago,
        finished_at=long_ago,
        outcome=RunOutcome.SUCCEEDED,
    )
    jobs = {job.name: job for job in schedule.scheduled_jobs()}
    assert jobs["prune-login-attempts"].missed
    assert not jobs["publish-waiting-jobs"].missed  # never run: said as "not run yet"


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer"])
def test_only_the_privacy_officer_sees_the_outbox(cast, role, client_for):
    assert client_for(cast[role]).get("/admin/jobs/job/").status_code == 302


def test_the_outbox_admin_filters_jobs_by_state(privacy_officer, client_for):
    now = timezone.now()
    waiting = Job.objects.create(task="a.b", args=[1], created_at=now - timedelta(hours=1))
    queued = Job.objects.create(task="a.b", args=[2], published_at=now)
    failed = Job.objects.create(task="a.b", args=[3], published_at=now, started_at=now, error="E")
    done = Job.objects.create(task="a.b", args=[4], published_at=now, started_at=now, done_at=now)
    expected = {
        JobState.WAITING_FOR_SERVICE: waiting,
        JobState.QUEUED: queued,
        JobState.FAILED: failed,
        JobState.DONE: done,
    }
    client = client_for(privacy_officer)
    for state, job in expected.items():
        assert job.state == state
        response = client.get("/admin/jobs/job/", {"state": state.value})
        assert [row.pk for row in response.context["cl"].result_list] == [job.pk]
        assert str(state.label) in response.content.decode()
    stuck = client.get("/admin/jobs/job/", {"state": "stuck"})
    assert [row.pk for row in stuck.context["cl"].result_list] == [waiting.pk]
    assert client.get("/admin/jobs/job/", {"state": "nonsense"}).status_code == 200
