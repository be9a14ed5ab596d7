"""Publishing the privacy notice and recording the consistency check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notice import consistency, draft
from notice.facts import Facts, collect
from notice.models import ConsistencyCheck, NoticeSection, NoticeVersion


@dataclass(frozen=True)
class Draft:
    """The notice as it would be published now, in both languages, with what it came from."""

    facts: Facts
    digest: str
    effective_on: date
    sections: dict[str, list[draft.Section]]


def current_draft(*, facts: Facts | None = None, effective_on: date | None = None) -> Draft:
    facts = facts if facts is not None else collect()
    effective_on = effective_on or timezone.localdate()
    return Draft(
        facts=facts,
        digest=draft.digest(facts),
        effective_on=effective_on,
        sections={
            language: draft.build(facts, language=language, effective_on=effective_on)
            for language in draft.LANGUAGES
        },
    )


@transaction.atomic
def publish(*, by: AbstractBaseUser, reviewed_digest: str) -> NoticeVersion:
    """Publish the generated draft as the next version, as the privacy officer reviewed it.

    Refuses when the declarations changed after the review (the digest differs), so what is
    published is what was read.
    """
    # One publication at a time: the next number is taken under a transaction-scoped lock.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('notice.publish'))")
    latest = NoticeVersion.objects.order_by("-number").first()
    proposed = current_draft()
    if proposed.digest != reviewed_digest:
        raise ValidationError(
            _("The declarations changed while you were reviewing the draft. Review it again.")
        )
    if latest is not None and _same_text(latest, proposed):
        raise ValidationError(_("The draft says what the published version says."))
    version = NoticeVersion.objects.create(
        number=(latest.number + 1) if latest else 1,
        effective_on=proposed.effective_on,
        published_at=timezone.now(),
        published_by=by,
        facts=proposed.facts,
    )
    NoticeSection.objects.bulk_create(
        NoticeSection(
            version=version,
            language=language,
            number=section.number,
            heading=section.heading,
            body=section.body,
        )
        for language, sections in proposed.sections.items()
        for section in sections
    )
    return version


def _same_text(version: NoticeVersion, proposed: Draft) -> bool:
    """Whether the draft's sections (its dated title aside) equal the version's, in each
    language."""
    published = {
        (s.language, s.number): (s.heading, s.body) for s in version.sections.exclude(number=0)
    }
    drafted = {
        (language, s.number): (s.heading, s.body)
        for language, sections in proposed.sections.items()
        for s in sections
        if s.number
    }
    return published == drafted


def run_check() -> ConsistencyCheck:
    """Check the published notice against the declarations now, and record the result."""
    version = NoticeVersion.objects.current()
    differences = consistency.check(version=version)
    return ConsistencyCheck.objects.create(
        version=version, differences=[str(d) for d in differences]
    )
