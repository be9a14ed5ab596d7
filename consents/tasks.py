"""Jobs of the consents app. Thin: they take ids and call one operation."""

from __future__ import annotations

from celery import shared_task

from consents.services import audience_export_run


@shared_task(ignore_result=True)
def export_audience(export_id: int) -> None:
    """Write a queued audience export to its file and log it as a disclosure."""
    audience_export_run(export_id=export_id)
