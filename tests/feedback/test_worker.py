"""The survey path through the real Redis broker and a real Celery worker: a call registered
through the telephony API ends up as one text message in the outbox."""

from __future__ import annotations

from datetime import timedelta

from celery.contrib.testing.tasks import ping
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from feedback.models import InvitationStatus, SurveyInvitation
from tests.calls.factories import wav_bytes
from tests.customers.factories import CustomerFactory
from tests.feedback.conftest import sent_messages
from tests.waiting import wait_until


def test_a_registered_call_gets_its_survey_through_a_real_worker(
    celery_worker,
    telephony,
    sms_outbox,
):
    customer = CustomerFactory(phone="+358401234567")
    _client, headers = telephony
    response = Client().post(
        "/api/v1/calls/",
        {
            "call_id": "pbx-worker-1",
            "caller_number": "+358 40 123 4567",
            "direction": "inbound",
            "started_at": (timezone.now() - timedelta(minutes=3)).isoformat(),
            "duration_seconds": "60",
            "audio": SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav"),
        },
        **headers,
    )
    assert response.status_code == 201

    wait_until(
        lambda: SurveyInvitation.objects.filter(status=InvitationStatus.SENT).exists(),
        what="the worker to send the survey",
    )
    (message,) = sent_messages(sms_outbox)
    assert message["to"] == "+358401234567"
    invitation = SurveyInvitation.objects.get()
    assert invitation.customer == customer
    assert invitation.attempts == 1
    # Nothing else arrives later: the worker takes its queue in order, one task at a time, so
    # once a task sent now has run, whatever was queued before it has run too.
    assert ping.delay().get(timeout=120) == "pong"
    assert len(sent_messages(sms_outbox)) == 1
