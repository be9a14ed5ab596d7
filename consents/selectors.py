"""Who may be contacted, and what one person has chosen.

`contactable()` is the one selector every outgoing path goes through: marketing audience exports
(consents.audiences), SMS surveys (`may_survey`) and any later mailing. It leaves out everyone
who is deceased or has moved abroad, has a ban that stops the purpose through the channel, has
processing restricted, or lacks consent in force where the purpose needs consent, and everyone
without the contact detail the channel needs. A ban or a restriction beats any consent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.models import (
    STAFF_CHANNELS,
    Ban,
    BanKind,
    ConsentPurpose,
    ConsentState,
    ConsentWording,
    ContactChannel,
    Disclosure,
    Recipient,
    RecipientKind,
)
from customers.contact_rules import OutsideServiceNotAllowed
from customers.models import Customer, CustomerQuerySet, LifeStatus
from privacy.models import Restriction
from privacy.objection import ObjectionRule, going_on_despite_objection, stopped_by_objection
from privacy.restriction import restriction_of

# The contact detail each channel needs; a person without it can't be reached that way.
CONTACT_FIELDS = {
    ContactChannel.EMAIL: "email",
    ContactChannel.SMS: "phone",
    ContactChannel.PHONE: "phone",
    ContactChannel.LETTER: "street_address",
}

# Purpose codes the code itself refers to (the rows come from consents/migrations/0002).
EMAIL_MARKETING = "email-marketing"
SMS_MARKETING = "sms-marketing"
MARKET_RESEARCH = "market-research"
NEWSLETTER = "newsletter"
SATISFACTION_SURVEY = "satisfaction-survey"


def resolve_purpose(purpose: ConsentPurpose | str) -> ConsentPurpose:
    """Return the purpose for a code (or the purpose itself)."""
    if isinstance(purpose, ConsentPurpose):
        return purpose
    return ConsentPurpose.objects.get(code=purpose)


def contactable(
    *,
    purpose: ConsentPurpose | str,
    channel: ContactChannel | str,
    customers: CustomerQuerySet | None = None,
) -> CustomerQuerySet:
    """Return the people who may be contacted for the purpose through the channel.

    `customers` narrows the result (one person, an audience's filters); it never widens it.
    Raises ValueError for a channel the purpose does not cover.
    """
    purpose = resolve_purpose(purpose)
    if channel not in ContactChannel.values:
        raise ValueError(f"Unknown contact channel {channel!r}.")
    if not purpose.covers(channel):
        raise ValueError(f"The purpose {purpose.code} does not cover the channel {channel}.")
    people = customers if customers is not None else Customer.objects.all()
    if not purpose.is_active:
        return people.none()
    bans = Ban.objects.in_force().filter(
        customer=OuterRef("pk"), kind__in=purpose.blocking_bans(channel)
    )
    restricted = Restriction.objects.in_force().filter(customer=OuterRef("pk"))
    people = people.filter(life_status=LifeStatus.ACTIVE).exclude(
        **{CONTACT_FIELDS[ContactChannel(channel)]: ""}
    )
    people = people.filter(~Exists(bans), ~Exists(restricted))
    if purpose.needs_consent_through(channel):
        consent = ConsentState.objects.in_force().filter(customer=OuterRef("pk"), purpose=purpose)
        people = people.filter(Exists(consent))
    return people


def may_contact(
    customer: Customer, *, purpose: ConsentPurpose | str, channel: ContactChannel | str
) -> bool:
    """Whether one person may be contacted for the purpose through the channel, decided by
    the same selector as every audience."""
    one = Customer.objects.filter(pk=customer.pk)
    return contactable(purpose=purpose, channel=channel, customers=one).exists()


def may_survey(
    customer: Customer,
    *,
    channel: ContactChannel | str = ContactChannel.SMS,
    purpose: ConsentPurpose | str = SATISFACTION_SURVEY,
) -> bool:
    """Whether the person may get a satisfaction survey (by text message unless told)."""
    return may_contact(customer, purpose=purpose, channel=channel)


# --- One person's choices, for their page ---------------------------------------------------------


@dataclass(frozen=True)
class PurposeLine:
    """One purpose and the person's consent for it."""

    purpose: ConsentPurpose
    given: bool | None  # None: never recorded
    since: datetime | None
    version: int | None
    current_version: int | None
    blocked: bool = False  # a ban or a restriction stops the purpose whatever the consent

    @property
    def outdated(self) -> bool:
        """Whether the consent in force was given to an older wording than the current one."""
        if not (self.given and self.version and self.current_version):
            return False
        return self.version < self.current_version


@dataclass(frozen=True)
class CustomerChoices:
    purposes: list[PurposeLine]
    bans: list[Ban]
    restriction: Restriction | None

    @property
    def restricted(self) -> bool:
        return self.restriction is not None

    @property
    def in_force(self) -> list[PurposeLine]:
        """Return the purposes the person's consent is in force for."""
        return [line for line in self.purposes if line.purpose.requires_consent and line.given]

    @property
    def ban_kinds(self) -> set[str]:
        return {ban.kind for ban in self.bans}

    @property
    def objection(self) -> Ban | None:
        """The person's objection in force, if any."""
        return next((ban for ban in self.bans if ban.kind == BanKind.OBJECTION), None)

    @property
    def objection_stops(self) -> list[ObjectionRule]:
        """What the person's objection stops (privacy.objection), for their page."""
        return stopped_by_objection()

    @property
    def objection_leaves(self) -> list[ObjectionRule]:
        """What goes on despite an objection, and why."""
        return going_on_despite_objection()

    @property
    def free_ban_kinds(self) -> list[tuple[str, str]]:
        """Return (value, label) of the kinds of ban the person does not have yet."""
        return [(value, label) for value, label in BanKind.choices if value not in self.ban_kinds]

    @property
    def staff_channels(self) -> list[tuple[str, str]]:
        return [(channel.value, channel.label) for channel in STAFF_CHANNELS]


def purposes_with_state(customer: Customer) -> list[PurposeLine]:
    """Return every purpose in use with the person's consent state, in one query."""
    state = ConsentState.objects.filter(customer=customer.pk, purpose=OuterRef("pk"))
    latest = ConsentWording.objects.filter(purpose=OuterRef("pk")).order_by("-version")
    purposes = ConsentPurpose.objects.active().annotate(
        state_given=Subquery(state.values("given")[:1]),
        state_since=Subquery(state.values("changed_at")[:1]),
        state_version=Subquery(state.values("wording__version")[:1]),
        current_version=Subquery(latest.values("version")[:1]),
    )
    return [
        PurposeLine(
            purpose=purpose,
            given=purpose.state_given,
            since=purpose.state_since,
            version=purpose.state_version,
            current_version=purpose.current_version,
        )
        for purpose in purposes
    ]


def disclosures_of(customer: Customer) -> QuerySet[Disclosure]:
    """Return every disclosure of the person's data, newest first."""
    return (
        Disclosure.objects.filter(subjects=customer)
        .select_related("recipient", "disclosed_by")
        .order_by("-disclosed_at", "-pk")
    )


def customer_choices(customer: Customer) -> CustomerChoices:
    """Return the person's consents, bans in force and restriction in three queries, whatever
    their number. (The disclosures are a list of the customer page: consents.sections.)"""
    bans = list(
        Ban.objects.in_force()
        .filter(customer=customer)
        .select_related("recorded_by", "recorded_by_client")
        .order_by("kind")
    )
    restriction = restriction_of(customer)
    kinds = {ban.kind for ban in bans}
    purposes = [
        replace(
            line,
            blocked=restriction is not None
            or bool(kinds & set(line.purpose.blocking_bans(line.purpose.channel))),
        )
        for line in purposes_with_state(customer)
    ]
    return CustomerChoices(
        purposes=purposes,
        bans=bans,
        restriction=restriction,
    )


def new_address_bans(effective_on: dict[int, date]) -> set[int]:
    """Return the people (of {customer id: effective date}) for whom an address-service
    direct-marketing ban would be new: none in force, and none lifted on or after that date,
    so that an old file never brings back a ban the person has since lifted."""
    if not effective_on:
        return set()
    existing = Ban.objects.filter(
        customer__in=list(effective_on), kind=BanKind.DIRECT_MARKETING
    ).values_list("customer_id", "lifted_at")
    blocked = set()
    for customer_id, lifted_at in existing:
        if lifted_at is None or timezone.localtime(lifted_at).date() >= effective_on[customer_id]:
            blocked.add(customer_id)
    return set(effective_on) - blocked


# --- Outside services that receive personal data (notice §9, §10) --------------------------------


def outside_service_recipient(name: str) -> Recipient:
    """Return the register's recipient of that name for an outside service, or raise
    OutsideServiceNotAllowed saying why the register may not send it anything."""
    if not name:
        raise OutsideServiceNotAllowed(
            _("The service names no recipient of the recipients register.")
        )
    recipient = Recipient.objects.filter(name=name).first()
    if recipient is None:
        raise OutsideServiceNotAllowed(
            _("%(name)s is not in the recipients register.") % {"name": name}
        )
    if recipient.kind != RecipientKind.PROCESSOR or recipient.dpa_signed_on is None:
        raise OutsideServiceNotAllowed(
            _("%(name)s has no data-processing agreement.") % {"name": name}
        )
    if not recipient.may_receive:
        raise OutsideServiceNotAllowed(
            _("%(name)s is not in use or processes data outside the EU/EEA.") % {"name": name}
        )
    return recipient
