"""What consents/ holds about people, declared once (DESIGN.md, contract 1)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.declarations import (
    WHILE_RELATIONSHIP,
    Anonymise,
    Basis,
    Category,
    Delete,
    PersonalData,
    Purpose,
    RetentionPolicy,
    Source,
    declare,
    not_personal,
)

# The copy handed over to a recipient is kept a year, long enough to answer the person or an
# authority about what exactly went out; the record of the disclosure (to whom, on what basis,
# which categories, whose data, the copy's SHA-256) stays while the person's record does.
DISCLOSURE_COPIES_ONE_YEAR = RetentionPolicy(
    name="disclosure-copies",
    title=_("Copies of disclosed data"),
    model="consents.Disclosure",
    age_field="disclosed_at",
    period=timedelta(days=365),
    action=Anonymise(fields=("copy",)),
    batch_size=1_000,
    description=_("Copies of disclosed data are deleted a year after the disclosure."),
)

# A withdrawn analytics consent is the record that collection stopped and what was deleted; it
# is kept as long as a visit collected under it could have been, then goes.
ANALYTICS_CONSENTS_WITHDRAWN = RetentionPolicy(
    name="analytics-consents-withdrawn",
    model="consents.AnalyticsConsent",
    age_field="withdrawn_at",
    period=timedelta(days=settings.WEBSITE_VISIT_RETENTION_DAYS),
    action=Delete(),
    batch_size=20_000,
    scope="withdrawn",
    description=_(
        "A withdrawn website analytics consent is deleted when the visit data's period has "
        "passed since the withdrawal."
    ),
)

declare(
    PersonalData(
        model="consents.ConsentEvent",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH, Purpose.FEEDBACK),
        # The controller must be able to show every consent it relies on (GDPR Art. 7(1)).
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.WEBSITE),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Every consent given and withdrawn: purpose, wording version, channel, "
        "evidence and who recorded it. Erased with ConsentEvent.objects.erase_for.",
        keeps_person=False,
        keeps_person_reason="The ledger: a consent in force keeps the person through its "
        "ConsentState; a withdrawn one is no reason.",
        history=False,
        history_reason="The ledger itself: append-only in the database, each row the record "
        "of its one insert, naming the user or API client who recorded it.",
        contact_field="at",
    )
)
declare(
    PersonalData(
        model="consents.ConsentState",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH, Purpose.FEEDBACK),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.WEBSITE),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="The current state of each consent, derived from the ledger; erased "
        "with the ledger.",
        keeps_person_scope="in_force",
    )
)
declare(
    PersonalData(
        model="consents.Ban",
        category=Category.CHOICES,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH, Purpose.FEEDBACK),
        # A ban on direct marketing and an objection must be honoured (GDPR Art. 21(3)).
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.DATA_SUBJECT, Source.STAFF, Source.ADDRESS_SERVICE, Source.WEBSITE),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Direct-marketing, telemarketing and survey bans and objections, "
        "with their start, source and who recorded and lifted them.",
        # A ban in force can be honoured only while the person is known. Decided (issue #16):
        # the register keeps no separate list of banned addresses or numbers; every audience
        # is drawn from the register's people, and a returning person is matched by the
        # duplicate check (email, phone, name and address). So a ban in force keeps its
        # person, who the inactivity policy then does not erase; a lifted ban keeps nobody.
        keeps_person_scope="in_force",
    )
)
declare(
    PersonalData(
        model="consents.Disclosure",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH),
        # Every disclosure can be shown to the person (GDPR Art. 15(1)(c), 19).
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="subjects",
        retention=DISCLOSURE_COPIES_ONE_YEAR,
        # Erasing one person takes their lines out of a copy that holds others too
        # (consents.copies) and blanks the free text (mandate, request reference, description:
        # any of them may name the person); the record of the disclosure stays for the others.
        # A copy about the person alone, or one that is not a table, is deleted.
        erasure=Anonymise(fields=("copy", "description", "mandate", "request_reference")),
        takes_person_out="take_person_out",
        not_personal_fields={
            "copy_sha256": "The checksum of the copy as stored (rewritten with it): it proves "
            "which file went out and reveals nothing of its content.",
        },
        description="Disclosures to processors and authorities, with the copy handed over.",
        keeps_person=False,
        keeps_person_reason="A log of what went out, about many people: it goes or is blanked "
        "with them, and makes nobody a customer.",
        history=False,
        history_reason="The disclosure log: append-only in the database, each row the record of "
        "its one insert, naming who disclosed; only retention and erasure blank its copy.",
    )
)
declare(
    PersonalData(
        model="consents.DisclosureSubject",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        subject_path="customer",
        retention=WHILE_RELATIONSHIP,
        erasure=Delete(),
        description="Whose data each disclosure handed over. Erased with "
        "DisclosureSubject.objects.erase_for.",
        keeps_person=False,
        keeps_person_reason="A line of the disclosure log, which keeps nobody.",
        history=False,
        history_reason="Written once with its disclosure, which names who disclosed; "
        "append-only in the database.",
    )
)

not_personal("consents.ConsentPurpose", reason="What consent is asked for: data about purposes.")
not_personal("consents.ConsentWording", reason="The wording of a consent, the same for everyone.")
not_personal(
    "consents.Recipient",
    reason="Processors and authorities: organisations, with no contact person stored.",
)
declare(
    PersonalData(
        model="consents.AudienceExport",
        category=Category.RELATIONSHIP,
        purposes=(Purpose.RELATIONSHIP, Purpose.MARKET_RESEARCH),
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.STAFF,),
        # Its people are those of the disclosure it recorded; an export not yet (or never)
        # disclosed is about nobody.
        subject_path="disclosure__subjects",
        retention=WHILE_RELATIONSHIP,
        # The filters are typed by staff (a city, say) and may narrow an audience to a few
        # people: erasing any of them blanks them. The file is the disclosure's copy.
        erasure=Anonymise(fields=("filters",)),
        not_personal_fields={
            "copy_in_progress": "The server-generated storage name of a copy being written.",
        },
        description="An export of a marketing audience: its filters and progress.",
        keeps_person=False,
        keeps_person_reason="A job that wrote a disclosure; the disclosure keeps nobody either.",
        history=False,
        history_reason="A job's progress, written by the job; who asked for it is on the row "
        "and what went out is on its append-only disclosure.",
    )
)
declare(
    PersonalData(
        model="consents.AnalyticsConsent",
        category=Category.CHOICES,
        purposes=(Purpose.ANALYSIS,),
        # The controller must be able to show the consent the visit data rests on (GDPR
        # Art. 7(1)), and that collection stopped when it was withdrawn.
        basis=Basis.LEGAL_OBLIGATION,
        sources=(Source.WEBSITE,),
        subject_path="customer",
        retention=ANALYTICS_CONSENTS_WITHDRAWN,
        # Deleting the record deletes the visits collected under it (CASCADE).
        erasure=Delete(),
        description="Website visitors' analytics consents: the visitor id, the consent text's "
        "version, when given and withdrawn, through which API client, and how many visits the "
        "withdrawal deleted; the customer when a signed-in visitor gave it.",
        keeps_person=False,
        keeps_person_reason="A website choice about analytics, which makes nobody a customer.",
        history=False,
        history_reason="Written when given and changed once, when withdrawn (a trigger refuses "
        "any later change); the row names the API clients that did both.",
    )
)
