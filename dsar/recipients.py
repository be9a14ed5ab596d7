"""Telling the recipients (GDPR Art. 19): after a rectification, erasure or restriction, every
recipient that received the person's data (from the disclosure log) is told, or the request
records why that was impossible or would take disproportionate effort. Once per recipient."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.history import attributed_to
from consents.models import Recipient
from dsar.models import (
    DataSubjectRequest,
    NotificationOutcome,
    RecipientNotification,
    RequestType,
    SendMethod,
    WorkflowError,
)

NOTIFYING_TYPES = frozenset(
    {RequestType.RECTIFICATION, RequestType.ERASURE, RequestType.RESTRICTION}
)


def applies(dsar: DataSubjectRequest) -> bool:
    return bool(NOTIFYING_TYPES & set(dsar.types))


def recipients_of(dsar: DataSubjectRequest) -> list[Recipient]:
    """The recipients of the person's data: from the disclosure log while the person is in the
    register, from the erasure preview after they were erased."""
    ids: set[int] = set()
    if dsar.customer_id is not None:
        ids |= set(
            Recipient.objects.filter(disclosures__subjects=dsar.customer_id).values_list(
                "pk", flat=True
            )
        )
    for plan_ids in dsar.erasure_plans.values_list("recipient_ids", flat=True):
        ids |= set(plan_ids)
    return list(Recipient.objects.filter(pk__in=ids).order_by("name"))


def pending(dsar: DataSubjectRequest) -> list[Recipient]:
    done = set(dsar.notifications.values_list("recipient_id", flat=True))
    return [r for r in recipients_of(dsar) if r.pk not in done]


def record(
    *,
    dsar: DataSubjectRequest,
    recipient: Recipient,
    outcome: str,
    by,
    sent_on: date | None = None,
    method: str = "",
    reason: str = "",
) -> RecipientNotification:
    """Record that the recipient was told (date, method), or why not (reason)."""
    from dsar.services import record_action

    if not applies(dsar):
        raise WorkflowError(_("Recipients are told of a rectification, erasure or restriction."))
    if recipient not in recipients_of(dsar):
        raise ValidationError({"recipient": _("This recipient has not received the data.")})
    reason = reason.strip()
    if outcome == NotificationOutcome.SENT:
        if sent_on is None or method not in SendMethod.values:
            raise ValidationError({"sent_on": _("Give the day and how it was sent.")})
        if sent_on > timezone.localdate():
            raise ValidationError({"sent_on": _("The day cannot be in the future.")})
        reason = ""
    elif outcome in NotificationOutcome.values:
        if not reason:
            raise ValidationError({"reason": _("Say why the recipient is not told.")})
        sent_on, method = None, ""
    else:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    try:
        with transaction.atomic(), attributed_to(by):
            notification = RecipientNotification.objects.create(
                request=dsar,
                recipient=recipient,
                outcome=outcome,
                sent_on=sent_on,
                method=method,
                reason=reason,
                recorded_by=by,
            )
            record_action(
                dsar=dsar,
                text=_("Recipient %(name)s: %(outcome)s %(detail)s")
                % {
                    "name": recipient.name,
                    "outcome": NotificationOutcome(outcome).label,
                    "detail": f"{sent_on:%d.%m.%Y}" if sent_on else reason,
                },
                by=by,
            )
    except IntegrityError as error:
        raise WorkflowError(_("This recipient's notification is already recorded.")) from error
    return notification
