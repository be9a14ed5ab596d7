"""The purposes the register starts with (notice §5, §13), each with its first wording.

Created after every `migrate` when missing (like the roles); the privacy officer adds purposes
and new wording versions in the admin, and nothing here overwrites them.
"""

from __future__ import annotations

from django.db import transaction

from consents.models import Activity, ConsentPurpose, ConsentWording, ContactChannel

# (code, name, activity, channel, requires consent, first wording)
STARTING_PURPOSES = [
    (
        "email-marketing",
        "Sähköinen suoramarkkinointi sähköpostitse",
        Activity.MARKETING,
        ContactChannel.EMAIL,
        True,
        "Haluan saada PK Terveydeltä sähköpostitse tietoa palveluista, tarjouksista ja "
        "tapahtumista. Voin peruuttaa suostumukseni milloin tahansa.",
    ),
    (
        "sms-marketing",
        "Sähköinen suoramarkkinointi tekstiviestillä",
        Activity.MARKETING,
        ContactChannel.SMS,
        True,
        "Haluan saada PK Terveydeltä tekstiviestillä tietoa palveluista, tarjouksista ja "
        "tapahtumista. Voin peruuttaa suostumukseni milloin tahansa.",
    ),
    (
        "newsletter",
        "Uutiskirje",
        Activity.MARKETING,
        ContactChannel.EMAIL,
        True,
        "Tilaan PK Terveyden uutiskirjeen sähköpostiini. Voin perua tilauksen milloin tahansa.",
    ),
    (
        "market-research",
        "Markkinatutkimuksiin osallistuminen",
        Activity.SURVEY,
        "",
        True,
        "PK Terveys tai sen lukuun toimiva tutkimuskumppani saa pyytää minua osallistumaan "
        "markkinatutkimuksiin ja mielipidekyselyihin. Voin peruuttaa suostumukseni milloin "
        "tahansa.",
    ),
    (
        "satisfaction-survey",
        "Tyytyväisyyskysely asiakaspalvelun jälkeen",
        Activity.SURVEY,
        ContactChannel.SMS,
        False,
        "Asiakaspalveluun puhelimitse yhteyttä ottaneille voidaan lähettää tekstiviestillä "
        "kysely asiakastyytyväisyyden selvittämiseksi. Kyselykielto estää kyselyt.",
    ),
]


def ensure_starting_purposes() -> int:
    """Create the starting purposes that are missing, each with wording v1; return how many."""
    created_count = 0
    with transaction.atomic():
        for position, (code, name, activity, channel, requires, text) in enumerate(
            STARTING_PURPOSES, 1
        ):
            purpose, created = ConsentPurpose.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "activity": activity,
                    "channel": channel,
                    "requires_consent": requires,
                    "position": position,
                },
            )
            if created:
                ConsentWording.objects.create(purpose=purpose, version=1, text=text)
                created_count += 1
    return created_count
