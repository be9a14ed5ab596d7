"""The job outbox and the runs of scheduled jobs, read-only: the privacy officer (and an
operator) sees jobs that are stuck or failed, and when each scheduled job last ran."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.formatting import local_stamp
from audit.admin import ReadOnlyAdmin
from jobs.models import Job, JobState, ScheduledRun


class JobStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [*JobState.choices, ("stuck", _("Stuck (not started in time)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "stuck":
            before = timezone.now() - timedelta(minutes=settings.JOBS_REPUBLISH_AFTER_MINUTES)
            return queryset.due_for_publishing(before)
        if value in JobState.values:
            return queryset.in_state(value)
        return queryset


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "task",
        "arguments",
        "state",
        "recorded",
        "published",
        "started",
        "done",
        "runs",
        "error",
    ]
    list_filter = [JobStateFilter, "task"]
    search_fields = ["=task"]
    search_help_text = _("The task's full name.")
    list_per_page = 50
    ordering = ["-created_at", "-pk"]
    fields = [
        "task",
        "arguments",
        "state",
        "recorded",
        "published",
        "publications",
        "started",
        "done",
        "runs",
        "error",
        "uuid",
    ]
    readonly_fields = fields

    @admin.display(description=_("arguments"))
    def arguments(self, job: Job) -> str:
        return ", ".join(str(arg) for arg in job.args) or "–"

    @admin.display(description=_("state"))
    def state(self, job: Job) -> str:
        return job.state.label

    @admin.display(description=_("recorded"), ordering="created_at")
    def recorded(self, job: Job) -> str:
        return local_stamp(job.created_at)

    @admin.display(description=_("published"), ordering="published_at")
    def published(self, job: Job) -> str:
        return local_stamp(job.published_at)

    @admin.display(description=_("started"), ordering="started_at")
    def started(self, job: Job) -> str:
        return local_stamp(job.started_at)

    @admin.display(description=_("done"), ordering="done_at")
    def done(self, job: Job) -> str:
        return local_stamp(job.done_at)


class ScheduledJobFilter(admin.SimpleListFilter):
    title = _("scheduled job")
    parameter_name = "job"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return sorted(
            ((name, str(job["description"])) for name, job in settings.SCHEDULED_JOBS.items()),
            key=lambda choice: choice[1],
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(job=self.value())
        return queryset


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ["what", "started", "finished", "outcome", "error"]
    list_filter = [ScheduledJobFilter, "outcome"]
    list_per_page = 50
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("scheduled job"), ordering="job")
    def what(self, run: ScheduledRun) -> str:
        job = settings.SCHEDULED_JOBS.get(run.job)
        return str(job["description"]) if job else run.job

    @admin.display(description=_("started"), ordering="started_at")
    def started(self, run: ScheduledRun) -> str:
        return local_stamp(run.started_at)

    @admin.display(description=_("finished"), ordering="finished_at")
    def finished(self, run: ScheduledRun) -> str:
        return local_stamp(run.finished_at)
