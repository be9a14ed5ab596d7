"""Listening: supervisors and the privacy officer only, always with a logged purpose."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.models import CallRecording
from tests.calls.factories import CallRecordingFactory, RecordingHoldFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LISTENERS = ["supervisor", "privacy_officer"]
OTHERS = ["clerk", "marketer", "outsider"]


def detail(recording: CallRecording) -> str:
    return f"/puhelut/{recording.pk}/"


def choose(client: Client, recording: CallRecording, purpose: str = "training"):
    return client.post(detail(recording), {"purpose": purpose})


def audio_url(page: str) -> str:
    return re.search(r'<audio[^>]* src="([^"]+)"', page)[1]


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_cannot_list_open_or_play_recordings(cast, role, client_for, media_root):
    recording = CallRecordingFactory()
    client = client_for(cast[role])
    assert client.get("/puhelut/").status_code == 403
    assert client.get(detail(recording)).status_code == 403
    assert choose(client, recording).status_code == 403
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("role", OTHERS)
def test_a_grant_issued_to_a_listener_does_not_open_the_audio_for_others(
    cast, role, client_for, media_root
):
    recording = CallRecordingFactory()
    player = choose(client_for(cast["supervisor"]), recording).url
    url = audio_url(client_for(cast["supervisor"]).get(player).content.decode())
    assert client_for(cast[role]).get(url).status_code == 403
    other_listener = client_for(cast["privacy_officer"])
    assert other_listener.get(url).status_code == 403


def test_signed_out_visitors_are_sent_to_the_login(media_root, db):
    recording = CallRecordingFactory()
    response = Client().get(detail(recording))
    assert response.status_code == 302 and "/account/login/" in response.url


@pytest.mark.parametrize("role", LISTENERS)
def test_listeners_must_choose_a_purpose_before_the_audio_appears(
    cast, role, client_for, media_root
):
    customer = CustomerFactory()
    recording = CallRecordingFactory(customer=customer)
    client = client_for(cast[role])

    page = client.get(detail(recording)).content.decode()
    assert "<audio" not in page
    for label in ("Koulutus", "Palvelutasotutkimus", "Ohjeistuksen kehittäminen"):
        assert label in page

    no_purpose = client.post(detail(recording), {})
    assert no_purpose.status_code == 200 and "<audio" not in no_purpose.content.decode()
    assert client.post(detail(recording), {"purpose": "marketing"}).status_code == 200
    # Each showing of the recording's details is a view; no playback yet.
    assert set(AccessLogEntry.objects.values_list("action", flat=True)) == {AccessAction.VIEW}

    chosen = choose(client, recording, "complaint")
    assert chosen.status_code == 302
    player = client.get(chosen.url).content.decode()
    assert "<audio" in player

    entry = AccessLogEntry.objects.get(action=AccessAction.PLAYBACK)
    assert (entry.action, entry.purpose, entry.user) == (
        AccessAction.PLAYBACK,
        AccessPurpose.COMPLAINT,
        cast[role],
    )
    assert (entry.subject_type.model, entry.subject_id) == ("customer", customer.pk)
    assert (entry.object_type.model, entry.object_id) == ("callrecording", recording.pk)


def test_each_playback_is_logged_with_its_own_purpose(supervisor, client_for, media_root):
    recording = CallRecordingFactory(customer=None)
    client = client_for(supervisor)
    for purpose in ("training", "service_level", "instructions", "complaint"):
        assert choose(client, recording, purpose).status_code == 302
    entries = AccessLogEntry.objects.order_by("pk")
    assert [e.purpose for e in entries] == [
        "training",
        "service_level",
        "instructions",
        "complaint",
    ]
    # Without a customer the recording itself is the subject, so the entry goes with it.
    recording_type = ContentType.objects.get_for_model(CallRecording)
    assert all(e.subject_type == recording_type for e in entries)


def test_the_audio_streams_whole_and_by_range(supervisor, client_for, media_root):
    recording = CallRecordingFactory()
    content = (media_root / recording.audio.name).read_bytes()
    client = client_for(supervisor)
    url = audio_url(client.get(choose(client, recording).url).content.decode())

    whole = client.get(url)
    assert whole.status_code == 200
    assert b"".join(whole.streaming_content) == content
    assert whole["Content-Type"] == "audio/wav"
    assert whole["Accept-Ranges"] == "bytes"
    assert "no-store" in whole["Cache-Control"]

    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == content[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(content)}"

    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == content[-4:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(content) + 5}-").status_code == 416
    # Streaming and seeking are one playback: one entry.
    assert AccessLogEntry.objects.count() == 1


def test_a_forged_or_foreign_grant_is_refused(supervisor, client_for, media_root):
    first, second = CallRecordingFactory(), CallRecordingFactory()
    client = client_for(supervisor)
    url = audio_url(client.get(choose(client, first).url).content.decode())
    assert client.get(url.replace(f"/{first.pk}/", f"/{second.pk}/")).status_code == 403
    assert client.get(f"/puhelut/{first.pk}/aani/forged:grant/").status_code == 403
    assert client.get(f"/puhelut/{first.pk}/kuuntele/forged:grant/").status_code == 403


def test_an_old_grant_expires(supervisor, client_for, media_root):
    import time_machine

    recording = CallRecordingFactory()
    client = client_for(supervisor)
    url = audio_url(client.get(choose(client, recording).url).content.decode())
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        client = client_for(supervisor)
        assert client.get(url).status_code == 403


def test_the_audio_is_not_reachable_through_any_public_url(
    supervisor, client_for, media_root, settings
):
    recording = CallRecordingFactory()
    name = recording.audio.name
    for client in (Client(), client_for(supervisor)):
        for prefix in (settings.MEDIA_URL, "/media/", "/", "/static/"):
            assert client.get(f"{prefix}{name}").status_code == 404, prefix
    # Pages never reveal where the file is stored.
    client = client_for(supervisor)
    for path in ("/puhelut/", detail(recording), choose(client, recording).url):
        assert name not in client.get(path).content.decode()


def test_the_list_shows_recordings_with_days_left_in_constant_queries(
    supervisor, client_for, media_root, django_assert_max_num_queries
):
    now = timezone.now()
    for days in range(12):
        CallRecordingFactory(customer=CustomerFactory(), started_at=now - timedelta(days=days))
    held = CallRecordingFactory(started_at=now - timedelta(days=29, hours=12))
    RecordingHoldFactory(recording=held, request_reference="TP-77", placed_by=supervisor)
    client = client_for(supervisor)
    client.get("/puhelut/")  # warm the session and permission caches
    # Session, user, device, permissions, roles and the session save, then a count and one
    # query for the page: 13 recordings or 1300, the same.
    # 12: with the access-log INSERT of the calls shown.
    with django_assert_max_num_queries(12):
        response = client.get("/puhelut/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "30 päivää" in page and "19 päivää" in page
    assert "Säilytetään: pyyntö TP-77" in page


def test_the_listening_page_has_constant_queries(
    supervisor, client_for, media_root, django_assert_max_num_queries
):
    recording = CallRecordingFactory(customer=CustomerFactory())
    client = client_for(supervisor)
    client.get(detail(recording))
    # 11: with the access-log entry of the recording viewed.
    with django_assert_max_num_queries(11):
        assert client.get(detail(recording)).status_code == 200


def render_customer_calls(user, customer) -> str:
    request = RequestFactory().get("/")
    request.user = user
    from django.contrib.auth.context_processors import PermWrapper

    return render_to_string(
        "calls/_customer_calls.html",
        {"calls": CallRecording.objects.for_customer(customer), "perms": PermWrapper(user)},
        request=request,
    )


def test_the_customer_page_section_lists_the_persons_calls_with_days_left(
    clerk, supervisor, media_root, django_assert_num_queries
):
    customer, other = CustomerFactory(), CustomerFactory()
    now = timezone.now()
    CallRecordingFactory(customer=customer, started_at=now - timedelta(days=3))
    CallRecordingFactory(customer=customer, started_at=now - timedelta(days=29, hours=12))
    held = CallRecordingFactory(customer=customer, started_at=now - timedelta(days=40))
    RecordingHoldFactory(recording=held, request_reference="TP-2026-0042", placed_by=clerk)
    CallRecordingFactory(customer=other)

    with django_assert_num_queries(1):
        calls = list(CallRecording.objects.for_customer(customer))
    assert [c.started_at < now - timedelta(days=30) for c in calls] == [False, False, True]

    for_clerk = render_customer_calls(clerk, customer)
    assert "27 päivää" in for_clerk and "1 päivä" in for_clerk
    assert "Säilytetään: pyyntö TP-2026-0042" in for_clerk
    assert "Kuuntele" not in for_clerk
    for_supervisor = render_customer_calls(supervisor, customer)
    assert for_supervisor.count('href="/puhelut/') == 3


def test_the_customer_page_section_says_when_there_are_no_calls(clerk, db):
    assert "Ei puhelutallenteita." in render_customer_calls(clerk, CustomerFactory())
