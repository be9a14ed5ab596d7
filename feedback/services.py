"""Operations on feedback, SMS surveys and website visits, each with the actor who did it.

Surveys: when a call recording is stored (customers.service_calls.call_stored, received in
feedback.receivers, inside the transaction that stores it), `invite_to_survey_after_commit`
records a job (jobs/) in that transaction, sent to the broker once it commits; the task decides
(`may_survey_caller`, the one decision point: the consents selector through
customers.contact_rules, then the quiet period) and
creates the invitation; its sending is another job, which claims the invitation with a
conditional UPDATE so that it is never sent twice, and gives the gateway the invitation's
idempotency key on every attempt.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pglock
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.history import attributed_to
from customers import analytics_consent, contact_rules, service_calls
from customers.contact_rules import OutsideServiceNotAllowed
from customers.models import Customer
from feedback.models import (
    RATING_MAX,
    RATING_MIN,
    Feedback,
    FeedbackChannel,
    FeedbackStatus,
    InvitationStatus,
    SurveyInvitation,
    Topic,
    WebsiteVisit,
)
from feedback.sms import SmsMessage, SmsRejected, get_backend
from jobs.services import enqueue, publish_unstarted
from privacy.restriction import check_may_change

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.models import Actor, ApiClient

logger = logging.getLogger(__name__)

# An invitation still queued (or stuck sending: a worker died mid-send) this long is sent again
# by the scheduled sweep; the gateway's idempotency key keeps a resent one from arriving twice.
STUCK_AFTER = timedelta(minutes=10)

# The jobs a call causes, recorded with what causes them (jobs/).
INVITE_JOB = "feedback.tasks.invite_after_call"
SEND_JOB = "feedback.tasks.send_survey_invitation"


class FeedbackAlreadyHandled(Exception):
    """The feedback was marked handled meanwhile; a handled item is not changed again."""


# --- Feedback -----------------------------------------------------------------------------------


def feedback_record(
    *,
    channel: str,
    topic: str,
    text: str,
    rating: int | None,
    by: Actor,
    customer: Customer | None = None,
    received_at: datetime | None = None,
) -> Feedback:
    """Record feedback from a known customer (or anonymous), as staff or the website got it."""
    text = text.strip()
    if not text and rating is None:
        raise ValidationError({"text": _("Write the feedback or give a rating.")})
    if rating is not None and not RATING_MIN <= rating <= RATING_MAX:
        raise ValidationError({"rating": _("The rating is from 1 to 5.")})
    with transaction.atomic(), attributed_to(by):
        return Feedback.objects.create(
            customer=customer,
            channel=channel,
            topic=topic,
            text=text,
            rating=rating,
            received_at=received_at or timezone.now(),
        )


def feedback_respond(*, feedback: Feedback, response: str, handled: bool, by: User) -> Feedback:
    """Save the response; mark the feedback handled (with who and when) or in progress.

    While the person's processing is restricted (GDPR Art. 18) the feedback is only stored:
    nobody handles it until the restriction is lifted.
    """
    response = response.strip()
    if handled and not response:
        raise ValidationError(
            {"response": _("Write the response before marking the feedback handled.")}
        )
    with transaction.atomic(), attributed_to(by):
        current = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if current.is_handled:
            raise FeedbackAlreadyHandled
        if current.customer_id is not None:
            check_may_change(customer=current.customer_id, by=by)
        current.response = response
        if handled:
            current.status = FeedbackStatus.HANDLED
            current.handled_by = by
            current.handled_at = timezone.now()
        else:
            current.status = FeedbackStatus.IN_PROGRESS
        current.save(update_fields=["response", "status", "handled_by", "handled_at"])
    return current


def feedback_reopen(*, feedback: Feedback, by: User) -> bool:
    """Take a handled item back into handling (marked handled by mistake, or the customer came
    back); return False if it was not handled. The response stays; the change history keeps
    who handled it and who reopened it."""
    with transaction.atomic(), attributed_to(by):
        current = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if not current.is_handled:
            return False
        if current.customer_id is not None:
            check_may_change(customer=current.customer_id, by=by)
        current.status = FeedbackStatus.IN_PROGRESS
        current.handled_by = None
        current.handled_at = None
        current.save(update_fields=["status", "handled_by", "handled_at"])
    return True


# --- Surveys: deciding and queuing ----------------------------------------------------------------


def invite_to_survey_after_commit(*, call_id: int) -> None:
    """Record the survey decision for a registered call as a job in the current transaction;
    it goes to the broker once that commits (jobs/).

    A broker that is down never fails the call's registration and never loses the decision:
    the job waits in the database and the `publish-waiting-jobs` sweep sends it when the
    broker is back.
    """
    enqueue(INVITE_JOB, call_id)


def may_survey_caller(
    *, phone: str, customer: Customer | None, now: datetime | None = None
) -> bool:
    """Whether this caller may get an SMS survey now: the one decision point.

    First the consents selector (deceased or moved abroad, a survey ban or an objection, a
    restriction, the purpose not in use), then the cap of SURVEY_DAILY_CAP_PER_NUMBER
    invitations to one number a day, then the quiet period: nobody is surveyed again within
    SURVEY_QUIET_DAYS, by this number or as this person.

    A caller no single customer matched (nobody or several people have the number) is surveyed
    only if the purpose needs no consent and none of the people with the number is stopped by
    the selector: a ban of any of them keeps the number out.
    """
    now = now or timezone.now()
    rules = contact_rules.rules()
    if customer is not None:
        if not rules.may_survey(customer):
            return False
    else:
        if not rules.unmatched_callers_surveyable():
            return False
        if not rules.none_stopped(Customer.objects.filter(phone=phone)):
            return False
    # A cap per number per local day, whatever the quiet period says: a telephony client (or
    # its leaked token) reporting calls cannot make the register text one number over and over.
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = SurveyInvitation.objects.surveyed_since(
        day_start, phone=phone, customer_id=None
    ).count()
    if sent_today >= settings.SURVEY_DAILY_CAP_PER_NUMBER:
        return False
    quiet_since = now - timedelta(days=settings.SURVEY_QUIET_DAYS)
    return not SurveyInvitation.objects.surveyed_since(
        quiet_since, phone=phone, customer_id=customer.pk if customer is not None else None
    ).exists()


def _lock_number(phone: str) -> None:
    """Serialise survey decisions for one number until the transaction ends (a
    transaction-level advisory lock through django-pglock, released at commit or rollback)."""
    pglock.advisory(f"pkregister.survey:{phone}", xact=True).acquire()


def survey_invite_for_call(*, call_id: int, now: datetime | None = None) -> SurveyInvitation | None:
    """Create the survey invitation for an inbound customer-service call if the caller may be
    surveyed, and queue its sending; return it, or None when nobody is invited."""
    now = now or timezone.now()
    call = service_calls.find(call_id)
    if call is None or not call.inbound or not call.caller_number:
        return None
    ttl = timedelta(days=settings.SURVEY_INVITATION_TTL_DAYS)
    if call.started_at < now - ttl:
        return None  # an invitation about so old a call would already have expired
    phone = call.caller_number
    with transaction.atomic():
        _lock_number(phone)
        if not may_survey_caller(phone=phone, customer=call.customer, now=now):
            return None
        invitation = SurveyInvitation.objects.create(
            call_id=call.pk,
            customer=call.customer,
            phone=phone,
            created_at=now,
            expires_at=now + ttl,
        )
        enqueue(SEND_JOB, invitation.pk)
    return invitation


# --- Surveys: sending -----------------------------------------------------------------------------


def invitation_text(invitation: SurveyInvitation) -> str:
    """Return the invitation's text (Finnish, the register's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Thank you for calling PK Terveys customer service. How satisfied were you with the "
            "service on a scale of 1 to 5 (5 = very satisfied)? Reply to this message with a "
            "number; you may add a few words. You can answer within {days} days."
        ).format(days=settings.SURVEY_INVITATION_TTL_DAYS)


def survey_send(*, invitation_id: int, final_attempt: bool = False) -> SurveyInvitation | None:
    """Send one invitation unless another worker has it or it is done; return it when sent.

    Raises SmsGatewayError when the gateway failed and another attempt may follow (the
    invitation is back in the queue); on the final attempt it is marked failed instead.
    """
    from feedback.sms import SmsGatewayError

    now = timezone.now()
    claimed = SurveyInvitation.objects.filter(
        pk=invitation_id, status=InvitationStatus.QUEUED
    ).update(status=InvitationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None  # sent, being sent, answered, expired or failed: nothing to do
    invitation = SurveyInvitation.objects.select_related("customer").get(pk=invitation_id)
    # The decision was made when the call came in; a ban or restriction since then still wins.
    if invitation.is_expired(now):
        _finish(invitation, InvitationStatus.EXPIRED)
        return None
    if not _still_allowed(invitation):
        _finish(invitation, InvitationStatus.CANCELLED, error="no longer allowed")
        return None
    message = SmsMessage(
        to=invitation.phone.as_e164,
        body=invitation_text(invitation),
        idempotency_key=str(invitation.idempotency_key),
        sender=settings.SMS_SENDER,
    )
    backend = get_backend()
    try:
        if backend.recipient_setting:
            contact_rules.rules().check_outside_service(
                getattr(settings, backend.recipient_setting)
            )
        message_id = backend.send(message)
    except OutsideServiceNotAllowed as error:
        logger.error("Survey invitation %s not sent: %s", invitation.pk, error)
        _finish(invitation, InvitationStatus.FAILED, error=str(error))
        return None
    except SmsRejected as error:
        _finish(invitation, InvitationStatus.FAILED, error=str(error))
        return None
    except SmsGatewayError as error:
        if final_attempt:
            _finish(invitation, InvitationStatus.FAILED, error=str(error))
            return None
        _finish(invitation, InvitationStatus.QUEUED, error=str(error))
        raise
    SurveyInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
        status=InvitationStatus.SENT, sent_at=timezone.now(), gateway_message_id=message_id[:100]
    )
    invitation.refresh_from_db()
    return invitation


def _still_allowed(invitation: SurveyInvitation) -> bool:
    rules = contact_rules.rules()
    if invitation.customer is not None:
        return rules.may_survey(invitation.customer)
    return rules.none_stopped(Customer.objects.filter(phone=invitation.phone))


def _finish(invitation: SurveyInvitation, status: str, *, error: str = "") -> None:
    """Move a claimed invitation on (it stays until its retention policy removes it, history
    included)."""
    SurveyInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
        status=status, last_error=error[:500]
    )


def send_stuck_invitations(*, now: datetime | None = None) -> int:
    """Queue again the invitations left waiting (a broker outage, a worker killed mid-send);
    expire those past their time. Return how many were queued."""
    now = now or timezone.now()
    before = now - STUCK_AFTER
    SurveyInvitation.objects.filter(
        status__in=[InvitationStatus.QUEUED, InvitationStatus.SENDING, InvitationStatus.SENT],
        expires_at__lte=now,
    ).update(status=InvitationStatus.EXPIRED)
    SurveyInvitation.objects.filter(status=InvitationStatus.SENDING, claimed_at__lt=before).update(
        status=InvitationStatus.QUEUED
    )
    stuck = list(
        SurveyInvitation.objects.filter(
            status=InvitationStatus.QUEUED, created_at__lt=before
        ).values_list("pk", flat=True)[:1000]
    )
    # Through the job outbox: a job no worker started is published again, a job a killed
    # worker left is recorded anew; a broker that is down fails nothing (jobs/ retries).
    for pk in stuck:
        publish_unstarted(SEND_JOB, pk)
    return len(stuck)


# --- Surveys: answers -----------------------------------------------------------------------------

_RATING = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?![0-9])[\s.,:;!)-]*(.*)$", re.DOTALL)


def parse_answer(text: str) -> tuple[int | None, str]:
    """Split an SMS answer into its rating (a leading 1–5) and the words after it."""
    match = _RATING.match(text)
    if match is None:
        return None, text.strip()
    return int(match.group(1)), match.group(2).strip()


class AnswerRefused(Exception):
    """The answer cannot become feedback; `code` says why (API status codes follow it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class AnswerResult:
    invitation: SurveyInvitation
    feedback: Feedback
    created: bool


def survey_answer_receive(
    *,
    message_id: str,
    sender: str,
    text: str,
    by: Actor,
    reference: str = "",
    received_at: datetime | None = None,
) -> AnswerResult:
    """Turn an SMS answer into feedback linked to the invitation's call.

    Idempotent on the gateway's message id: a redelivery returns what the first made. The
    invitation is found by the reference the gateway echoes (our idempotency key), else as the
    latest invitation sent to the sender's number.
    """
    now = timezone.now()
    rating, words = parse_answer(text)
    if rating is None and not words:
        raise AnswerRefused("invalid", _("The answer is empty."))
    with transaction.atomic(), attributed_to(by):
        earlier = (
            SurveyInvitation.objects.select_related("feedback")
            .filter(answer_message_id=message_id)
            .first()
        )
        if earlier is not None:
            return AnswerResult(invitation=earlier, feedback=earlier.feedback, created=False)
        candidates = SurveyInvitation.objects.select_for_update().filter(
            phone=sender, sent_at__isnull=False
        )
        if reference:
            candidates = candidates.filter(idempotency_key=reference)
        invitation = candidates.order_by("-sent_at", "-pk").first()
        if invitation is None:
            raise AnswerRefused("not_found", _("No survey was sent to this number."))
        if invitation.answer_message_id == message_id:
            # A concurrent delivery of this same message answered it while this one waited for
            # the lock: a redelivery gets the same answer, never a conflict.
            feedback = Feedback.objects.get(pk=invitation.feedback_id)
            return AnswerResult(invitation=invitation, feedback=feedback, created=False)
        if invitation.status == InvitationStatus.ANSWERED:
            raise AnswerRefused("answered", _("This survey has already been answered."))
        if invitation.status == InvitationStatus.EXPIRED or invitation.is_expired(now):
            raise AnswerRefused("expired", _("The survey has expired."))
        feedback = Feedback.objects.create(
            customer_id=invitation.customer_id,
            channel=FeedbackChannel.SMS_SURVEY,
            topic=Topic.CUSTOMER_SERVICE,
            text=words,
            rating=rating,
            call_id=invitation.call_id,
            received_at=received_at or now,
        )
        invitation.status = InvitationStatus.ANSWERED
        invitation.feedback = feedback
        invitation.answered_at = now
        invitation.answer_message_id = message_id
        invitation.save(update_fields=["status", "feedback", "answered_at", "answer_message_id"])
    return AnswerResult(invitation=invitation, feedback=feedback, created=True)


# --- Website visits, collected under the analytics consent they rest on (notice §7, §13) -----


def visits_delete_collected_under(*, consent_id: int) -> int:
    """Delete the visits collected under an analytics consent that is being withdrawn (inside
    the withdrawal's transaction, which holds the consent locked); return how many."""
    deleted, _by_model = WebsiteVisit.objects.filter(consent_id=consent_id).delete()
    return deleted


@dataclass(frozen=True)
class VisitsStored:
    stored: int
    ignored: int  # visits of visitors without analytics consent in force


def visits_store(*, rows: list[dict], by: ApiClient) -> VisitsStored:
    """Store the visits (validated rows with a `visitor_id`) of visitors whose analytics consent
    is in force, each under that consent; leave out the others. One query finds and locks the
    batch's consents (in id order, so two batches never deadlock), so that a withdrawal running
    meanwhile either waits for this batch and then deletes its visits, or is seen here."""
    with transaction.atomic():
        in_force = analytics_consent.lock_in_force(row["visitor_id"] for row in rows)
        kept = [
            {**row, "consent_id": in_force[row["visitor_id"]]}
            for row in rows
            if row["visitor_id"] in in_force
        ]
        stored = WebsiteVisit.objects.insert_batch(kept, received_from=by.pk) if kept else 0
    return VisitsStored(stored=stored, ignored=len(rows) - len(kept))
