"""The daily deadline reminder. Thin: it calls the service, which mails references and links."""

from __future__ import annotations

from celery import shared_task

from dsar.services import send_deadline_reminders


@shared_task
def remind_request_deadlines() -> int:
    """Mail the privacy officers the requests due within 7 days or overdue; return how many."""
    return send_deadline_reminders()
