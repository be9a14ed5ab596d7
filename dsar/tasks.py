"""The daily deadline reminder. Thin: it calls the service, which mails references and links."""

from __future__ import annotations

from celery import shared_task

from dsar.services import send_deadline_reminders
from jobs.tasks import JobTask


@shared_task
def remind_request_deadlines() -> int:
    """Mail the privacy officers the requests due within 7 days or overdue; return how many."""
    return send_deadline_reminders()


@shared_task(base=JobTask, acks_late=True)
def build_access_package(package_id: int) -> dict[str, int]:
    """Build one access package; return its counts (ids and numbers only)."""
    from dsar.access import build

    package = build(package_id)
    if package is None:
        return {"package": package_id, "skipped": 1}
    return {"package": package.pk, "rows": package.rows, "files": package.files}
