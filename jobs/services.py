"""Record a job in the transaction that causes it; publish it to the broker after commit.

A transactional outbox: the row commits with the data it is about, or not at all. Publishing
happens once the transaction commits; a broker that is down is logged and not raised (the page
that caused the job stays up), and the `publish-waiting-jobs` sweep publishes what the broker
has not accepted, or what no worker picked up, a few minutes later. The worker's side
(`jobs.tasks.JobTask`) marks a job done once it ran, so a second delivery does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job

logger = logging.getLogger(__name__)

# A broker that is down answers at once; these few retries only ride out a reconnect, so a
# request never waits long for a broker it does not need to finish.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
SWEEP_BATCH = 1000


def _job_task(task_name: str):
    """Return the task by its name (`app.module.function`), importing its module: a web
    process imports tasks modules only on demand."""
    from celery import current_app

    from jobs.tasks import JobTask

    module = task_name.rpartition(".")[0]
    try:
        import_module(module)
    except ImportError as error:
        raise LookupError(f"No Celery task is named {task_name!r}.") from error
    task = current_app.tasks.get(task_name)
    if task is None:
        raise LookupError(f"No Celery task is named {task_name!r}.")
    if not isinstance(task, JobTask):
        raise TypeError(
            f"{task_name} is not declared with base=JobTask: its runs are not recorded."
        )
    return task


def enqueue(task_name: str, *args: int) -> Job:
    """Record the job in the current transaction and publish it once that commits.

    Arguments are ids (integers) only: they persist in the broker and in the job's row.
    """
    _job_task(task_name)
    if any(not isinstance(arg, int) or isinstance(arg, bool) for arg in args):
        raise TypeError("A job's arguments are ids (integers) only, never personal data.")
    job = Job.objects.create(task=task_name, args=list(args))
    transaction.on_commit(lambda: publish(job))
    return job


def publish(job: Job) -> bool:
    """Hand the job to the broker; return whether it accepted. A failure is logged, not
    raised: the sweep publishes the job again."""
    try:
        _job_task(job.task).apply_async(
            args=job.args,
            task_id=str(job.uuid),
            ignore_result=True,
            retry=True,
            retry_policy=PUBLISH_RETRY,
        )
    except Exception:  # the broker (Redis down, refused, timed out): the sweep tries again
        logger.warning(
            "Job %s (%s) could not be published; the sweep tries again",
            job.pk,
            job.task,
            exc_info=True,
        )
        return False
    Job.objects.filter(pk=job.pk).update(
        published_at=timezone.now(), publications=F("publications") + 1
    )
    return True


def publish_due(*, older_than: timedelta | None = None, now: datetime | None = None) -> int:
    """Publish the jobs that the broker has not accepted, or that no worker picked up, within
    `older_than` (JOBS_REPUBLISH_AFTER_MINUTES); forget done jobs past JOBS_KEEP_DONE_DAYS.
    Return how many were published. Stops at the first refusal: the broker is still down.

    Running twice at once only publishes a job twice, which its worker then runs once.
    """
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(minutes=settings.JOBS_REPUBLISH_AFTER_MINUTES)
    published = 0
    for job in Job.objects.due_for_publishing(now - older_than)[:SWEEP_BATCH]:
        if not publish(job):
            break
        published += 1
    Job.objects.filter(done_at__lt=now - timedelta(days=settings.JOBS_KEEP_DONE_DAYS)).delete()
    return published


def publish_unstarted(task_name: str, *args: int) -> bool:
    """Publish now the jobs of this task and arguments that no worker has started (a retry
    button); record one if there is none. Return whether the broker has it."""
    pending = list(Job.objects.of(task_name, *args).unstarted())
    if not pending:
        with transaction.atomic():
            pending = [enqueue(task_name, *args)]
        return Job.objects.filter(pk=pending[0].pk, published_at__isnull=False).exists()
    return all(publish(job) for job in pending)


def never_reached_the_broker(task_name: str, ids: Iterable[int]) -> set[int]:
    """Of these ids (a single-id task's argument), those with no job the broker has accepted:
    the job service was down when they were recorded, or they have no job at all."""
    ids = set(ids)
    if not ids:
        return set()
    reached = Job.objects.filter(task=task_name, args__in=[[pk] for pk in ids]).filter(
        Q(published_at__isnull=False) | Q(started_at__isnull=False) | Q(done_at__isnull=False)
    )
    return ids - {args[0] for args in reached.values_list("args", flat=True)}
