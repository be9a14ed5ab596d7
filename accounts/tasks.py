"""Scheduled housekeeping of staff data. Tasks are thin: they call one operation."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import IdempotencyRecord


@shared_task
def clear_expired_sessions() -> int:
    """Delete sessions past their expiry; return how many went."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def prune_login_attempts() -> int:
    """Delete login records (usernames, IP addresses) past their retention; return how many."""
    cutoff = timezone.now() - timedelta(days=settings.LOGIN_ATTEMPT_RETENTION_DAYS)
    deleted = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        count, _by_model = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    return deleted


@shared_task
def prune_idempotency_records() -> int:
    """Delete API idempotency keys older than their retry window; return how many went."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
