"""The worker's side of the job outbox, and its sweep."""

from __future__ import annotations

import contextlib
import logging

import pglock
from celery import Task, shared_task
from celery.exceptions import Retry
from django.db import Error
from django.db.models import F
from django.utils import timezone

from jobs.models import Job

logger = logging.getLogger(__name__)


def job_lock(job_id: int) -> pglock.advisory:
    """The job's session-level advisory lock (django-pglock): held while a delivery runs it,
    gone with a dead worker's connection."""
    return pglock.advisory(f"pkregister.job:{job_id}", timeout=0, side_effect=pglock.Return)


class JobTask(Task):
    """A task that jobs.services.enqueue records: a delivery of a job that is done, or that
    another worker is running now, does nothing; a run that returns marks the job done.

    A delivery that is not a recorded job (a task called directly) just runs. The tasks'
    own work stays idempotent too (each claims its row): a worker that dies after the work
    committed and before the job was marked done gets the job delivered again.
    """

    def __call__(self, *args, **kwargs):
        job = Job.objects.filter(uuid=self.request.id).only("pk", "done_at").first()
        if job is None:
            return super().__call__(*args, **kwargs)
        if job.done_at is not None:
            logger.info("Job %s is done already; a duplicate delivery does nothing", job.pk)
            return None
        lock = job_lock(job.pk)
        if not lock.acquire():
            logger.info("Job %s is running elsewhere; a duplicate delivery does nothing", job.pk)
            return None
        try:
            # Looked at again under the lock: another delivery may have finished it meanwhile.
            started = Job.objects.filter(pk=job.pk, done_at__isnull=True)
            if not started.update(started_at=timezone.now(), runs=F("runs") + 1):
                return None
            try:
                result = super().__call__(*args, **kwargs)
            except Retry:
                raise
            except Exception as error:
                Job.objects.filter(pk=job.pk).update(error=type(error).__name__[:200])
                raise
            Job.objects.filter(pk=job.pk, done_at__isnull=True).update(
                done_at=timezone.now(), error=""
            )
            return result
        finally:
            with contextlib.suppress(Error):  # the connection is gone, and the lock with it
                lock.release()


@shared_task
def publish_waiting_jobs() -> int:
    """Publish jobs the broker has not accepted or no worker picked up; return how many."""
    from jobs.services import publish_due

    return publish_due()
