"""Jobs of the consents app. Thin: they take ids and call one operation."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from consents.models import AudienceExport, ExportStatus
from consents.services import audience_export_run
from jobs.tasks import JobTask

# A job that finds its export still running (delivered again while the first worker may be
# alive) looks again this often, until the export ends or its heartbeat goes stale.
RUNNING_RECHECKS = 6


@shared_task(bind=True, base=JobTask, ignore_result=True, max_retries=RUNNING_RECHECKS)
def export_audience(self, export_id: int) -> None:
    """Write a queued audience export to its file and log it as a disclosure; take over one
    whose worker died."""
    if audience_export_run(export_id=export_id) is not None:
        return
    if AudienceExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).exists():
        raise self.retry(countdown=settings.AUDIENCE_EXPORT_STALE_MINUTES * 60)
