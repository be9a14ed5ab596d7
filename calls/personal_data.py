"""What calls/ holds about people, declared once (DESIGN.md, contract 1), with the 30-day
retention policy of notice §11."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    Source,
    declare,
)
from privacy.retention import RetentionPolicy

RECORDINGS_30_DAYS = RetentionPolicy(
    name="call-recordings",
    title=_("Call recordings"),
    model="calls.CallRecording",
    age_field="started_at",
    period=timedelta(days=30),
    action=Delete(),
    batch_size=10_000,
    # An open access request keeps its recordings until it closes; nothing else does.
    scope="not_on_hold",
    description=_("Call recordings are deleted 30 days after the call (notice §11)."),
)

declare(
    PersonalData(
        model="calls.CallRecording",
        category=Category.CALL_RECORDING,
        purposes=(Purpose.CALL_QUALITY,),
        # Contract, not consent: the recording documents the service the customer relationship
        # is about, and is what a complaint about that service is investigated from. Consent
        # would have to be free and withdrawable call by call, which a caller who needs service
        # cannot meaningfully give or refuse. Never legitimate interest (notice §6).
        basis=Basis.CONTRACT,
        sources=(Source.TELEPHONY,),
        subject_path="customer",
        retention=RECORDINGS_30_DAYS,
        erasure=Delete(),
        description="Call metadata (number, time, agent, queue) and the audio of the call.",
        contact_field="started_at",
    )
)

declare(
    PersonalData(
        model="calls.RecordingHold",
        category=Category.CALL_RECORDING,
        # Serving the person's own access request is customer service within the relationship.
        purposes=(Purpose.RELATIONSHIP,),
        # GDPR Art. 15: the controller must give the person the recording itself.
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="recording__customer",
        # Deleted with its recording, by the same policy.
        retention=RECORDINGS_30_DAYS,
        erasure=Delete(),
        description="Which access request keeps a recording past 30 days, placed and released.",
        keeps_person=False,
        keeps_person_reason="An open hold keeps its recording, and the recording keeps the person.",
    )
)
