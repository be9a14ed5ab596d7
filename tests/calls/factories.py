from __future__ import annotations

import hashlib
import io
import wave
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from calls.models import CallRecording, Direction, RecordingHold, storage_name
from calls.personal_data import RECORDINGS_30_DAYS


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """Return a real, playable WAV file of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


def _stored(content: bytes) -> str:
    storage = CallRecording._meta.get_field("audio").storage
    return storage.save(storage_name("wav"), ContentFile(content))


class CallRecordingFactory(factory.django.DjangoModelFactory):
    """A recording with a real WAV file in the default storage."""

    class Meta:
        model = CallRecording
        exclude = ("content",)

    content = factory.LazyFunction(wav_bytes)
    call_id = factory.Sequence(lambda n: f"call-{n:06d}")
    caller_number = factory.Sequence(lambda n: f"+35850{2000000 + n}")
    agent = "agent-7"
    queue = "Asiakaspalvelu"
    direction = Direction.INBOUND
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    duration_seconds = 95
    audio = factory.LazyAttribute(lambda o: _stored(o.content))
    content_type = "audio/wav"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    expires_at = factory.LazyAttribute(lambda o: RECORDINGS_30_DAYS.expiry_of(o.started_at))


class RecordingHoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecordingHold

    recording = factory.SubFactory(CallRecordingFactory)
    request_reference = factory.Sequence(lambda n: f"TP-2026-{n:04d}")
    reason = "Tietopyyntö: asiakas pyysi tallenteen."
