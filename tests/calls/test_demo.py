"""The demo register has recordings a supervisor can find and play (issue 17, item 7)."""

from __future__ import annotations

import hashlib
import io
import wave

import pytest

from accounts.demo import load_demo_staff
from calls.demo import load_demo_recordings
from calls.models import CallRecording
from calls.services import detect_audio_type
from customers.demo import load_demo_register

pytestmark = pytest.mark.django_db


def test_demo_recordings_are_real_audio_of_their_stated_length_and_load_once(media_root):
    load_demo_staff()
    load_demo_register(people=30)
    assert load_demo_recordings(calls=6) == 6
    assert load_demo_recordings(calls=6) == 0
    recordings = list(CallRecording.objects.all())
    assert any(r.customer_id for r in recordings)
    assert any(r.customer_id is None and r.caller_number for r in recordings)
    for recording in recordings:
        content = recording.audio.read()
        recording.audio.close()
        assert hashlib.sha256(content).hexdigest() == recording.sha256
        assert len(content) == recording.size
        assert detect_audio_type(io.BytesIO(content)).content_type == recording.content_type
        with wave.open(io.BytesIO(content)) as audio:
            assert audio.getnframes() / audio.getframerate() == recording.duration_seconds
            # Not silence: something to hear.
            assert max(audio.readframes(audio.getnframes())) > 0
        assert recording.customer is None or recording.customer.phone == recording.caller_number
