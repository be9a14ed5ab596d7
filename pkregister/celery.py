"""The Celery app. Configuration lives in settings (CELERY_*), the beat schedule included."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")

app = Celery("pkregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_build_settings(**kwargs: object) -> None:
    """Refuse to run jobs with build-step settings, which skip the runtime secrets."""
    from django.conf import settings

    if settings.BUILD_STEP:
        # SystemExit, not an exception: Celery logs and ignores what a signal receiver raises.
        raise SystemExit("DJANGO_BUILD_STEP is for build commands only, never for jobs.")
