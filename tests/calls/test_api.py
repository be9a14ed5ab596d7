"""The telephony API: POST /api/v1/calls/ with the metadata and the audio (multipart)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pghistory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import ApiClient, Scope
from calls.models import CallRecording
from calls.personal_data import RECORDINGS_30_DAYS
from tests.calls.factories import wav_bytes
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/calls/"


@pytest.fixture
def telephony():
    client, token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def form(**overrides):
    data = {
        "call_id": "pbx-2026-000123",
        "caller_number": "040 123 4567",
        "agent": "agent-12",
        "queue": "Ajanvaraus",
        "direction": "inbound",
        "started_at": (timezone.now() - timedelta(minutes=10)).isoformat(),
        "duration_seconds": "184",
        "audio": SimpleUploadedFile("puhelu.wav", wav_bytes(), content_type="audio/wav"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def test_a_recording_is_stored_with_its_metadata_and_matched_to_the_customer(telephony, media_root):
    client, headers = telephony
    customer = CustomerFactory(phone="+358401234567")
    audio = wav_bytes()

    response = Client().post(
        URL, form(audio=SimpleUploadedFile("x.wav", audio, "audio/wav")), **headers
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    recording = CallRecording.objects.get()
    assert body["id"] == recording.pk and body["customer_matched"] is True
    assert recording.customer == customer
    assert recording.caller_number.as_e164 == "+358401234567"
    assert (recording.agent, recording.queue, recording.direction) == (
        "agent-12",
        "Ajanvaraus",
        "inbound",
    )
    assert recording.duration_seconds == 184
    assert recording.size == len(audio) == body["size"]
    assert recording.sha256 == hashlib.sha256(audio).hexdigest() == body["sha256"]
    assert recording.content_type == "audio/wav"
    assert recording.expires_at == RECORDINGS_30_DAYS.expiry_of(recording.started_at)
    # The name is the server's own: no trace of what the client called the file.
    assert recording.audio.name.startswith("calls/") and "x.wav" not in recording.audio.name
    assert recording.audio.name.endswith(".wav")
    (path,) = stored_files(media_root)
    assert path.read_bytes() == audio
    # The change history attributes the new row to the telephony client.
    event = pghistory.models.Events.objects.tracks(recording).get()
    assert event.pgh_context["api_client"] == client.pk


def test_an_unknown_number_keeps_only_the_number(telephony, media_root):
    _client, headers = telephony
    CustomerFactory(phone="+358401111111")
    response = Client().post(URL, form(caller_number="+358 50 765 4321"), **headers)
    assert response.status_code == 201
    recording = CallRecording.objects.get()
    assert recording.customer is None and response.json()["customer_matched"] is False
    assert recording.caller_number.as_e164 == "+358507654321"


def test_a_number_two_customers_share_is_not_guessed(telephony, media_root):
    _client, headers = telephony
    CustomerFactory(phone="+358401234567")
    CustomerFactory(phone="+358401234567")
    assert Client().post(URL, form(), **headers).status_code == 201
    assert CallRecording.objects.get().customer is None


def test_a_withheld_number_is_stored_blank(telephony, media_root):
    _client, headers = telephony
    assert Client().post(URL, form(caller_number=""), **headers).status_code == 201
    assert str(CallRecording.objects.get().caller_number) == ""


def test_a_retry_returns_the_stored_recording_and_duplicates_nothing(telephony, media_root):
    _client, headers = telephony
    audio = wav_bytes()
    first = Client().post(URL, form(audio=SimpleUploadedFile("a.wav", audio)), **headers)
    retry = Client().post(URL, form(audio=SimpleUploadedFile("a.wav", audio)), **headers)
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json() == first.json()
    assert CallRecording.objects.count() == 1
    assert len(stored_files(media_root)) == 1


def test_the_same_call_id_with_other_audio_is_a_conflict(telephony, media_root):
    _client, headers = telephony
    Client().post(URL, form(), **headers)
    other = SimpleUploadedFile("b.wav", wav_bytes(seconds=1.0))
    response = Client().post(URL, form(audio=other), **headers)
    assert response.status_code == 409
    assert "call_id" in response.json()
    assert CallRecording.objects.count() == 1
    assert len(stored_files(media_root)) == 1


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"x" * 400


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"call_id": None}, "call_id"),
        ({"call_id": "has spaces; and <tags>"}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"caller_number": "not a number"}, "caller_number"),
        ({"direction": "sideways"}, "direction"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": None}, "started_at"),
        ({"duration_seconds": "-5"}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"audio": None}, "audio"),
        ({"audio": SimpleUploadedFile("empty.wav", b"", "audio/wav")}, "audio"),
        # Named and declared as audio, but the content says otherwise.
        ({"audio": SimpleUploadedFile("puhelu.wav", PDF, "audio/wav")}, "audio"),
        ({"audio": SimpleUploadedFile("puhelu.mp3", b"\0" * 600, "audio/mpeg")}, "audio"),
    ],
    ids=[
        "no-call-id",
        "bad-call-id",
        "long-call-id",
        "bad-number",
        "bad-direction",
        "bad-time",
        "no-time",
        "negative-duration",
        "text-duration",
        "no-audio",
        "empty-audio",
        "pdf-named-wav",
        "zeros-named-mp3",
    ],
)
def test_bad_input_gets_a_400_with_field_errors_and_leaves_no_file(
    telephony, media_root, overrides, field
):
    _client, headers = telephony
    response = Client().post(URL, form(**overrides), **headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json() and isinstance(response.json()[field], list)
    assert not CallRecording.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "started", [timedelta(hours=1), -31 * timedelta(days=1)], ids=["future", "past-retention"]
)
def test_a_call_time_outside_the_retention_window_is_refused(telephony, media_root, started):
    _client, headers = telephony
    response = Client().post(
        URL, form(started_at=(timezone.now() + started).isoformat()), **headers
    )
    assert response.status_code == 400 and "started_at" in response.json()
    assert stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(telephony, media_root, settings):
    _client, headers = telephony
    settings.CALL_RECORDING_MAX_BYTES = 2000
    big = SimpleUploadedFile("big.wav", wav_bytes(seconds=1.0))  # 16 kB
    response = Client().post(URL, form(audio=big), **headers)
    assert response.status_code == 400
    assert "audio" in response.json()
    assert stored_files(media_root) == []


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(telephony, settings, media_root):
    _client, headers = telephony
    settings.CALL_RECORDING_MAX_BYTES = 1000
    response = Client().generic(
        "POST",
        URL,
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(5 * 1024 * 1024),
        **headers,
    )
    assert response.status_code == 400 and "audio" in response.json()


def test_the_default_size_limit_is_50_megabytes(settings):
    assert settings.CALL_RECORDING_MAX_BYTES == 50 * 1024 * 1024


def test_no_token_gets_401_and_another_scope_gets_403(media_root):
    _client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.FEEDBACK])
    assert Client().post(URL, form()).status_code == 401
    response = Client().post(URL, form(), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403 and "detail" in response.json()
    assert not CallRecording.objects.exists() and stored_files(media_root) == []


def test_a_revoked_telephony_token_is_refused(telephony, media_root):
    client, headers = telephony
    client.revoke()
    assert Client().post(URL, form(), **headers).status_code == 401


def test_the_endpoint_is_in_the_api_schema():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/calls/" in response.content.decode()
