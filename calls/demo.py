"""Invented call recordings for `make run`, with generated audio, so that a supervisor trying
the register can find a call and listen to it. Nobody here is a real person and nothing here
was ever said: the audio is synthesised tones and line noise."""

from __future__ import annotations

import hashlib
import io
import math
import random
import struct
import wave
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo import DemoLoader, register_demo_loader
from calls.models import CallRecording, Direction, storage_name
from calls.personal_data import RECORDINGS_30_DAYS
from customers.models import Customer

SAMPLE_RATE = 8000  # telephone audio
QUEUES = ["Ajanvaraus", "Asiakaspalvelu", "Laskutus", "Työterveys"]
AGENTS = ["agent-3", "agent-7", "agent-12", "agent-15"]
# Numbers no demo person has: these calls stay unidentified, as a withheld one does.
UNKNOWN_NUMBERS = ["+358451234987", "+358503332211", "+46701234567", ""]


def call_audio(seconds: int, *, rng: random.Random) -> bytes:
    """Return a mono 16-bit WAV of a made-up call: two "voices" (tone bursts at different
    pitches, gliding like speech) taking turns over faint line noise."""
    frames = bytearray()
    pitches = (rng.uniform(110, 150), rng.uniform(190, 240))
    turn_length = SAMPLE_RATE * rng.uniform(1.2, 2.2)
    for n in range(seconds * SAMPLE_RATE):
        turn = int(n // turn_length)
        t = n / SAMPLE_RATE
        pitch = pitches[turn % 2] * (1 + 0.08 * math.sin(2 * math.pi * 3 * t))
        # Syllables: the voice swells and fades four times a second, with a pause per turn.
        syllable = max(0.0, math.sin(2 * math.pi * 4 * t)) if (n % turn_length) > 2400 else 0.0
        phase = 2 * math.pi * pitch * t
        voice = syllable * (math.sin(phase) + 0.4 * math.sin(2 * phase))
        sample = 5000 * voice + rng.gauss(0, 150)
        frames += struct.pack("<h", max(-32768, min(32767, int(sample))))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(bytes(frames))
    return buffer.getvalue()


def load_demo_recordings(*, calls: int = 24, seed: int = 2018) -> int:
    """Create demo recordings over the last four weeks; return how many (0 when there are
    some). Most callers are demo people with a phone number; a few are unidentified."""
    if CallRecording.objects.exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    callers = list(Customer.objects.exclude(phone="").order_by("pk")[:40])
    storage = CallRecording._meta.get_field("audio").storage
    now = timezone.now()
    for n in range(calls):
        person = rng.choice(callers) if callers and n % 5 else None
        number = person.phone if person else UNKNOWN_NUMBERS[n // 5 % len(UNKNOWN_NUMBERS)]
        started = now - timedelta(days=rng.uniform(0.1, 27), minutes=rng.randint(0, 500))
        seconds = rng.randint(6, 15)
        content = call_audio(seconds, rng=rng)
        name = storage.save(storage_name("wav", now=started), ContentFile(content))
        CallRecording.objects.create(
            call_id=f"demo-{n + 1:04d}",
            caller_number=number,
            customer=person,
            agent=rng.choice(AGENTS),
            queue=rng.choice(QUEUES),
            direction=Direction.OUTBOUND if n % 7 == 3 else Direction.INBOUND,
            started_at=started,
            duration_seconds=seconds,
            audio=name,
            content_type="audio/wav",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            expires_at=RECORDINGS_30_DAYS.expiry_of(started),
            received_at=started + timedelta(seconds=seconds + 5),
        )
    return calls


register_demo_loader(DemoLoader(order=40, load=load_demo_recordings))
