"""A broker outage never loses work: with the broker (a private Redis) stopped, an audience
export and a stored call are recorded and their jobs wait in the database; the pages say so
and never answer 500. When the broker is back, the sweep publishes the jobs, a real worker
runs them, and nothing is lost and nothing is done twice, duplicate deliveries included."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import ApiClient, Scope
from calls.models import CallRecording
from consents.models import AudienceExport, Disclosure, ExportStatus
from consents.services import EXPORT_JOB, consent_give
from feedback.models import InvitationStatus, SurveyInvitation
from feedback.services import INVITE_JOB, SEND_JOB
from jobs.models import Job
from jobs.services import publish, publish_due
from tests.calls.factories import wav_bytes
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory
from tests.jobs.conftest import worker_on
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outboxes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND = "feedback.sms.backends.file.SmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


def sent_messages(outbox) -> list[dict]:
    if not outbox.exists():
        return []
    return [json.loads(path.read_text()) for path in sorted(outbox.glob("*.json"))]


def store_call(token: str) -> int:
    response = Client().post(
        "/api/v1/calls/",
        {
            "call_id": "pbx-outage-1",
            "caller_number": "+358 40 765 4321",
            "direction": "inbound",
            "started_at": (timezone.now() - timedelta(minutes=2)).isoformat(),
            "duration_seconds": "45",
            "audio": SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav"),
        },
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code


def test_a_broker_outage_loses_no_job_and_runs_none_twice(
    private_broker, clerk, marketer, client_for, outboxes
):
    for person in [CustomerFactory() for _ in range(4)]:
        consent_give(customer=person, purpose="email-marketing", channel="phone", by=clerk)
    caller = CustomerFactory(phone="+358407654321")
    _client, token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    browser = client_for(marketer)

    private_broker.stop()  # the outage

    created = browser.post(
        "/markkinointi/viennit/",
        {"purpose": "email-marketing", "recipient": RecipientFactory().pk, "format": "csv"},
        follow=True,
    )
    assert created.status_code == 200
    page = created.content.decode()
    assert "Tehtäväpalvelu ei vastaa" in page and "Odottaa tehtäväpalvelua" in page
    export = AudienceExport.objects.get()
    progress = browser.get(f"/markkinointi/viennit/{export.pk}/tila/").json()
    assert progress["label"] == "Odottaa tehtäväpalvelua" and not progress["finished"]
    listing = browser.get("/markkinointi/kohderyhmat/")
    assert listing.status_code == 200 and "Odottaa tehtäväpalvelua" in listing.content.decode()
    # The retry button works while the broker is still down: it says so, and loses nothing.
    retried = browser.post(f"/markkinointi/viennit/{export.pk}/uudelleen/", follow=True)
    assert retried.status_code == 200 and "Tehtäväpalvelu ei vastaa" in retried.content.decode()

    assert store_call(token) == 201
    call = CallRecording.objects.get()
    assert call.customer == caller

    waiting = Job.objects.waiting_for_service()
    assert sorted(waiting.values_list("task", "args")) == [
        (EXPORT_JOB, [export.pk]),
        (INVITE_JOB, [call.pk]),
    ]

    private_broker.start()  # the broker is back, empty: nothing was ever published
    assert private_broker.client().llen(private_broker.queue) == 0
    assert publish_due(older_than=timedelta(0)) == 2
    assert not Job.objects.waiting_for_service().exists()
    # A lost acknowledgement or a second sweep publishes a job twice: both jobs again.
    for job in Job.objects.all():
        assert publish(job)

    with worker_on(private_broker):
        wait_until(
            lambda: (
                AudienceExport.objects.get().status == ExportStatus.DONE
                and SurveyInvitation.objects.filter(status=InvitationStatus.SENT).exists()
                and not Job.objects.filter(done_at__isnull=True).exists()
            ),
            what="the worker to run the jobs",
        )
        broker = private_broker.client()
        wait_until(
            lambda: broker.llen(private_broker.queue) == 0 and not broker.hlen("unacked"),
            what="the worker to consume the duplicate deliveries",
        )

    # Nothing lost: the export is disclosed, the caller got the survey.
    assert AudienceExport.objects.get().written == 4
    # Nothing twice: one disclosure, one invitation, one message; each job ran once.
    assert Disclosure.objects.count() == 1
    assert SurveyInvitation.objects.count() == 1
    (message,) = sent_messages(outboxes)
    assert message["to"] == "+358407654321"
    jobs = {job.task: job for job in Job.objects.all()}
    assert set(jobs) == {EXPORT_JOB, INVITE_JOB, SEND_JOB}
    assert all(job.runs == 1 and job.done_at for job in jobs.values())
    # The broker accepted it twice (the sweep and the duplicate), never during the outage.
    assert jobs[EXPORT_JOB].publications == 2
