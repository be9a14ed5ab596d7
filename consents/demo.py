"""Invented demo consents, bans, a restriction, recipients and disclosures for `make run`."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from accounts.demo import DemoLoader, register_demo_loader
from consents.audiences import AudienceFilters
from consents.models import (
    STAFF_CHANNELS,
    BanKind,
    ConsentPurpose,
    ContactChannel,
    ExportFormat,
    Recipient,
    RecipientKind,
)
from consents.services import (
    audience_export_request,
    audience_export_run,
    ban_record,
    consent_give,
    consent_withdraw,
    disclosure_record,
)
from customers.models import Customer
from privacy.declarations import Basis, Category
from privacy.restriction import restriction_set

RECIPIENTS = [
    (
        "Karjalan Postituspalvelu Oy",
        RecipientKind.PROCESSOR,
        "Sähköposti- ja kirjepostitukset",
        date(2024, 2, 1),
        "FI",
    ),
    (
        "Tekstiviestipalvelu Pohjola Oy",
        RecipientKind.PROCESSOR,
        "Tekstiviestit ja -kyselyt",
        date(2024, 5, 15),
        "FI",
    ),
    ("Norden Research AB", RecipientKind.PROCESSOR, "Markkinatutkimukset", date(2025, 1, 10), "SE"),
    # Processes data in the United States: registered, but never offered for a disclosure.
    ("Cloud Mailer Inc.", RecipientKind.PROCESSOR, "Sähköpostipalvelu", date(2023, 9, 1), "US"),
    ("Itä-Suomen poliisilaitos", RecipientKind.AUTHORITY, "", None, "FI"),
    ("Kansaneläkelaitos (Kela)", RecipientKind.AUTHORITY, "", None, "FI"),
]
# (purpose code, share of people who gave consent)
CONSENT_SHARES = [
    ("email-marketing", 0.55),
    ("sms-marketing", 0.30),
    ("newsletter", 0.20),
    ("market-research", 0.15),
]
WITHDRAWN_SHARE = 0.10
BAN_SHARES = [
    (BanKind.DIRECT_MARKETING, 0.05),
    (BanKind.SURVEYS, 0.03),
    (BanKind.TELEMARKETING, 0.02),
    (BanKind.OBJECTION, 0.01),
]


def load_demo_choices(*, seed: int = 2018) -> int:
    """Add the demo choices to a freshly loaded demo register; return how many events."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    clerk = User.objects.get(username="asiakaspalvelu")
    officer = User.objects.get(username="tietosuoja")
    marketer = User.objects.get(username="markkinointi")
    recipients = {
        name: Recipient.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "service": service, "dpa_signed_on": dpa, "country": country},
        )[0]
        for name, kind, service, dpa, country in RECIPIENTS
    }
    purposes = {p.code: p for p in ConsentPurpose.objects.all()}
    people = list(Customer.objects.order_by("pk"))
    events = 0
    for person in people:
        for code, share in CONSENT_SHARES:
            if rng.random() >= share:
                continue
            channel = rng.choice(STAFF_CHANNELS)
            consent_give(customer=person, purpose=purposes[code], channel=channel, by=clerk)
            events += 1
            if rng.random() < WITHDRAWN_SHARE:
                consent_withdraw(customer=person, purpose=purposes[code], channel=channel, by=clerk)
                events += 1
        for kind, share in BAN_SHARES:
            if rng.random() < share:
                ban_record(
                    customer=person,
                    kind=kind,
                    channel=rng.choice(STAFF_CHANNELS),
                    started_on=timezone.localdate() - timedelta(days=rng.randint(0, 400)),
                    by=clerk,
                )
    restricted, asked_about = people[7], people[11]
    restriction_set(
        customer=restricted,
        reason="Asiakas kiistää osoitetietojensa paikkansapitävyyden; tarkistus kesken.",
        by=officer,
    )
    disclosure_record(
        recipient=recipients["Itä-Suomen poliisilaitos"],
        basis=Basis.LEGAL_OBLIGATION,
        mandate="Poliisilaki 872/2011, 4 luku 3 §",
        request_reference="ISPL-2026-4471",
        categories=[Category.BASIC],
        subjects=[asked_about.pk],
        description="Nimi, osoite ja puhelinnumero.",
        by=officer,
    )
    export = audience_export_request(
        purpose=purposes["email-marketing"],
        channel=ContactChannel.EMAIL,
        filters=AudienceFilters(),
        recipient=recipients["Karjalan Postituspalvelu Oy"],
        fmt=ExportFormat.CSV,
        by=marketer,
    )
    audience_export_run(export_id=export.pk)
    return events


register_demo_loader(DemoLoader(order=20, load=load_demo_choices))
