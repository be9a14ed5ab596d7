"""What dsar/ holds about people, declared once (DESIGN.md, contract 1), with the retention of
closed requests: kept DSAR_RETENTION_YEARS (5) years after closing, for accountability (GDPR
Art. 5(2)), then erased with their pauses, timeline, documents and letters."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    Basis,
    Category,
    Delete,
    Keep,
    PersonalData,
    Purpose,
    Source,
    declare,
    not_personal,
)
from privacy.retention import RetentionPolicy

CLOSED_REQUESTS = RetentionPolicy(
    name="data-subject-requests",
    title=_("Closed data-subject requests"),
    model="dsar.DataSubjectRequest",
    age_field="closed_at",
    # Calendar years from the day the request closed, counted like the other calendar periods.
    period=relativedelta(years=settings.DSAR_RETENTION_YEARS),
    action=Delete(),
    batch_size=1_000,
    scope="closed",
    description=_(
        "Closed data-subject requests are deleted, with their documents and letters, "
        "5 years after closing (DSAR_RETENTION_YEARS)."
    ),
)

# An access package holds a copy of everything about the person: it goes 30 days after its
# request closed (issue #11), and with the person when they are erased.
PACKAGES_30_DAYS = RetentionPolicy(
    name="access-packages",
    title=_("Access packages"),
    model="dsar.AccessPackage",
    age_field="request_closed_at",
    period=timedelta(days=30),
    action=Delete(),
    batch_size=100,
    description=_("Access packages are deleted 30 days after their request closed."),
)

# Erasing the person keeps the record of how their request was answered: the controller must be
# able to show it answered (GDPR Art. 5(2), 12). The request is unlinked from the person and
# goes with its own retention policy.
KEPT_FOR_ACCOUNTABILITY = Keep(
    duty="GDPR Art. 5(2) ja 12: rekisteröidyn pyynnön käsittelyn osoittaminen",
    period=f"{settings.DSAR_RETENTION_YEARS} vuotta pyynnön sulkemisesta",
)

_COMMON = {
    "category": Category.CHOICES,
    "purposes": (Purpose.RELATIONSHIP,),
    "basis": Basis.LEGAL_OBLIGATION,
    "sources": (Source.DATA_SUBJECT, Source.STAFF, Source.WEBSITE),
    "retention": CLOSED_REQUESTS,
    "erasure": KEPT_FOR_ACCOUNTABILITY,
}

declare(
    PersonalData(
        model="dsar.DataSubjectRequest",
        subject_path="customer",
        description="Written data-subject requests: the requester as written, what was asked, "
        "dates, identity check (the method, never a copy), deadline and outcome.",
        keeps_person_scope="open",
        **_COMMON,
        contact_field="registered_at",
    )
)
declare(
    PersonalData(
        model="dsar.RequestPause",
        subject_path="request__customer",
        description="Pauses of a request's deadline: dates and reason.",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
        **_COMMON,
    )
)
declare(
    PersonalData(
        model="dsar.TimelineEntry",
        subject_path="request__customer",
        description="A request's timeline: every step, who and when.",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
        history=False,
        history_reason="Append-only: a trigger refuses updates and deletes, and each entry names "
        "who wrote it.",
        **_COMMON,
    )
)
declare(
    PersonalData(
        model="dsar.RequestDocument",
        subject_path="request__customer",
        description="Scanned documents of a request (PDF, JPEG, PNG).",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
        **_COMMON,
    )
)
declare(
    PersonalData(
        model="dsar.RequestLetter",
        subject_path="request__customer",
        description="Letters to the requester, as PDF, and when and how they were sent.",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
        **_COMMON,
    )
)
declare(
    PersonalData(
        model="dsar.AccessPackage",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="request__customer",
        retention=PACKAGES_30_DAYS,
        erasure=Delete(),
        description="The copy of the person's data an access request gave them (a zip file).",
        keeps_person=False,
        keeps_person_reason="A copy for the person; their request keeps them while open.",
    )
)
declare(
    PersonalData(
        model="dsar.WithheldItem",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="package__request__customer",
        retention=PACKAGES_30_DAYS,
        erasure=Delete(),
        description="Items left out of an access package, with the reason (Art. 15(4)).",
        keeps_person=False,
        keeps_person_reason="Part of its package.",
    )
)
not_personal(
    "dsar.ErasurePlan",
    reason="What an erasure will do and did: model names and counts, never the person's data.",
)
declare(
    PersonalData(
        model="dsar.RecipientNotification",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="request__customer",
        retention=CLOSED_REQUESTS,
        erasure=KEPT_FOR_ACCOUNTABILITY,
        description="Which recipients were told of a rectification, erasure or restriction "
        "(GDPR Art. 19), when and how, or why not.",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
    )
)
declare(
    PersonalData(
        model="dsar.ActionOutcome",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="request__customer",
        retention=CLOSED_REQUESTS,
        erasure=KEPT_FOR_ACCOUNTABILITY,
        description="What became of each thing a request asked for: done, or refused with the "
        "reason.",
        keeps_person=False,
        keeps_person_reason="Part of its request, which keeps the person while open.",
    )
)
