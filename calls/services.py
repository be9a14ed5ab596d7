"""Receiving recordings from the telephony system, and holding them for access requests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import filetype
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.history import attributed_to
from calls import signals
from calls.models import CallRecording, RecordingHold, storage_name
from calls.personal_data import RECORDINGS_30_DAYS
from customers.models import Customer

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File
    from phonenumbers import PhoneNumber

    from accounts.models import Actor

# What a recording may be, told by its first bytes, and the type it is served as.
AUDIO_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "amr": "audio/amr",
}
SNIFF_BYTES = 262


@dataclass(frozen=True)
class AudioType:
    extension: str
    content_type: str


def detect_audio_type(upload: File) -> AudioType | None:
    """Return the audio type the file's content shows, whatever its name or declared type."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.audio_match(head)
    if kind is None or kind.extension not in AUDIO_TYPES:
        return None
    return AudioType(extension=kind.extension, content_type=AUDIO_TYPES[kind.extension])


class RecordingConflict(Exception):
    """The call id is already stored with different audio: not a retry, a mistake."""


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _customer_with(number: PhoneNumber | None) -> Customer | None:
    """Return the one customer with this number; nobody when none or several have it."""
    if not number:
        return None
    matches = list(Customer.objects.filter(phone=number.as_e164).only("pk")[:2])
    return matches[0] if len(matches) == 1 else None


def recording_receive(
    *,
    call_id: str,
    caller_number: PhoneNumber | None,
    agent: str,
    queue: str,
    direction: str,
    started_at: datetime,
    duration_seconds: int,
    audio: File,
    audio_type: AudioType,
    by: Actor,
) -> tuple[CallRecording, bool]:
    """Store a recording and its audio; return it and whether it is new.

    Idempotent on the call id: a retry gets the stored recording back and stores nothing. The
    file is written first and deleted again if its row does not commit, so a failed request
    leaves no file; a process killed in between leaves one the orphan sweep removes.
    """
    sha256 = _sha256(audio)
    existing = CallRecording.objects.filter(call_id=call_id).first()
    if existing is not None:
        return _retried(existing, sha256)
    storage = CallRecording._meta.get_field("audio").storage
    name = storage.save(storage_name(audio_type.extension), audio)
    try:
        with transaction.atomic(), attributed_to(by):
            recording = CallRecording.objects.create(
                call_id=call_id,
                caller_number=caller_number or "",
                customer=_customer_with(caller_number),
                agent=agent,
                queue=queue,
                direction=direction,
                started_at=started_at,
                duration_seconds=duration_seconds,
                audio=name,
                content_type=audio_type.content_type,
                size=audio.size,
                sha256=sha256,
                expires_at=RECORDINGS_30_DAYS.expiry_of(started_at),
                received_at=timezone.now(),
            )
            # Inside the transaction: a receiver's durable job commits (or not) with the row.
            signals.recording_stored(recording)
    except IntegrityError:
        storage.delete(name)
        # Two deliveries of one call at once: the other one won.
        existing = CallRecording.objects.filter(call_id=call_id).first()
        if existing is None:
            raise
        return _retried(existing, sha256)
    except BaseException:
        storage.delete(name)
        raise
    return recording, True


def _retried(existing: CallRecording, sha256: str) -> tuple[CallRecording, bool]:
    if existing.sha256 != sha256:
        raise RecordingConflict(existing.call_id)
    return existing, False


# Checks of the request a hold cites, installed by the request register (dsar) from its
# AppConfig.ready so that calls knows no app above it. Each returns a message when the reference
# names no open request of the recording's person, else "".
_request_checks: list[Callable[[str, CallRecording], str]] = []


def register_request_check(check: Callable[[str, CallRecording], str]) -> None:
    if check not in _request_checks:
        _request_checks.append(check)


def request_problem(reference: str, recording: CallRecording) -> str:
    """Return why a hold may not cite this request reference ("" when it may)."""
    for check in _request_checks:
        problem = check(reference.strip(), recording)
        if problem:
            return problem
    return ""


def hold_place(
    *, recording: CallRecording, request_reference: str, reason: str, by: User
) -> RecordingHold:
    """Keep a recording past its period for an open access request."""
    with transaction.atomic(), attributed_to(by):
        return RecordingHold.objects.create(
            recording=recording,
            request_reference=request_reference.strip(),
            reason=reason.strip(),
            placed_by=by,
        )


def hold_release(*, hold: RecordingHold, by: User) -> bool:
    """Release a hold (its request has closed); return False if it was already released.

    The recording then goes with the next retention run if its period has passed.
    """
    with transaction.atomic(), attributed_to(by):
        released = (
            RecordingHold.objects.open()
            .filter(pk=hold.pk)
            .update(released_at=timezone.now(), released_by=by)
        )
    hold.refresh_from_db()
    return bool(released)
