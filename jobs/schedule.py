"""The scheduled jobs (settings.SCHEDULED_JOBS) as the privacy officer reads them: the schedule
in words, the last run and its outcome, and the next run.

Each run of a scheduled task is recorded by the worker that runs it (Celery's task_prerun and
task_postrun signals, connected in JobsConfig.ready): the tasks themselves know nothing of it,
and a task run in any other way (a test calling it eagerly) is recorded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobs.models import RunOutcome, ScheduledRun

# Runs are kept this long; a job that runs every minute leaves 1,440 rows a day.
KEEP_RUNS = timedelta(days=30)
# Beat starts a job within a few seconds of its time; a run this late counts as missed.
LATE_AFTER = timedelta(minutes=10)
_FULL_MINUTES = set(range(60))
_FULL_HOURS = set(range(24))


def _weekday_name(number: int) -> str:
    """The weekday in "on Mondays" form; Celery counts weekdays from Sunday (0)."""
    names = [
        _("on Sundays"),
        _("on Mondays"),
        _("on Tuesdays"),
        _("on Wednesdays"),
        _("on Thursdays"),
        _("on Fridays"),
        _("on Saturdays"),
    ]
    return names[number]


def _step(values: set[int], size: int) -> int | None:
    """The step of an evenly spaced set starting at 0 (*/10 → 10), if it is one."""
    ordered = sorted(values)
    if len(ordered) < 2 or ordered[0] != 0:
        return None
    step = ordered[1] - ordered[0]
    if ordered == list(range(0, size, step)):
        return step
    return None


def describe(schedule: Any) -> str:
    """A crontab schedule in words (Europe/Helsinki): "every day at 3.41"."""
    if not isinstance(schedule, crontab):
        return str(schedule)
    minutes, hours = set(schedule.minute), set(schedule.hour)
    if minutes == _FULL_MINUTES and hours == _FULL_HOURS:
        when = _("every minute")
    elif hours == _FULL_HOURS and (step := _step(minutes, 60)):
        when = ngettext("every %(count)d minute", "every %(count)d minutes", step) % {"count": step}
    elif hours == _FULL_HOURS:
        when = ngettext(
            "every hour at %(minutes)s minute past",
            "every hour at %(minutes)s minutes past",
            len(minutes),
        ) % {"minutes": get_text_list([str(m) for m in sorted(minutes)], _("and"))}
    else:
        times = [f"{hour}.{minute:02d}" for hour in sorted(hours) for minute in sorted(minutes)]
        when = _("at %(times)s") % {"times": get_text_list(times, _("and"))}
        if set(schedule.day_of_week) == set(range(7)) and set(schedule.day_of_month) == set(
            range(1, 32)
        ):
            when = _("every day %(when)s") % {"when": when}
    days = []
    if set(schedule.day_of_week) != set(range(7)):
        days.append(
            get_text_list([_weekday_name(d) for d in sorted(schedule.day_of_week)], _("and"))
        )
    if set(schedule.day_of_month) != set(range(1, 32)):
        days.append(
            _("on day %(days)s of the month")
            % {"days": get_text_list([str(d) for d in sorted(schedule.day_of_month)], _("and"))}
        )
    if set(schedule.month_of_year) != set(range(1, 13)):
        days.append(
            _("in months %(months)s")
            % {"months": get_text_list([str(m) for m in sorted(schedule.month_of_year)], _("and"))}
        )
    text = " ".join([*days, when]) if days else when
    return text[:1].upper() + text[1:]


def _matches_day(schedule: crontab, day: date) -> bool:
    weekday = (day.weekday() + 1) % 7  # Python counts from Monday, cron from Sunday
    return (
        day.month in schedule.month_of_year
        and day.day in schedule.day_of_month
        and weekday in schedule.day_of_week
    )


def next_run(schedule: Any, after: datetime) -> datetime | None:
    """The first moment after `after` when the crontab schedule is due, local time."""
    if not isinstance(schedule, crontab):
        return None
    local = timezone.localtime(after)
    day = local.date()
    for _offset in range(366 * 4 + 1):
        if _matches_day(schedule, day):
            for hour in sorted(schedule.hour):
                for minute in sorted(schedule.minute):
                    naive = datetime(day.year, day.month, day.day, hour, minute)
                    moment = timezone.make_aware(naive)
                    if moment > after:
                        return moment
        day += timedelta(days=1)
    return None


def previous_run(schedule: Any, before: datetime) -> datetime | None:
    """The last moment at or before `before` when the crontab schedule was due, local time."""
    if not isinstance(schedule, crontab):
        return None
    local = timezone.localtime(before)
    day = local.date()
    for _offset in range(366 * 4 + 1):
        if _matches_day(schedule, day):
            for hour in sorted(schedule.hour, reverse=True):
                for minute in sorted(schedule.minute, reverse=True):
                    naive = datetime(day.year, day.month, day.day, hour, minute)
                    moment = timezone.make_aware(naive)
                    if moment <= before:
                        return moment
        day -= timedelta(days=1)
    return None


@dataclass
class ScheduledJob:
    name: str
    task: str
    schedule: Any
    description: str
    last_run: ScheduledRun | None
    next_run: datetime | None
    previous_due: datetime | None

    @property
    def in_words(self) -> str:
        return describe(self.schedule)

    @property
    def missed(self) -> bool:
        """Whether the job has not started since it was last due although it has run before
        (beat or the worker was down). A job with no recorded run says so in its outcome."""
        if self.previous_due is None or self.last_run is None:
            return False
        if timezone.now() - self.previous_due < LATE_AFTER:
            return False
        return self.last_run.started_at < self.previous_due - LATE_AFTER

    @property
    def failed(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == RunOutcome.FAILED

    @property
    def outcome(self) -> str:
        if self.last_run is None:
            return _("Not run yet")
        if self.failed:
            return _("Failed (%(error)s)") % {"error": self.last_run.error or "–"}
        return self.last_run.get_outcome_display()


def scheduled_jobs(now: datetime | None = None) -> list[ScheduledJob]:
    """Every scheduled job with its last run and next run; two queries."""
    now = now or timezone.now()
    latest = {run.job: run for run in ScheduledRun.objects.latest_per_job()}
    return [
        ScheduledJob(
            name=name,
            task=job["task"],
            schedule=job["schedule"],
            description=str(job["description"]),
            last_run=latest.get(name),
            next_run=next_run(job["schedule"], now),
            previous_due=previous_run(job["schedule"], now),
        )
        for name, job in settings.SCHEDULED_JOBS.items()
    ]


# --- Recording runs (worker side) ----------------------------------------------------------------


def _job_of(task_name: str | None) -> str | None:
    for name, job in settings.SCHEDULED_JOBS.items():
        if job["task"] == task_name:
            return name
    return None


def record_start(sender: Any = None, task_id: str | None = None, **kwargs: Any) -> None:
    """task_prerun: a scheduled task starts; note it, and forget the job's runs past KEEP_RUNS."""
    job = _job_of(getattr(sender, "name", None))
    if job is None or not task_id:
        return
    now = timezone.now()
    ScheduledRun.objects.get_or_create(task_id=task_id, defaults={"job": job, "started_at": now})
    ScheduledRun.objects.filter(job=job, started_at__lt=now - KEEP_RUNS).delete()


def record_finish(
    sender: Any = None,
    task_id: str | None = None,
    retval: Any = None,
    state: str | None = None,
    **kwargs: Any,
) -> None:
    """task_postrun: note the outcome (the exception's class name only, never its message)."""
    if _job_of(getattr(sender, "name", None)) is None or not task_id:
        return
    failed = state == "FAILURE" or isinstance(retval, BaseException)
    ScheduledRun.objects.filter(task_id=task_id, outcome=RunOutcome.RUNNING).update(
        finished_at=timezone.now(),
        outcome=RunOutcome.FAILED if failed else RunOutcome.SUCCEEDED,
        error=type(retval).__name__[:200] if failed else "",
    )
