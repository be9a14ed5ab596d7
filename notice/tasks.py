from __future__ import annotations

from celery import shared_task

from notice.services import run_check


@shared_task
def check_notice_consistency() -> int:
    """Compare the published notice with the declarations; return the number of differences."""
    return len(run_check().differences)
