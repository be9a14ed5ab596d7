"""What privacy/ holds, declared once (DESIGN.md, contract 1): restrictions of processing;
nothing else about people."""

from __future__ import annotations

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    Source,
    declare,
    not_personal,
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
