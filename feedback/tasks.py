"""SMS survey tasks. Thin: they take ids (never a phone number: arguments persist in Redis) and
call a service."""

from __future__ import annotations

from celery import shared_task

from feedback import services
from feedback.sms import SmsGatewayError
from jobs.tasks import JobTask

# Backoff between attempts: 30 s, 60 s, 120 s … capped at an hour, with jitter; nine attempts
# in all span about five hours before the invitation is marked failed.
MAX_RETRIES = 8


@shared_task(base=JobTask)
def invite_after_call(call_id: int) -> int | None:
    """Decide whether the caller gets a survey and queue it; return the invitation id."""
    invitation = services.survey_invite_for_call(call_id=call_id)
    return invitation.pk if invitation is not None else None


@shared_task(
    bind=True,
    base=JobTask,
    autoretry_for=(SmsGatewayError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def send_survey_invitation(self, invitation_id: int) -> bool:
    """Send one invitation; a gateway failure is retried with backoff. Return whether sent."""
    final = self.request.retries >= self.max_retries
    return services.survey_send(invitation_id=invitation_id, final_attempt=final) is not None


@shared_task
def send_stuck_survey_invitations() -> int:
    """Queue invitations left waiting by an outage again; return how many."""
    return services.send_stuck_invitations()
