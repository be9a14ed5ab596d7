"""Breach jobs. Thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from breaches import services
from jobs.tasks import JobTask


@shared_task
def send_breach_reminders() -> int:
    """Send the due 24- and 60-hour reminders of every breach whose clock runs."""
    return services.send_reminders()


@shared_task(bind=True, base=JobTask, max_retries=8, default_retry_delay=60)
def send_person_notifications(self, breach_id: int) -> int:
    """Send a breach's pending email notices; what a failure left pending is retried."""
    try:
        return services.notifications_send_emails(breach_pk=breach_id)
    except Exception as error:
        raise self.retry(exc=error) from error
