"""The job outbox: a job is recorded with what causes it, published after commit, published
again by the sweep while nobody picked it up, and run at most once in effect."""

from __future__ import annotations

import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from consents.services import EXPORT_JOB
from consents.tasks import export_audience
from feedback.services import INVITE_JOB
from feedback.tasks import invite_after_call
from jobs.models import Job
from jobs.services import enqueue, publish, publish_due, publish_unstarted
from jobs.tasks import job_lock
from pkregister.celery import app
from tests.conftest import isolated_redis_url, rebind_producers

pytestmark = pytest.mark.django_db

BROKER_DOWN = OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


@pytest.fixture
def eager():
    """Run published jobs in the calling thread, as a worker would run them. Celery opens its
    producer pool even for an eager task: on the tests' own Redis database, and forgotten
    afterwards."""
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "task_eager_propagates": app.conf.task_eager_propagates,
    }
    app.conf.update(
        broker_url=isolated_redis_url(), task_always_eager=True, task_eager_propagates=False
    )
    rebind_producers()
    yield
    app.conf.update(**previous)
    rebind_producers()


def test_a_job_is_recorded_in_the_transaction_and_published_after_commit(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(invite_after_call, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        job = enqueue(INVITE_JOB, 41)
        send.assert_not_called()  # nothing reaches the broker before the commit
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == [41]
    assert send.call_args.kwargs["task_id"] == str(job.uuid)
    job.refresh_from_db()
    assert job.published_at is not None and job.publications == 1


def test_a_rolled_back_transaction_leaves_no_job_and_publishes_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(invite_after_call, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(INVITE_JOB, 41)
        raise RuntimeError("the cause failed")
    send.assert_not_called()
    assert not Job.objects.exists()


@pytest.mark.parametrize("argument", ["Virtanen", "+358401234567", 4.5, True, None])
def test_a_job_takes_ids_only(argument):
    with pytest.raises(TypeError, match="ids"):
        enqueue(INVITE_JOB, argument)
    assert not Job.objects.exists()


def test_a_job_names_a_task_whose_runs_are_recorded():
    with pytest.raises(LookupError):
        enqueue("feedback.tasks.no_such_task", 1)
    with pytest.raises(LookupError):
        enqueue("nowhere.tasks.anything", 1)
    with pytest.raises(TypeError, match="JobTask"):
        enqueue("accounts.tasks.clear_expired_sessions")


def test_a_broker_that_is_down_is_logged_not_raised(caplog, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(invite_after_call, "apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING, logger="jobs.services"),
    ):
        job = enqueue(INVITE_JOB, 41)
    assert "could not be published" in caplog.text
    assert Job.objects.waiting_for_service().get() == job


def test_the_sweep_publishes_what_waits_or_was_not_picked_up_and_stops_while_the_broker_is_down():
    now = timezone.now()
    fresh = Job.objects.create(task=INVITE_JOB, args=[1], created_at=now)
    never_sent = Job.objects.create(
        task=INVITE_JOB, args=[2], created_at=now - timedelta(minutes=5)
    )
    not_picked_up = Job.objects.create(
        task=INVITE_JOB,
        args=[3],
        created_at=now - timedelta(minutes=30),
        published_at=now - timedelta(minutes=10),
    )
    Job.objects.create(  # started by a worker: redelivery is the broker's business now
        task=INVITE_JOB,
        args=[4],
        created_at=now - timedelta(minutes=30),
        published_at=now - timedelta(minutes=30),
        started_at=now - timedelta(minutes=29),
    )
    Job.objects.create(
        task=INVITE_JOB, args=[5], created_at=now - timedelta(minutes=30), done_at=now
    )
    old_done = Job.objects.create(
        task=INVITE_JOB,
        args=[6],
        created_at=now - timedelta(days=30),
        done_at=now - timedelta(days=8),
    )

    with mock.patch.object(invite_after_call, "apply_async", side_effect=BROKER_DOWN) as send:
        assert publish_due(now=now) == 0
    assert send.call_count == 1  # the broker refused: the sweep stops rather than hammer it

    with mock.patch.object(invite_after_call, "apply_async") as send:
        assert publish_due(now=now) == 2
    assert sorted(call.kwargs["args"] for call in send.call_args_list) == [[2], [3]]
    assert {str(never_sent.uuid), str(not_picked_up.uuid)} == {
        call.kwargs["task_id"] for call in send.call_args_list
    }
    assert Job.objects.get(pk=fresh.pk).published_at is None  # its own publication comes first
    assert not Job.objects.filter(pk=old_done.pk).exists()  # done jobs are kept a week


def test_a_job_runs_once_and_a_duplicate_delivery_does_nothing(eager):
    job = Job.objects.create(task=INVITE_JOB, args=[7])
    with mock.patch("feedback.services.survey_invite_for_call", return_value=None) as work:
        assert publish(job)
        assert publish(job)  # delivered again: a lost acknowledgement, a second sweep
    work.assert_called_once_with(call_id=7)
    job.refresh_from_db()
    assert job.done_at is not None and job.runs == 1 and job.publications == 2


def test_a_delivery_while_another_worker_runs_the_job_does_nothing(eager):
    job = Job.objects.create(task=INVITE_JOB, args=[8])
    key = job_lock(job.pk).int_lock_id
    other = connections.create_connection("default")  # the other worker's session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        with mock.patch("feedback.services.survey_invite_for_call") as work:
            publish(job)
        work.assert_not_called()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        with mock.patch("feedback.services.survey_invite_for_call", return_value=None) as work:
            publish(job)  # the other worker died without finishing: the next delivery runs it
        work.assert_called_once()
    finally:
        other.close()
    assert Job.objects.get(pk=job.pk).done_at is not None


def test_a_failed_run_is_not_done_and_names_the_error_only(eager):
    job = Job.objects.create(task=INVITE_JOB, args=[9])
    with mock.patch(
        "feedback.services.survey_invite_for_call", side_effect=ValueError("Virtanen, +35840…")
    ):
        publish(job)
    job.refresh_from_db()
    assert job.done_at is None and job.runs == 1
    assert job.error == "ValueError"  # never the message, which could quote personal data


def test_a_task_called_without_a_job_just_runs(eager):
    with mock.patch("feedback.services.survey_invite_for_call", return_value=None) as work:
        invite_after_call.delay(10)
    work.assert_called_once_with(call_id=10)
    assert not Job.objects.exists()


def test_sending_a_waiting_job_again_publishes_the_recorded_one(django_capture_on_commit_callbacks):
    job = Job.objects.create(task=EXPORT_JOB, args=[11])
    with mock.patch.object(export_audience, "apply_async") as send:
        assert publish_unstarted(EXPORT_JOB, 11)
    assert send.call_args.kwargs["task_id"] == str(job.uuid)
    assert Job.objects.count() == 1
    with (
        mock.patch.object(export_audience, "apply_async", side_effect=BROKER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert not publish_unstarted(EXPORT_JOB, 12)  # none recorded: one is, and waits
    assert Job.objects.of(EXPORT_JOB, 12).waiting_for_service().count() == 1


def test_the_command_publishes_what_waits(capsys):
    Job.objects.create(task=INVITE_JOB, args=[13], created_at=timezone.now() - timedelta(hours=1))
    call_command("publish_waiting_jobs", "--dry-run")
    assert "1 jobs are due" in capsys.readouterr().out
    with mock.patch.object(invite_after_call, "apply_async"):
        call_command("publish_waiting_jobs")
    assert "published 1 jobs; 0 not accepted" in capsys.readouterr().out


def test_the_sweep_is_scheduled_and_described_in_finnish(privacy_officer, client_for, settings):
    job = settings.SCHEDULED_JOBS["publish-waiting-jobs"]
    assert job["task"] == "jobs.tasks.publish_waiting_jobs"
    assert job["task"] in app.tasks
    body = client_for(privacy_officer).get("/jarjestelma/ajastukset/").content.decode()
    assert "publish-waiting-jobs" in body
    assert "Lähettää tehtäväpalvelulle tehtävät" in body
