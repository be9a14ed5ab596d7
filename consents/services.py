"""Operations on consents, bans, restrictions and disclosures, each in one transaction with the
actor who did it.

While a person's processing is restricted, nothing that widens processing (giving a consent,
lifting a ban) is recorded except by the privacy officer; what narrows it (a withdrawal, a new
ban) is always recorded at once.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from accounts.actors import split_actor
from accounts.models import ApiClient
from audit.history import attributed_to
from consents.audiences import XLSX_MAX_ROWS, AudienceFilters, audience, write_audience
from consents.models import (
    API_CHANNELS,
    AudienceExport,
    Ban,
    BanKind,
    Channel,
    ConsentAction,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    ConsentWording,
    Disclosure,
    DisclosureSubject,
    ExportFormat,
    ExportStatus,
    Recipient,
    RecipientKind,
    copy_path,
)
from consents.selectors import resolve_purpose
from customers.models import Customer
from jobs.services import enqueue, never_reached_the_broker, publish_unstarted
from privacy.declarations import Basis, Category
from privacy.restriction import check_may_change

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Actor

logger = logging.getLogger(__name__)

SUBJECT_COPY_CHUNK = 10_000
HASH_CHUNK = 1 << 20


class RecipientNotAllowed(Exception):
    """The recipient may not receive data: not in use, or processing outside the EU/EEA."""


@dataclass(frozen=True)
class ConsentChange:
    """The state after a give or a withdrawal, and the event it recorded (None: nothing new)."""

    state: ConsentState | None
    event: ConsentEvent | None

    @property
    def recorded(self) -> bool:
        return self.event is not None

    @property
    def given(self) -> bool:
        return bool(self.state and self.state.given)


def _lock(customer: Customer) -> None:
    """Serialise changes to one person's choices (FOR NO KEY UPDATE: rows that merely refer to
    the person are not blocked)."""
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).values("pk").get()


def _check_channel(channel: str, by: Actor | None) -> None:
    if channel not in Channel.values or channel == Channel.ADDRESS_SERVICE:
        raise ValidationError({"channel": _("Choose how the choice reached us.")})
    if isinstance(by, ApiClient) and channel not in API_CHANNELS:
        raise ValidationError({"channel": _("Choose how the choice reached us.")})


# --- Consents -----------------------------------------------------------------------------------


def current_wording(purpose: ConsentPurpose) -> ConsentWording:
    """Return the purpose's latest wording."""
    wording = ConsentWording.objects.filter(purpose=purpose).order_by("-version").first()
    if wording is None:
        raise ValidationError({"purpose": _("This purpose has no wording yet.")})
    return wording


def consent_give(
    *,
    customer: Customer,
    purpose: ConsentPurpose | str,
    channel: str,
    by: Actor,
    evidence: str = "",
    evidence_file: UploadedFile | None = None,
    wording: ConsentWording | None = None,
) -> ConsentChange:
    """Record that the person gives consent to the wording (the current one unless told).

    Giving a consent already in force for the same wording records nothing new.
    """
    _check_channel(channel, by)
    with transaction.atomic(), attributed_to(by):
        _lock(customer)
        purpose = resolve_purpose(purpose)
        wording = wording or current_wording(purpose)
        if wording.purpose_id != purpose.pk:
            raise ValidationError({"wording_version": _("No such wording for this purpose.")})
        state = ConsentState.objects.filter(customer=customer, purpose=purpose).first()
        if state is not None and state.given and state.wording_id == wording.pk:
            return ConsentChange(state=state, event=None)
        check_may_change(customer=customer, by=by)
        return _record(
            customer, purpose, wording, ConsentAction.GIVE, channel, by, evidence, evidence_file
        )


def consent_withdraw(
    *,
    customer: Customer,
    purpose: ConsentPurpose | str,
    channel: str,
    by: Actor,
    evidence: str = "",
    evidence_file: UploadedFile | None = None,
) -> ConsentChange:
    """Record that the person withdraws consent; it ends at once (notice §13).

    Withdrawing a consent that is not in force records nothing.
    """
    _check_channel(channel, by)
    with transaction.atomic(), attributed_to(by):
        _lock(customer)
        purpose = resolve_purpose(purpose)
        state = ConsentState.objects.filter(customer=customer, purpose=purpose).first()
        if state is None or not state.given:
            return ConsentChange(state=state, event=None)
        return _record(
            customer,
            purpose,
            state.wording,
            ConsentAction.WITHDRAW,
            channel,
            by,
            evidence,
            evidence_file,
        )


def _record(
    customer: Customer,
    purpose: ConsentPurpose,
    wording: ConsentWording,
    action: ConsentAction,
    channel: str,
    by: Actor,
    evidence: str,
    evidence_file: UploadedFile | None,
) -> ConsentChange:
    user, client = split_actor(by)
    if user is None and client is None:
        raise ValueError("A consent event needs the user or API client who recorded it.")
    event = ConsentEvent(
        customer=customer,
        purpose=purpose,
        wording=wording,
        action=action,
        channel=channel,
        evidence=evidence.strip(),
        recorded_by=user,
        recorded_by_client=client,
    )
    if evidence_file:
        event.evidence_file = evidence_file
    event.save()
    state, _created = ConsentState.objects.update_or_create(
        customer=customer,
        purpose=purpose,
        defaults={
            "given": action == ConsentAction.GIVE,
            "wording": wording,
            "last_event": event,
            "changed_at": event.at,
        },
    )
    return ConsentChange(state=state, event=event)


# --- Bans ---------------------------------------------------------------------------------------


def ban_record(
    *,
    customer: Customer,
    kind: str,
    channel: str,
    by: Actor | None,
    started_on: date | None = None,
    note: str = "",
) -> tuple[Ban, bool]:
    """Record a ban; return it and whether it is new. A ban already in force is kept as is.

    `by` is None only for an automatic job (an address-update import run as a command).
    """
    if kind not in BanKind.values:
        raise ValidationError({"kind": _("Choose a ban.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how the choice reached us.")})
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("A ban can't start in the future.")})
    user, client = split_actor(by)
    with transaction.atomic(), attributed_to(by):
        _lock(customer)
        existing = Ban.objects.in_force().filter(customer=customer, kind=kind).first()
        if existing is not None:
            return existing, False
        ban = Ban.objects.create(
            customer=customer,
            kind=kind,
            channel=channel,
            started_on=started_on,
            note=note.strip()[:200],
            recorded_by=user,
            recorded_by_client=client,
        )
    return ban, True


def ban_lift(*, ban: Ban, by: User) -> Ban:
    """Lift a ban at the person's request. Lifting widens processing, so while processing is
    restricted only the privacy officer may."""
    with transaction.atomic(), attributed_to(by):
        _lock(ban.customer)
        ban = Ban.objects.select_for_update().get(pk=ban.pk)
        if not ban.is_in_force:
            return ban
        check_may_change(customer=ban.customer, by=by)
        ban.lifted_at = timezone.now()
        ban.lifted_by = by
        ban.save(update_fields=["lifted_at", "lifted_by"])
    return ban


# --- Disclosures --------------------------------------------------------------------------------


def _sha256(handle: File) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(HASH_CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def _insert_subjects(disclosure_id: int, customer_ids: Sequence[int]) -> None:
    """Write the disclosure's people with COPY: an audience may hold a million of them."""
    table = connection.ops.quote_name(DisclosureSubject._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} (disclosure_id, customer_id) FROM STDIN") as copy,
    ):
        for start in range(0, len(customer_ids), SUBJECT_COPY_CHUNK):
            chunk = customer_ids[start : start + SUBJECT_COPY_CHUNK]
            copy.write("".join(f"{disclosure_id}\t{pk}\n" for pk in chunk))


def disclosure_record(
    *,
    recipient: Recipient,
    basis: str,
    mandate: str,
    categories: Iterable[str],
    subjects: Sequence[int],
    by: User,
    request_reference: str = "",
    description: str = "",
    copy: File | None = None,
    copy_name: str = "",
    stored_copy: str = "",
) -> Disclosure:
    """Log a disclosure of these people's data to the recipient, with the copy handed over.

    `stored_copy` names a copy the caller has already put in storage (the `copy` is then only
    read for its checksum). Refuses a recipient not in use or processing outside the EU/EEA
    (notice §10).
    """
    categories = sorted(set(categories))
    if not categories or any(c not in Category.values for c in categories):
        raise ValidationError({"categories": _("Choose the categories of data disclosed.")})
    if basis not in Basis.values:
        raise ValidationError({"basis": _("Choose the legal basis.")})
    if not mandate.strip():
        raise ValidationError({"mandate": _("Name the agreement or the provision.")})
    subject_ids = sorted(set(subjects)) if not isinstance(subjects, array) else subjects
    with transaction.atomic():
        recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
        if not recipient.may_receive:
            raise RecipientNotAllowed
        disclosure = Disclosure(
            recipient=recipient,
            basis=basis,
            mandate=mandate.strip(),
            request_reference=request_reference.strip(),
            categories=categories,
            description=description.strip(),
            subject_count=len(subject_ids),
            disclosed_by=by,
        )
        if copy is not None:
            disclosure.copy_sha256 = _sha256(copy)
            if stored_copy:
                disclosure.copy.name = stored_copy
            else:
                disclosure.copy.save(copy_name or copy.name or "copy", copy, save=False)
        disclosure.save()
        _insert_subjects(disclosure.pk, subject_ids)
    return disclosure


# --- Audience exports ---------------------------------------------------------------------------

EXPORT_JOB = "consents.tasks.export_audience"


def audience_export_request(
    *,
    purpose: ConsentPurpose,
    channel: str,
    filters: AudienceFilters,
    recipient: Recipient,
    fmt: str,
    by: User,
) -> AudienceExport:
    """Queue an export of the audience for a processor: its job is recorded with it and
    published once this commits (jobs/), so a broker outage delays it and never loses it."""
    if not recipient.may_receive or recipient.kind != RecipientKind.PROCESSOR:
        raise RecipientNotAllowed
    total = audience(purpose=purpose, channel=channel, filters=filters).count()
    if fmt == ExportFormat.XLSX and total > XLSX_MAX_ROWS:
        raise ValidationError({"format": _("Too many people for one XLSX sheet: choose CSV.")})
    with transaction.atomic():
        export = AudienceExport.objects.create(
            purpose=purpose,
            channel=channel,
            filters=filters.to_json(),
            recipient=recipient,
            format=fmt,
            total=total,
            created_by=by,
        )
        enqueue(EXPORT_JOB, export.pk)
    return export


def exports_waiting_for_job_service(exports: Iterable[AudienceExport]) -> set[int]:
    """Of these exports, the ids of the queued ones whose job the job service (the broker)
    has not accepted: it was down when they were requested."""
    return never_reached_the_broker(
        EXPORT_JOB, [export.pk for export in exports if export.status == ExportStatus.QUEUED]
    )


def _mandate(recipient: Recipient) -> str:
    if recipient.dpa_signed_on is None:
        return _("Data-processing agreement")
    return _("Data-processing agreement of %(date)s") % {
        "date": formats.date_format(recipient.dpa_signed_on, "j.n.Y")
    }


class _SideProgress:
    """Write an export's progress and heartbeat on a connection of its own, so that the page
    sees it while the rows stream on the main one (which a COPY keeps busy). Opened on first
    use. Writes only while this job still holds its claim."""

    def __init__(self, export_id: int, attempt: int) -> None:
        self.export_id = export_id
        self.attempt = attempt
        self.connection = None

    def __call__(self, count: int) -> None:
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE consents_audienceexport SET written = %s, heartbeat_at = now() "
                "WHERE id = %s AND attempt = %s",
                [count, self.export_id, self.attempt],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class ExportTakenOver(Exception):
    """Another job took the export over while this one was still writing it."""


def _claim(export_id: int) -> int | None:
    """Claim a queued export, or a running one whose job stopped reporting; return the claim
    (attempt number), or None when there is nothing to take.

    One conditional UPDATE, so of two jobs delivered at once only one gets it.
    """
    now = timezone.now()
    claimed = (
        AudienceExport.objects.claimable()
        .filter(pk=export_id)
        .update(
            status=ExportStatus.RUNNING,
            attempt=F("attempt") + 1,
            started_at=now,
            heartbeat_at=now,
            written=0,
            error="",
        )
    )
    if not claimed:
        return None
    return AudienceExport.objects.values_list("attempt", flat=True).get(pk=export_id)


def _discard_copy(name: str) -> None:
    """Delete a stored copy no disclosure refers to: one a dead or refused job left behind."""
    if not name or Disclosure.objects.filter(copy=name).exists():
        return
    field = Disclosure._meta.get_field("copy")
    try:
        field.storage.delete(name)
    except OSError:
        logger.exception("Could not delete the abandoned export copy %s", name)


def audience_export_run(*, export_id: int) -> AudienceExport | None:
    """Write the audience to a file and log it as one disclosure with the file as its copy.

    Claims the export with a conditional UPDATE, so a job delivered twice runs once; a job
    redelivered after its worker died takes over once the export's heartbeat is stale, and
    starts again from the beginning. The rows stream into a temporary file (gone with the
    process if it dies) with their progress visible to the page. The stored copy is named on
    the export before it is written, so a takeover deletes a half-written one; the disclosure,
    its people and the export's completion are recorded in one transaction, and only while
    this job still holds its claim, so no export is ever disclosed twice.
    """
    attempt = _claim(export_id)
    if attempt is None:
        return None
    export = AudienceExport.objects.select_related("purpose", "recipient", "created_by").get(
        pk=export_id
    )
    # A takeover: whatever the dead job was storing never became a disclosure.
    _discard_copy(export.copy_in_progress)
    progress = _SideProgress(export_id, attempt)
    stored = ""
    try:
        with override("fi"), tempfile.TemporaryFile() as handle:
            people = audience(
                purpose=export.purpose,
                channel=export.channel,
                filters=AudienceFilters.from_json(export.filters),
            )
            ids = write_audience(
                people, channel=export.channel, fmt=export.format, handle=handle, progress=progress
            )
            stored = copy_path(None, export.filename)
            mine = AudienceExport.objects.filter(pk=export_id, attempt=attempt)
            if not mine.update(copy_in_progress=stored, heartbeat_at=timezone.now()):
                raise ExportTakenOver
            handle.seek(0)
            stored = Disclosure._meta.get_field("copy").storage.save(stored, File(handle))
            mine.update(copy_in_progress=stored)
            with transaction.atomic():
                locked = mine.select_for_update().filter(status=ExportStatus.RUNNING)
                if not locked.exists():
                    raise ExportTakenOver
                disclosure = disclosure_record(
                    recipient=export.recipient,
                    basis=(
                        Basis.CONSENT
                        if export.purpose.needs_consent_through(export.channel)
                        else Basis.CONTRACT
                    ),
                    mandate=_mandate(export.recipient),
                    categories=[Category.BASIC, Category.RELATIONSHIP],
                    subjects=ids,
                    by=export.created_by,
                    description=ngettext(
                        "Marketing audience: %(purpose)s, %(channel)s, %(rows)d person.",
                        "Marketing audience: %(purpose)s, %(channel)s, %(rows)d people.",
                        len(ids),
                    )
                    % {
                        "purpose": export.purpose.name,
                        "channel": export.get_channel_display(),
                        "rows": len(ids),
                    },
                    copy=File(handle),
                    stored_copy=stored,
                )
                mine.update(
                    status=ExportStatus.DONE,
                    written=len(ids),
                    disclosure=disclosure,
                    copy_in_progress="",
                    finished_at=timezone.now(),
                )
    except ExportTakenOver:
        logger.warning("Audience export %s was taken over by another job", export_id)
        _discard_copy(stored)
        return None
    except Exception as error:
        logger.exception("Audience export %s failed", export_id)
        _discard_copy(stored)
        message = (
            _("The recipient may not receive data.")
            if isinstance(error, RecipientNotAllowed)
            else type(error).__name__
        )
        AudienceExport.objects.filter(pk=export_id, attempt=attempt).update(
            status=ExportStatus.FAILED,
            error=str(message)[:500],
            copy_in_progress="",
            finished_at=timezone.now(),
        )
    finally:
        progress.close()
    export.refresh_from_db()
    return export


def audience_export_again(*, export: AudienceExport, by: User) -> bool:
    """Start a stuck export again, or send a waiting one to the job service again; return
    whether it was either.

    A stuck export gets a new job that takes it over from the beginning (the old claim no
    longer lets anything be written); a waiting one's recorded job is published now.
    """
    if export.is_stuck:
        logger.info("Audience export %s requested again by user %s", export.pk, by.pk)
        with transaction.atomic():
            enqueue(EXPORT_JOB, export.pk)
        return True
    if export.pk in exports_waiting_for_job_service([export]):
        logger.info("Audience export %s sent to the job service by user %s", export.pk, by.pk)
        publish_unstarted(EXPORT_JOB, export.pk)
        return True
    return False
