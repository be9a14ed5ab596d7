"""The request workflow: registering, identity, pauses, extension, closing, documents, letters.

Every step runs in one transaction, is attributed to the actor it is given, and writes its line
into the request's append-only timeline in that same transaction. The rules (which moves are
allowed, identity before any action) are the model's; these functions refuse with WorkflowError
what the model refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.history import attributed_to
from audit.models import ReferenceCounter
from dsar.deadlines import MAX_EXTENSION_MONTHS
from dsar.holds import place_holds, release_holds
from dsar.models import (
    REFERENCE_PREFIX,
    ActionOutcome,
    Channel,
    DataSubjectRequest,
    IdentityMethod,
    Language,
    LetterKind,
    OutcomeKind,
    PauseReason,
    RequestDocument,
    RequestLetter,
    RequestPause,
    RequestType,
    SendMethod,
    State,
    TimelineEntry,
    TimelineKind,
    WorkflowError,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

    from accounts.models import Actor
    from customers.models import Customer

# A Finnish personal identity code (henkilötunnus): never stored with a request.
_HETU = re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b", re.IGNORECASE)
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
SNIFF_BYTES = 8192


def _log(
    dsar: DataSubjectRequest, kind: TimelineKind, text: str, by: Actor | None
) -> TimelineEntry:
    from accounts.models import ApiClient

    is_client = isinstance(by, ApiClient)
    return TimelineEntry.objects.create(
        request=dsar,
        kind=kind,
        text=text,
        user=None if is_client else by,
        api_client=by if is_client else None,
    )


def _locked(dsar: DataSubjectRequest) -> DataSubjectRequest:
    """Return the request locked for this transaction, as the database has it now."""
    return DataSubjectRequest.objects.select_for_update().get(pk=dsar.pk)


def _refresh(dsar: DataSubjectRequest, locked: DataSubjectRequest) -> None:
    """Copy the locked row's state into the caller's instance."""
    for name in [f.attname for f in DataSubjectRequest._meta.concrete_fields]:
        setattr(dsar, name, getattr(locked, name))


def refuse_identity_code(value: str, field_name: str) -> None:
    """Raise a field error when the text holds a personal identity code."""
    if _HETU.search(value or ""):
        raise ValidationError(
            {field_name: _("Do not write a personal identity code; the fact is enough.")}
        )


# --- Registering ---------------------------------------------------------------------------------


@dataclass
class Registered:
    request: DataSubjectRequest
    created: bool
    warnings: list[str] = field(default_factory=list)


def open_requests_like(
    *, types: list[str], customer: Customer | None, requester_email: str = ""
) -> list[DataSubjectRequest]:
    """Return the open requests of the same person with a type in common."""
    who = Q()
    if customer is not None:
        who |= Q(customer=customer)
    if requester_email:
        who |= Q(requester_email__iexact=requester_email)
    if not who:
        return []
    return list(DataSubjectRequest.objects.open().filter(who, types__overlap=types))


def register_request(
    *,
    types: list[str],
    channel: str,
    requester_name: str,
    received_on: date,
    by: Actor,
    requester_address: str = "",
    requester_email: str = "",
    requester_phone: str = "",
    request_text: str = "",
    language: str = Language.FINNISH,
    customer: Customer | None = None,
    not_in_register: bool = False,
    handler: User | None = None,
    idempotency_key: str = "",
    documents: list[File] = (),
) -> Registered:
    """Register a written request and return it with warnings (the same person's open request
    of the same type is a warning, not a refusal).

    With an idempotency key, a retry by the same API client returns the request the first post
    made, and registers nothing.
    """
    from accounts.models import ApiClient

    client = by if isinstance(by, ApiClient) else None
    if idempotency_key and client is not None:
        existing = DataSubjectRequest.objects.filter(
            registered_by_client=client, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return Registered(existing, created=False)
    today = timezone.localdate()
    if received_on > today:
        raise ValidationError({"received_on": _("The day of receipt cannot be in the future.")})
    if not types:
        raise ValidationError({"types": _("Choose what is asked.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a channel.")})
    refuse_identity_code(request_text, "request_text")
    for upload in documents:
        check_document(upload)
    similar = open_requests_like(types=types, customer=customer, requester_email=requester_email)
    warnings = [
        _("%(reference)s of the same person and type is still open.")
        % {"reference": other.reference}
        for other in similar
    ]
    try:
        with transaction.atomic(), attributed_to(by):
            dsar = DataSubjectRequest(
                reference=ReferenceCounter.next_reference(REFERENCE_PREFIX, received_on.year),
                types=sorted(set(types)),
                channel=channel,
                language=language,
                requester_name=requester_name.strip(),
                requester_address=requester_address.strip(),
                requester_email=requester_email.strip(),
                requester_phone=requester_phone.strip(),
                request_text=request_text.strip(),
                customer=customer,
                not_in_register=not_in_register and customer is None,
                received_on=received_on,
                registered_by=None if client else by,
                registered_by_client=client,
                idempotency_key=idempotency_key if client else "",
                handler=handler,
            )
            dsar.due_on = dsar.compute_due_on()
            dsar.full_clean(exclude=["reference", "due_on", "customer", "handler"])
            dsar.save()
            _log(
                dsar,
                TimelineKind.REGISTERED,
                _("Registered (%(channel)s), received %(received)s, due %(due)s.")
                % {
                    "channel": dsar.get_channel_display(),
                    "received": f"{received_on:%d.%m.%Y}",
                    "due": f"{dsar.due_on:%d.%m.%Y}",
                },
                by,
            )
            for warning in warnings:
                _log(dsar, TimelineKind.WARNING, warning, by)
            for upload in documents:
                _store_document(dsar, upload, description="", by=by)
            _hold_recordings(dsar, by)
    except IntegrityError:
        if not (idempotency_key and client):
            raise
        # The same post twice at once: the other one made the request.
        existing = DataSubjectRequest.objects.get(
            registered_by_client=client, idempotency_key=idempotency_key
        )
        return Registered(existing, created=False)
    return Registered(dsar, created=True, warnings=warnings)


def update_details(*, dsar: DataSubjectRequest, changed: list[str], by: User) -> None:
    """Save what the privacy officer edited in the admin (the customer match, the requester,
    the handler, the day of receipt) and note it; the deadline follows the day of receipt."""
    with transaction.atomic(), attributed_to(by):
        if dsar.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("The day of receipt cannot be in the future.")})
        if dsar.customer_id is not None:
            dsar.not_in_register = False
        dsar.due_on = dsar.compute_due_on()
        dsar.save()
        _hold_recordings(dsar, by)
        if changed:
            _log(dsar, TimelineKind.NOTE, _("Details changed: %s.") % ", ".join(changed), by)


# --- Identity, pauses, state ----------------------------------------------------------------------


def _move(dsar: DataSubjectRequest, state: State, by: Actor, note: str = "") -> None:
    """Move the (locked) request to `state`, or refuse; write the timeline line."""
    dsar.check_transition(state)
    previous = State(dsar.state).label
    dsar.state = state
    if state in (State.COMPLETED, State.REJECTED, State.WITHDRAWN):
        dsar.closed_at = timezone.now()
    dsar.save()
    text = _("%(from)s → %(to)s") % {"from": previous, "to": State(state).label}
    _log(dsar, TimelineKind.STATE, f"{text}. {note}".strip() if note else text, by)
    if not dsar.is_open:
        # The access packages' 30 days start now (their retention policy).
        dsar.packages.update(request_closed_at=dsar.closed_at)
        released = release_holds(dsar, by=by)
        if released:
            _log(
                dsar,
                TimelineKind.ACTION,
                ngettext(
                    "Hold on %(count)d call recording released.",
                    "Holds on %(count)d call recordings released.",
                    released,
                )
                % {"count": released},
                by,
            )


def _hold_recordings(dsar: DataSubjectRequest, by: Actor | None) -> None:
    """Hold the person's call recordings while an access, portability or erasure request is
    open, and say so in the timeline."""
    placed = place_holds(dsar, by=by)
    if placed:
        _log(
            dsar,
            TimelineKind.ACTION,
            ngettext(
                "%(count)d call recording held while the request is open.",
                "%(count)d call recordings held while the request is open.",
                placed,
            )
            % {"count": placed},
            by,
        )


def start_identity_check(*, dsar: DataSubjectRequest, by: User) -> None:
    """Received → identity check."""
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        _move(locked, State.IDENTITY_CHECK, by)
    _refresh(dsar, locked)


def verify_identity(*, dsar: DataSubjectRequest, method: str, note: str, by: User) -> None:
    """Record how the requester's identity was verified (the fact, never a copy or a personal
    identity code) and start the work: the request goes to "in progress". An open pause that
    waited for the proof ends today."""
    if method not in IdentityMethod.values:
        raise ValidationError({"method": _("Choose how the identity was verified.")})
    note = note.strip()
    if method == IdentityMethod.OTHER and not note:
        raise ValidationError({"note": _("Explain how the identity was verified.")})
    refuse_identity_code(note, "note")
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.require_open()
        if locked.identity_verified:
            raise WorkflowError(_("The identity has already been verified."))
        if locked.state == State.RECEIVED:
            _move(locked, State.IDENTITY_CHECK, by)
        locked.identity_method = method
        locked.identity_note = note
        locked.identity_verified_at = timezone.now()
        locked.identity_verified_by = by
        locked.save()
        label = IdentityMethod(method).label
        _log(locked, TimelineKind.IDENTITY, f"{label}. {note}".strip(" ."), by)
        pause = locked.pauses.filter(ended_on__isnull=True, reason=PauseReason.IDENTITY).first()
        if pause is not None:
            _end_pause(locked, pause, timezone.localdate(), by)
        _move(locked, State.IN_PROGRESS, by)
        _hold_recordings(locked, by)
    _refresh(dsar, locked)


def pause(
    *, dsar: DataSubjectRequest, reason: str, note: str, started_on: date, by: User
) -> RequestPause:
    """Stop the deadline's clock while waiting for the requester (identity, clarification)."""
    if reason not in PauseReason.values:
        raise ValidationError({"reason": _("Choose why the request waits.")})
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("A pause cannot start in the future.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.require_open()
        if locked.paused:
            raise WorkflowError(_("The request is already paused."))
        if started_on < locked.received_on:
            raise ValidationError(
                {"started_on": _("A pause cannot start before the request was received.")}
            )
        created = RequestPause.objects.create(
            request=locked, reason=reason, note=note.strip(), started_on=started_on
        )
        locked.paused = True
        locked.save()
        _log(
            locked,
            TimelineKind.PAUSE,
            _("%(reason)s, from %(day)s. %(note)s")
            % {"reason": PauseReason(reason).label, "day": f"{started_on:%d.%m.%Y}", "note": note},
            by,
        )
    _refresh(dsar, locked)
    return created


def _end_pause(locked: DataSubjectRequest, open_pause: RequestPause, ended_on: date, by) -> None:
    if ended_on < open_pause.started_on:
        raise ValidationError({"ended_on": _("A pause cannot end before it started.")})
    open_pause.ended_on = ended_on
    open_pause.save()
    locked.paused = False
    locked.paused_days += open_pause.days
    locked.due_on = locked.compute_due_on()
    locked.save()
    _log(
        locked,
        TimelineKind.RESUME,
        _("Resumed %(day)s after %(days)d days; due %(due)s.")
        % {
            "day": f"{ended_on:%d.%m.%Y}",
            "days": open_pause.days,
            "due": f"{locked.due_on:%d.%m.%Y}",
        },
        by,
    )


def resume(*, dsar: DataSubjectRequest, ended_on: date, by: User) -> None:
    """Start the clock again; the deadline moves by the paused days."""
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("A pause cannot end in the future.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        open_pause = locked.pauses.filter(ended_on__isnull=True).first()
        if open_pause is None:
            raise WorkflowError(_("The request is not paused."))
        _end_pause(locked, open_pause, ended_on, by)
    _refresh(dsar, locked)


def extend(
    *, dsar: DataSubjectRequest, months: int, reason: str, by: User, today: date | None = None
) -> RequestLetter:
    """Extend the deadline by one or two further months (GDPR Art. 12(3)): once, only while the
    first month is running, with the reasons, and together with the letter that tells the
    requester (created here, in the same transaction). Return the letter."""
    today = today or timezone.localdate()
    reason = reason.strip()
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValidationError({"months": _("An extension is one or two further months.")})
    if not reason:
        raise ValidationError({"reason": _("Give the reasons for the extension.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        if locked.extension_months:
            raise WorkflowError(_("The deadline has already been extended once."))
        if today > locked.first_month_due_on():
            raise WorkflowError(
                _("The first month ended on %(day)s: the deadline can no longer be extended.")
                % {"day": f"{locked.first_month_due_on():%d.%m.%Y}"}
            )
        _move(locked, State.EXTENDED, by)
        locked.extension_months = months
        locked.extension_reason = reason
        locked.due_on = locked.compute_due_on()
        locked.save()
        _log(
            locked,
            TimelineKind.EXTENSION,
            _("Extended by %(months)d months, due %(due)s: %(reason)s")
            % {"months": months, "due": f"{locked.due_on:%d.%m.%Y}", "reason": reason},
            by,
        )
        letter = _create_letter(locked, LetterKind.EXTENSION, by=by)
    _refresh(dsar, locked)
    return letter


def reject(*, dsar: DataSubjectRequest, reason: str, by: User) -> RequestLetter:
    """Reject the request (GDPR Art. 12(5): manifestly unfounded or excessive, or the identity
    could not be verified, Art. 12(6)); the reason is required. Return the rejection letter,
    which names the Data Protection Ombudsman and the courts (Art. 12(4))."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("A rejection needs the reason.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.outcome_reason = reason
        _move(locked, State.REJECTED, by, reason)
        letter = _create_letter(locked, LetterKind.REJECTION, by=by, granted_in_full=False)
    _refresh(dsar, locked)
    return letter


def complete(
    *,
    dsar: DataSubjectRequest,
    summary: str,
    granted_in_full: bool,
    by: User,
    name_recipients: bool = False,
) -> RequestLetter:
    """Close the request as answered, with the completion letter. An answer that does not grant
    the request in full tells the requester of their right to complain (Art. 12(4))."""
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("Summarise what was done.")})
    if not granted_in_full and not summary:
        raise ValidationError({"summary": _("Say what was not granted and why.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.require_identity()
        missing = unsettled(locked)
        if missing:
            raise WorkflowError(
                _("Do or refuse with a reason everything the request asks for first: %(missing)s.")
                % {"missing": ", ".join(str(RequestType(t).label) for t in missing)}
            )
        if locked.outcomes.filter(outcome=OutcomeKind.REFUSED).exists():
            granted_in_full = False
        locked.outcome_reason = summary
        _move(locked, State.COMPLETED, by, summary)
        named = (
            [n.recipient.name for n in locked.notifications.select_related("recipient")]
            if name_recipients
            else []
        )
        letter = _create_letter(
            locked,
            LetterKind.COMPLETION,
            by=by,
            granted_in_full=granted_in_full,
            recipients=named,
        )
    _refresh(dsar, locked)
    return letter


def withdraw(*, dsar: DataSubjectRequest, note: str, by: User) -> None:
    """The requester withdrew the request."""
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.outcome_reason = note.strip()
        _move(locked, State.WITHDRAWN, by, note.strip())
    _refresh(dsar, locked)


def add_note(*, dsar: DataSubjectRequest, text: str, by: User) -> TimelineEntry:
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note.")})
    refuse_identity_code(text, "text")
    with transaction.atomic(), attributed_to(by):
        return _log(dsar, TimelineKind.NOTE, text, by)


def settle(
    *, dsar: DataSubjectRequest, type: str, outcome: str, note: str, by: User
) -> ActionOutcome:
    """Record what became of one thing the request asked for: done, or refused with the
    reason. Each action records its own when it is done; the privacy officer records the rest
    (a consent withdrawal done at the office, a refusal under Art. 17(3), …)."""
    note = note.strip()
    if type not in dsar.types:
        raise ValidationError({"type": _("The request does not ask for this.")})
    if outcome == OutcomeKind.REFUSED and not note:
        raise ValidationError({"note": _("A refusal needs the reason.")})
    if outcome not in OutcomeKind.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.require_open()
        locked.require_identity()
        settled, created = ActionOutcome.objects.get_or_create(
            request=locked,
            type=type,
            defaults={"outcome": outcome, "note": note, "decided_by": by},
        )
        if not created:
            raise WorkflowError(_("This part of the request has already been settled."))
        _log(
            locked,
            TimelineKind.ACTION,
            f"{RequestType(type).label}: {OutcomeKind(outcome).label}. {note}".strip(" ."),
            by,
        )
    return settled


def action_done(dsar: DataSubjectRequest, type: str, note: str, by: Actor) -> None:
    """An action finished what the request asked for (inside the action's transaction)."""
    if type in dsar.types:
        ActionOutcome.objects.get_or_create(
            request=dsar,
            type=type,
            defaults={"outcome": OutcomeKind.DONE, "note": note, "decided_by": by},
        )


def unsettled(dsar: DataSubjectRequest) -> list[str]:
    """The types the request asks for that are neither done nor refused yet."""
    settled = set(dsar.outcomes.values_list("type", flat=True))
    return [t for t in dsar.types if t not in settled]


def record_action(*, dsar: DataSubjectRequest, text: str, by: Actor) -> TimelineEntry:
    """Write an action of the request (access package, erasure, …) into its timeline. Every
    action calls this inside its own transaction first: it refuses a closed request and one
    whose requester's identity is not verified."""
    locked = _locked(dsar)
    locked.require_open()
    locked.require_identity()
    return _log(locked, TimelineKind.ACTION, text, by)


# --- Documents ------------------------------------------------------------------------------------


def check_document(upload: File) -> str:
    """Return the document's type, told from its content; refuse anything but a PDF, JPEG or
    PNG within the size limit."""
    limit = settings.DSAR_DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}}
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        raise ValidationError({"file": _("Attach a PDF, JPEG or PNG file.")})
    return kind.mime


def _store_document(
    dsar: DataSubjectRequest, upload: File, *, description: str, by: Actor
) -> RequestDocument:
    from accounts.models import ApiClient

    mime = check_document(upload)
    name = (getattr(upload, "name", "") or "document").rsplit("/", 1)[-1][:200]
    document = RequestDocument(
        request=dsar,
        original_name=name,
        content_type=mime,
        size=upload.size,
        description=description.strip(),
        uploaded_by=None if isinstance(by, ApiClient) else by,
    )
    document.file.save(name, upload, save=False)
    stored = document.file.name
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(stored)
        raise
    _log(dsar, TimelineKind.DOCUMENT, _("Document added: %s") % name, by)
    return document


def add_document(
    *, dsar: DataSubjectRequest, upload: File, description: str, by: User
) -> RequestDocument:
    """Store a scanned document with the request, privately."""
    with transaction.atomic(), attributed_to(by):
        return _store_document(dsar, upload, description=description, by=by)


# --- Letters --------------------------------------------------------------------------------------


def _create_letter(
    dsar: DataSubjectRequest,
    kind: LetterKind,
    *,
    by: User,
    granted_in_full: bool = True,
    recipients: list[str] = (),
) -> RequestLetter:
    from dsar.letters import render_letter

    pdf = render_letter(dsar, kind, granted_in_full=granted_in_full, recipients=list(recipients))
    letter = RequestLetter(
        request=dsar,
        kind=kind,
        language=dsar.language,
        granted_in_full=granted_in_full,
        created_by=by,
    )
    letter.file.save(f"{dsar.reference}.pdf", ContentFile(pdf), save=False)
    stored = letter.file.name
    try:
        letter.save()
    except BaseException:
        letter.file.storage.delete(stored)
        raise
    _log(dsar, TimelineKind.LETTER, str(LetterKind(kind).label), by)
    return letter


def create_letter(
    *, dsar: DataSubjectRequest, kind: str, by: User, granted_in_full: bool = True
) -> RequestLetter:
    """Render a letter of the request to PDF and store it with the request. The extension,
    completion and rejection letters come with their steps (extend, complete, reject)."""
    if kind not in (
        LetterKind.ACKNOWLEDGEMENT,
        LetterKind.IDENTIFICATION,
        LetterKind.CLARIFICATION,
        LetterKind.RESTRICTION_LIFT,
    ):
        raise WorkflowError(_("This letter is created with its step of the request."))
    with transaction.atomic(), attributed_to(by):
        locked = _locked(dsar)
        locked.require_open()
        return _create_letter(locked, LetterKind(kind), by=by, granted_in_full=granted_in_full)


def mark_letter_sent(*, letter: RequestLetter, sent_on: date, method: str, by: User) -> None:
    """Record when and how the letter went to the requester."""
    if method not in SendMethod.values:
        raise ValidationError({"method": _("Choose how the letter was sent.")})
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("The day cannot be in the future.")})
    with transaction.atomic(), attributed_to(by):
        updated = RequestLetter.objects.filter(pk=letter.pk, sent_on__isnull=True).update(
            sent_on=sent_on, sent_method=method, sent_by=by
        )
        if not updated:
            raise WorkflowError(_("The letter has already been marked sent."))
        letter.refresh_from_db()
        _log(
            letter.request,
            TimelineKind.LETTER_SENT,
            _("%(letter)s sent %(day)s (%(method)s).")
            % {
                "letter": letter.get_kind_display(),
                "day": f"{sent_on:%d.%m.%Y}",
                "method": letter.get_sent_method_display(),
            },
            by,
        )


# --- Deadline reminders ---------------------------------------------------------------------------


def send_deadline_reminders(*, today: date | None = None) -> int:
    """Email every privacy officer the reference numbers and admin links of the open requests
    due within DSAR_REMINDER_DAYS days or overdue: nothing else about the people. Return how
    many requests the message named (0: nothing due, no mail)."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation

    from accounts.roles import Role

    today = today or timezone.localdate()
    due = list(
        DataSubjectRequest.objects.due_within(settings.DSAR_REMINDER_DAYS, today=today)
        .order_by("due_on", "pk")
        .values_list("pk", "reference", "due_on")
    )
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.PRIVACY_OFFICER.value)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not due or not recipients:
        return 0
    base = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        lines = []
        for pk, reference, due_on in due:
            days = (due_on - today).days
            when = (
                ngettext("overdue by %(n)d day", "overdue by %(n)d days", -days) % {"n": -days}
                if days < 0
                else _("due %(day)s") % {"day": f"{due_on:%d.%m.%Y}"}
            )
            url = base + reverse("admin:dsar_datasubjectrequest_change", args=[pk])
            lines.append(f"{reference} ({when}): {url}")
        subject = _("Data-subject requests due: %(count)d") % {"count": len(due)}
        body = "\n".join(
            [
                _("These requests are due within %(days)d days or overdue:")
                % {"days": settings.DSAR_REMINDER_DAYS},
                "",
                *lines,
            ]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(due)
