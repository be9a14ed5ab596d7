"""What privacy/ holds, declared once (DESIGN.md, contract 1): restrictions of processing;
nothing else about people."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    RetentionPolicy,
    Source,
    declare,
    not_personal,
    policies,
)

declare(
    PersonalData(
        model="privacy.Restriction",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP,),
        basis=Basis.LEGAL_OBLIGATION,  # GDPR Art. 18
        sources=(Source.DATA_SUBJECT, Source.STAFF),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Restrictions of processing, with the privacy officer's reasons.",
        # The person asked for their data to be kept but not used (GDPR Art. 18(1)(b), (c)).
        keeps_person_scope="in_force",
    )
)

not_personal(
    "privacy.RetentionRun",
    reason="Counts and times of retention runs; messages name rows by id only.",
)
not_personal(
    "privacy.PendingFileDeletion",
    reason="Server-generated storage names of files whose rows are already gone.",
)
not_personal(
    "privacy.ErasureRecord",
    reason="The proof of an erasure: when, why, by which staff user or job, and counts of rows "
    "by model; nothing that identifies the person erased.",
)
not_personal(
    "privacy.ErasedPerson",
    reason="The internal id of a person already erased, and when: the id names no one in the "
    "register (the person's row is gone) and serves only to erase the person again after a "
    "restore from a backup that still holds them; deleted once no kept backup can be that old.",
)

# A backup kept BACKUP_RETENTION_DAYS may still hold a person erased since; their id stays in the
# ledger that long (with a margin for a backup taken late or restored slowly), and no longer.
ERASED_PEOPLE_LEDGER = policies.register(
    RetentionPolicy(
        name="erased-people-ledger",
        model="privacy.ErasedPerson",
        age_field="erased_at",
        period=timedelta(days=settings.BACKUP_RETENTION_DAYS + settings.BACKUP_LEDGER_MARGIN_DAYS),
        description=_(
            "The internal ids of erased people are deleted once no kept backup can hold them "
            "(BACKUP_RETENTION_DAYS and BACKUP_LEDGER_MARGIN_DAYS, notice §16)."
        ),
    )
)
