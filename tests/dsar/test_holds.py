"""An open access, portability or erasure request holds the person's call recordings past the
30-day purge; closing it releases them, and the normal period applies again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import CallRecording, RecordingHold
from calls.personal_data import RECORDINGS_30_DAYS
from dsar import services
from privacy import retention
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db


def test_holds_keep_recordings_while_the_request_is_open_and_release_on_closing(privacy_officer):
    person = CustomerFactory()
    old = CallRecordingFactory(customer=person, started_at=timezone.now() - timedelta(days=40))
    other = CallRecordingFactory(started_at=timezone.now() - timedelta(days=40))
    dsar = make_request(by=privacy_officer, customer=person, types=["access"])
    assert RecordingHold.objects.open().get().recording == old
    assert dsar.timeline.filter(text__contains="1").exists()

    retention.enforce(RECORDINGS_30_DAYS)
    assert CallRecording.objects.filter(pk=old.pk).exists()  # kept past 30 days
    assert not CallRecording.objects.filter(pk=other.pk).exists()

    services.withdraw(dsar=dsar, note="Peruttu", by=privacy_officer)
    assert not RecordingHold.objects.open().exists()
    retention.enforce(RECORDINGS_30_DAYS)
    assert not CallRecording.objects.filter(pk=old.pk).exists()


def test_a_rectification_request_holds_nothing(privacy_officer):
    person = CustomerFactory()
    CallRecordingFactory(customer=person)
    make_request(by=privacy_officer, customer=person, types=["rectification"])
    assert not RecordingHold.objects.exists()


def test_matching_the_customer_later_places_the_holds(privacy_officer):
    person = CustomerFactory()
    CallRecordingFactory(customer=person)
    dsar = make_request(by=privacy_officer, types=["erasure"])
    assert not RecordingHold.objects.exists()
    dsar.customer = person
    services.update_details(dsar=dsar, changed=["customer"], by=privacy_officer)
    assert RecordingHold.objects.open().get().request_reference == dsar.reference


def test_a_hold_placed_by_hand_must_cite_an_open_request_of_the_person(client_for, privacy_officer):
    person = CustomerFactory()
    recording = CallRecordingFactory(customer=person)
    someone_else = make_request(by=privacy_officer, customer=CustomerFactory(), types=["access"])
    closed = make_request(by=privacy_officer, customer=person, types=["rectification"])
    services.withdraw(dsar=closed, note="", by=privacy_officer)
    client = client_for(privacy_officer)
    url = reverse("admin:calls_recordinghold_add")
    for reference in ("TSP-1999-0001", someone_else.reference, closed.reference):
        response = client.post(
            url, {"recording": recording.pk, "request_reference": reference, "reason": "x"}
        )
        assert response.status_code == 200, reference
        assert "request_reference" in response.context["adminform"].form.errors
    assert not RecordingHold.objects.filter(recording=recording).exists()
    mine = make_request(by=privacy_officer, customer=person, types=["rectification"])
    response = client.post(
        url, {"recording": recording.pk, "request_reference": mine.reference, "reason": "x"}
    )
    assert response.status_code == 302
    assert RecordingHold.objects.get(recording=recording).request_reference == mine.reference


def test_an_open_hold_past_the_deadline_is_on_the_privacy_officers_list(
    client_for, privacy_officer
):
    person = CustomerFactory()
    CallRecordingFactory(customer=person)
    late = make_request(
        by=privacy_officer,
        customer=person,
        received_on=timezone.localdate() - timedelta(days=45),
    )
    make_request(by=privacy_officer, customer=CustomerFactory())
    response = client_for(privacy_officer).get(
        reverse("admin:dsar_datasubjectrequest_changelist"), {"due": "holds"}
    )
    assert list(response.context["cl"].result_list) == [late]
