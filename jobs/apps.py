from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from jobs.schedule import record_finish, record_start

        # Every run of a scheduled job is recorded, whoever started it (jobs/schedule.py).
        task_prerun.connect(record_start, dispatch_uid="jobs.schedule.record_start")
        task_postrun.connect(record_finish, dispatch_uid="jobs.schedule.record_finish")
