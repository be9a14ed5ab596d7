"""Restriction (GDPR Art. 18, privacy's own services) and objection (Art. 21, the consent
ledger's bans) set from a request. An objection to direct marketing takes effect at once
(Art. 21(3)): the ban is in force from the moment it is recorded. Lifting a restriction informs
the person first (Art. 18(3)): the request's letter about it must have been sent."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.history import attributed_to
from consents import services as consent_services
from consents.models import BanKind
from consents.models import Channel as ConsentChannel
from dsar.models import Channel, DataSubjectRequest, LetterKind, RequestType, WorkflowError
from privacy import restriction as restriction_services

# How the request reached us, in the consent ledger's words.
_LEDGER_CHANNEL = {
    Channel.LETTER: ConsentChannel.LETTER,
    Channel.OFFICE: ConsentChannel.OFFICE,
    Channel.EMAIL: ConsentChannel.EMAIL,
    Channel.WEBSITE: ConsentChannel.WEB,
}
OBJECTIONS = {
    BanKind.DIRECT_MARKETING: gettext_lazy("direct marketing"),
    BanKind.OBJECTION: gettext_lazy("other processing"),
}


def _ready(dsar: DataSubjectRequest, kind: RequestType) -> None:
    dsar.require_open()
    dsar.require_identity()
    if kind not in dsar.types:
        raise WorkflowError(
            _("The request does not ask for this: %(kind)s.") % {"kind": RequestType(kind).label}
        )
    if dsar.customer_id is None:
        raise WorkflowError(_("Match the request to a customer first."))


def restrict(*, dsar: DataSubjectRequest, reason: str, by) -> None:
    """Restrict the person's processing at their request."""
    from dsar.services import action_done, record_action

    _ready(dsar, RequestType.RESTRICTION)
    with transaction.atomic(), attributed_to(by):
        record_action(dsar=dsar, text=_("Processing restricted: %s") % reason.strip(), by=by)
        restriction_services.restriction_set(
            customer=dsar.customer, reason=f"{dsar.reference}: {reason.strip()}", by=by
        )
        action_done(dsar, RequestType.RESTRICTION, reason.strip(), by)


def lift_restriction(*, dsar: DataSubjectRequest, reason: str, by) -> None:
    """Lift the restriction, once the person has been told (Art. 18(3))."""
    from dsar.services import record_action

    _ready(dsar, RequestType.RESTRICTION)
    if not dsar.letters.filter(kind=LetterKind.RESTRICTION_LIFT, sent_on__isnull=False).exists():
        raise WorkflowError(
            _("Tell the person first: create and send the letter about lifting the restriction.")
        )
    with transaction.atomic(), attributed_to(by):
        lifted = restriction_services.restriction_lift(
            customer=dsar.customer, reason=f"{dsar.reference}: {reason.strip()}", by=by
        )
        if lifted is None:
            raise WorkflowError(_("No restriction is in force."))
        record_action(dsar=dsar, text=_("Restriction lifted: %s") % reason.strip(), by=by)


def object_to(*, dsar: DataSubjectRequest, kinds: list[str], by) -> list[str]:
    """Record the person's objection as bans in force from now; return what was recorded."""
    from dsar.services import action_done, record_action

    _ready(dsar, RequestType.OBJECTION)
    recorded = []
    with transaction.atomic(), attributed_to(by):
        for kind in kinds:
            if kind not in OBJECTIONS:
                raise WorkflowError(_("Choose what the person objects to."))
            _ban, new = consent_services.ban_record(
                customer=dsar.customer,
                kind=kind,
                channel=_LEDGER_CHANNEL.get(dsar.channel, ConsentChannel.LETTER),
                note=dsar.reference,
                by=by,
            )
            recorded.append(str(OBJECTIONS[kind]))
            record_action(
                dsar=dsar,
                text=_("Objection recorded (%(what)s), in force at once.")
                % {"what": OBJECTIONS[kind]},
                by=by,
            )
        action_done(dsar, RequestType.OBJECTION, ", ".join(recorded), by)
    return recorded
