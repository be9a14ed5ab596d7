from __future__ import annotations

from celery import shared_task

from customers.models import KnownName


@shared_task
def prune_known_names() -> int:
    """Delete search names nobody bears any more (rows removed with triggers off leave some)."""
    return KnownName.objects.prune()
