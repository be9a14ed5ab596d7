"""The Celery app. Configuration lives in settings (CELERY_*), the beat schedule included."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")

app = Celery("pkregister")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
