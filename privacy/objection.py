"""Objection (GDPR Art. 21, notice §12): what it stops, decided once per purpose of notice §5,
and the one selector every processing of the register asks.

The rules are data (`OBJECTION_RULES`): for each processing of §5 whether a person's objection
stops it at once, and why. Direct marketing, profiling for it (choosing an audience), market
research and surveys always stop (Art. 21(2)-(3)); so do analysis, grouping, the reports and the
key-account programme, since nothing there is needed to serve the person. What the contract or
the law needs goes on, and the customer page says so.

The objection itself is recorded in the consent ledger (a `consents.Ban` of kind objection), a
layer above this one; the ledger registers where objections in force are (`register_objections`)
so that the register below it (customers' reports) leaves objectors out without importing it.
A restriction of processing (Art. 18) stops every processing here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from privacy.declarations import Purpose
from privacy.models import Restriction


class Processing(models.TextChoices):
    """What an objection is judged against: the purposes of notice §5, with direct marketing
    and surveys told apart from the customer relationship and feedback they belong to."""

    DIRECT_MARKETING = "marketing", _("Direct marketing and profiling for it")
    SURVEYS = "surveys", _("Market research, opinion and satisfaction surveys")
    ANALYSIS = "analysis", _("Analysis, grouping and reports; key-account programme")
    CUSTOMER_SERVICE = (
        "service",
        _("Customer contact and service, and communication about the services used"),
    )
    FEEDBACK = "feedback", _("Handling feedback the person gives")
    CALL_RECORDINGS = "call_recordings", _("Call recordings")


@dataclass(frozen=True)
class ObjectionRule:
    """Whether an objection stops one processing, and why."""

    processing: Processing
    purposes: tuple[Purpose, ...]  # the §5 purposes the processing belongs to
    stops: bool
    reason: Promise


OBJECTION_RULES: tuple[ObjectionRule, ...] = (
    ObjectionRule(
        Processing.DIRECT_MARKETING,
        (Purpose.RELATIONSHIP,),
        True,
        _("Always and at once (GDPR Art. 21(3)): the person is in no marketing audience."),
    ),
    ObjectionRule(
        Processing.SURVEYS,
        (Purpose.MARKET_RESEARCH, Purpose.FEEDBACK),
        True,
        _("At once: the person gets no survey and is in no research audience."),
    ),
    ObjectionRule(
        Processing.ANALYSIS,
        (Purpose.ANALYSIS,),
        True,
        _(
            "At once: the person is not counted in the reports (groups, cities, key accounts) "
            "and is not added to groups."
        ),
    ),
    ObjectionRule(
        Processing.CUSTOMER_SERVICE,
        (Purpose.CUSTOMER_CONTACT, Purpose.RELATIONSHIP),
        False,
        _("Goes on: the services the person uses cannot be provided without it (notice §14)."),
    ),
    ObjectionRule(
        Processing.FEEDBACK,
        (Purpose.FEEDBACK,),
        False,
        _("Goes on: feedback the person gives is handled as they asked."),
    ),
    ObjectionRule(
        Processing.CALL_RECORDINGS,
        (Purpose.CALL_QUALITY,),
        False,
        _(
            "Goes on: a recording is kept 30 days and listened to only for a stated purpose, "
            "complaint investigation among them."
        ),
    ),
)

_RULES = {rule.processing: rule for rule in OBJECTION_RULES}


def objection_stops(processing: Processing | str) -> bool:
    """Whether a person's objection stops the processing."""
    return _RULES[Processing(processing)].stops


def stopped_by_objection() -> list[ObjectionRule]:
    return [rule for rule in OBJECTION_RULES if rule.stops]


def going_on_despite_objection() -> list[ObjectionRule]:
    return [rule for rule in OBJECTION_RULES if not rule.stops]


# Where objections in force are recorded: each source returns a queryset of rows with a
# `customer` foreign key, one per person whose objection is in force.
ObjectionSource = Callable[[], QuerySet]
_sources: list[ObjectionSource] = []


def register_objections(source: ObjectionSource) -> None:
    """Tell the register where objections in force are (an app's AppConfig.ready)."""
    if source not in _sources:
        _sources.append(source)


def processable(people: QuerySet, *, processing: Processing | str) -> QuerySet:
    """Return the people (a Customer queryset) whose data may be used for the processing:
    processing not restricted, and no objection in force that stops it."""
    restricted = Restriction.objects.in_force().filter(customer=OuterRef("pk"))
    people = people.filter(~Exists(restricted))
    if objection_stops(processing):
        for source in _sources:
            people = people.filter(~Exists(source().filter(customer=OuterRef("pk"))))
    return people


def objection_stops_for(customer_id: int, *, processing: Processing | str) -> bool:
    """Whether the person has an objection in force that stops the processing."""
    return objection_stops(processing) and any(
        source().filter(customer=customer_id).exists() for source in _sources
    )
