"""What breaches/ holds about people, declared once (DESIGN.md, contract 1), with the retention
of closed breaches.

The affected-people lists and the notices sent are personal data: who was involved in which
breach. The breach itself, its timeline and its notifications to the Ombudsman describe an event
and name no customer; they are kept as the documentation GDPR Art. 33(5) requires, for
BREACH_RETENTION_YEARS calendar years after the breach is closed, then deleted with everything
that belongs to them.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    Anonymise,
    Basis,
    Category,
    PersonalData,
    Purpose,
    Source,
    declare,
    not_personal,
)
from privacy.retention import RetentionPolicy

CLOSED_BREACHES = RetentionPolicy(
    name="closed-breaches",
    title=_("Closed personal-data breaches"),
    model="breaches.Breach",
    age_field="closed_at",
    period=relativedelta(years=settings.BREACH_RETENTION_YEARS),
    batch_size=100,
    scope="closed",
    description=_(
        "A closed personal-data breach is deleted, with its affected people, notices and "
        "timeline, when its retention period after closing has ended."
    ),
)

declare(
    PersonalData(
        model="breaches.AffectedPerson",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.RELATIONSHIP,),
        # GDPR Art. 33(5) (documenting every breach) and Art. 34 (telling the people).
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="customer",
        retention=CLOSED_BREACHES,
        # The breach's numbers must stay right: the row stays, without the person.
        erasure=Anonymise(fields=("customer",)),
        description="Who a personal-data breach involved, and what of theirs.",
        keeps_person=False,
        keeps_person_reason="Being involved in a breach is no reason to keep anyone in the "
        "register; the breach's documentation keeps the count.",
    )
)
declare(
    PersonalData(
        model="breaches.PersonNotification",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.CUSTOMER_CONTACT,),
        basis=Basis.LEGAL_OBLIGATION,  # GDPR Art. 34
        sources=(Source.STAFF,),
        subject_path="affected__customer",
        retention=CLOSED_BREACHES,
        erasure=Anonymise(fields=("sent_to",)),
        description="The notice of a breach sent to one person: how, when and to which address.",
        keeps_person=False,
        keeps_person_reason="A notice already sent is no reason to keep the person.",
    )
)

not_personal(
    "breaches.Breach",
    reason="The breach as an event: what happened, the risk, the decisions and the numbers. "
    "People are only in its affected-people list.",
)
not_personal(
    "breaches.AuthorityNotification",
    reason="What was sent to the Ombudsman: the Art. 33(3) items, with numbers, not people.",
)
not_personal(
    "breaches.TimelineEntry",
    reason="Steps of a breach: field names, states, counts and case numbers only.",
)
