"""The job outbox: every job that must happen is a row, written in the transaction that causes
it, and published to the Celery broker after commit (jobs/services.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.formatting import local_stamp


class JobState(models.TextChoices):
    """Where a job is on its way; the admin's filter and column."""

    WAITING_FOR_SERVICE = "waiting", _("Waiting for the job service")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Failed")
    DONE = "done", _("Done")


class JobQuerySet(models.QuerySet):
    def in_state(self, state: JobState | str) -> JobQuerySet:
        """The jobs in one state (JobState); see Job.state."""
        unstarted = Q(started_at__isnull=True, done_at__isnull=True)
        conditions = {
            JobState.WAITING_FOR_SERVICE: unstarted & Q(published_at__isnull=True),
            JobState.QUEUED: unstarted & Q(published_at__isnull=False),
            JobState.RUNNING: Q(started_at__isnull=False, done_at__isnull=True, error=""),
            JobState.FAILED: Q(done_at__isnull=True) & ~Q(error=""),
            JobState.DONE: Q(done_at__isnull=False),
        }
        return self.filter(conditions[JobState(state)])

    def of(self, task: str, *args: int | str) -> JobQuerySet:
        """The jobs recorded for this task with exactly these arguments."""
        return self.filter(task=task, args=list(args))

    def unstarted(self) -> JobQuerySet:
        """Jobs no worker has picked up yet."""
        return self.filter(started_at__isnull=True, done_at__isnull=True)

    def waiting_for_service(self) -> JobQuerySet:
        """Jobs the broker never accepted (it was down when they were recorded)."""
        return self.unstarted().filter(published_at__isnull=True)

    def due_for_publishing(self, before: datetime) -> JobQuerySet:
        """Unstarted jobs whose last publication attempt (or recording) is older than
        `before`: the broker was down, or it lost them."""
        return self.unstarted().filter(
            Q(published_at__isnull=True, created_at__lt=before) | Q(published_at__lt=before)
        )


class Job(models.Model):
    """One job that must happen: a Celery task by name, with ids as its arguments."""

    # The Celery task id of every publication of this job, so a worker knows which job a
    # delivery is, and a duplicate delivery finds it done.
    uuid = models.UUIDField(_("task id"), default=uuid.uuid4, unique=True, editable=False)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # The last time the broker accepted it; empty while the broker has not.
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    publications = models.PositiveIntegerField(_("publications"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    # The exception's class name only: a message could quote personal data.
    error = models.CharField(_("error"), max_length=200, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["created_at", "pk"]
        indexes = [
            # The sweep's question: which jobs has no worker started (a handful, normally).
            models.Index(
                fields=["created_at"],
                name="job_unstarted",
                condition=Q(started_at__isnull=True, done_at__isnull=True),
            ),
            # A page's question: the jobs of this export (task and arguments).
            models.Index(fields=["task", "args"], name="job_task_args"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"

    @property
    def state(self) -> JobState:
        if self.done_at is not None:
            return JobState.DONE
        if self.error:
            return JobState.FAILED
        if self.started_at is not None:
            return JobState.RUNNING
        if self.published_at is None:
            return JobState.WAITING_FOR_SERVICE
        return JobState.QUEUED

    @property
    def is_waiting_for_service(self) -> bool:
        return self.published_at is None and self.started_at is None and self.done_at is None


class RunOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ScheduledRunQuerySet(models.QuerySet):
    def latest_per_job(self) -> ScheduledRunQuerySet:
        """The newest run of each scheduled job (one row a job, from the index)."""
        return self.order_by("job", "-started_at", "-pk").distinct("job")


class ScheduledRun(models.Model):
    """One run of a scheduled job (settings.SCHEDULED_JOBS), recorded by the worker that ran it,
    so that the schedule page shows each job's last run and its outcome."""

    job = models.CharField(_("scheduled job"), max_length=100)
    task_id = models.CharField(_("task id"), max_length=255, unique=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=RunOutcome.choices, default=RunOutcome.RUNNING
    )
    # The exception's class name only: a message could quote personal data.
    error = models.CharField(_("error"), max_length=200, blank=True)

    objects = ScheduledRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("run of a scheduled job")
        verbose_name_plural = _("runs of scheduled jobs")
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The schedule page's question: each job's newest run; and pruning a job's old runs.
            models.Index(fields=["job", "-started_at"], name="scheduledrun_job"),
        ]
        constraints = [
            models.CheckConstraint(
                name="scheduledrun_finished_after_start",
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
            ),
            models.CheckConstraint(
                name="scheduledrun_outcome_finished",
                condition=Q(outcome=RunOutcome.RUNNING, finished_at__isnull=True)
                | (~Q(outcome=RunOutcome.RUNNING) & Q(finished_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        job = settings.SCHEDULED_JOBS.get(self.job, {})
        return f"{job.get('description', self.job)} {local_stamp(self.started_at)}"
