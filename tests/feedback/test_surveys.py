"""SMS surveys after customer-service calls: who is asked, once, and how sending survives a
failing gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import ApiClient, Scope
from calls.models import Direction
from calls.services import detect_audio_type, recording_receive
from consents.models import BanKind, Channel, ConsentPurpose
from consents.services import ban_record
from customers.models import LifeStatus
from feedback import tasks
from feedback.models import InvitationStatus, SurveyInvitation
from feedback.services import (
    invitation_text,
    may_survey_caller,
    send_stuck_invitations,
    survey_invite_for_call,
    survey_send,
)
from feedback.sms import SmsGatewayError
from privacy.restriction import restriction_set
from tests.calls.factories import CallRecordingFactory, wav_bytes
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory
from tests.feedback.conftest import sent_messages
from tests.feedback.gateway import FakeGateway

pytestmark = pytest.mark.django_db


def call_from(customer=None, *, number=None, **kwargs):
    number = number or (customer.phone if customer else "+358409998877")
    return CallRecordingFactory(customer=customer, caller_number=number, **kwargs)


def invite_and_send(call):
    invitation = survey_invite_for_call(call_id=call.pk)
    if invitation is not None:
        survey_send(invitation_id=invitation.pk)
    return invitation


# --- Who is asked -------------------------------------------------------------------------------


def test_a_caller_gets_one_survey_text_after_a_call(sms_outbox):
    customer = CustomerFactory(phone="+358401234567")
    call = call_from(customer)

    invitation = invite_and_send(call)

    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.customer == customer and invitation.call == call
    assert invitation.gateway_message_id == f"file-{invitation.idempotency_key}"
    (message,) = sent_messages(sms_outbox)
    assert message["to"] == "+358401234567"
    assert "asteikolla 1–5" in message["body"]
    assert "7 päivän" in message["body"]
    assert message["body"] == invitation_text(invitation)


def test_the_same_invitation_is_never_sent_twice(sms_outbox):
    call = call_from(CustomerFactory())
    invitation = survey_invite_for_call(call_id=call.pk)

    assert survey_send(invitation_id=invitation.pk) is not None
    assert survey_send(invitation_id=invitation.pk) is None  # a redelivered task
    assert len(sent_messages(sms_outbox)) == 1


def test_a_person_with_a_survey_ban_is_never_surveyed(sms_outbox, clerk):
    customer = CustomerFactory()
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)

    assert invite_and_send(call_from(customer)) is None
    assert sent_messages(sms_outbox) == []
    assert not SurveyInvitation.objects.exists()


def test_an_objection_also_stops_surveys(sms_outbox, clerk):
    customer = CustomerFactory()
    ban_record(customer=customer, kind=BanKind.OBJECTION, channel=Channel.LETTER, by=clerk)
    assert invite_and_send(call_from(customer)) is None


def test_a_restricted_person_is_never_surveyed(sms_outbox, privacy_officer):
    customer = CustomerFactory()
    restriction_set(customer=customer, reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)

    assert invite_and_send(call_from(customer)) is None
    assert sent_messages(sms_outbox) == []


def test_a_deceased_person_is_never_surveyed(sms_outbox):
    customer = CustomerFactory(life_status=LifeStatus.DECEASED)
    assert invite_and_send(call_from(customer)) is None


def test_nobody_is_surveyed_twice_within_30_days(sms_outbox):
    customer = CustomerFactory()
    assert invite_and_send(call_from(customer)) is not None

    # The same number again, and the same person from another number.
    assert invite_and_send(call_from(customer)) is None
    assert invite_and_send(call_from(customer, number="+358501110000")) is None
    assert len(sent_messages(sms_outbox)) == 1

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert invite_and_send(call_from(customer)) is not None
    assert len(sent_messages(sms_outbox)) == 2


def test_a_failed_invitation_does_not_count_as_surveyed(sms_outbox):
    customer = CustomerFactory()
    first = survey_invite_for_call(call_id=call_from(customer).pk)
    SurveyInvitation.objects.filter(pk=first.pk).update(status=InvitationStatus.FAILED)
    assert may_survey_caller(phone=customer.phone.as_e164, customer=customer)


def test_an_unknown_caller_is_surveyed_but_not_a_number_a_banned_person_shares(sms_outbox, clerk):
    assert invite_and_send(call_from(None, number="+358407770000")) is not None

    # Two people share a number, so the call matched nobody; one of them has a survey ban.
    shared = "+358406660000"
    CustomerFactory(phone=shared)
    banned = CustomerFactory(phone=shared)
    ban_record(customer=banned, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)
    assert invite_and_send(call_from(None, number=shared)) is None
    assert len(sent_messages(sms_outbox)) == 1


def test_outbound_and_withheld_calls_are_not_surveyed(sms_outbox):
    customer = CustomerFactory()
    assert (
        survey_invite_for_call(call_id=call_from(customer, direction=Direction.OUTBOUND).pk) is None
    )
    assert survey_invite_for_call(call_id=CallRecordingFactory(caller_number="").pk) is None


def test_no_survey_when_the_purpose_is_not_in_use(sms_outbox):
    ConsentPurpose.objects.filter(code="satisfaction-survey").update(is_active=False)
    assert invite_and_send(call_from(CustomerFactory())) is None
    assert invite_and_send(call_from(None, number="+358405550000")) is None


def test_a_ban_set_after_queuing_cancels_the_text(sms_outbox, clerk):
    customer = CustomerFactory()
    invitation = survey_invite_for_call(call_id=call_from(customer).pk)
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)

    assert survey_send(invitation_id=invitation.pk) is None
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    assert sent_messages(sms_outbox) == []


def test_an_invitation_past_its_time_is_not_sent(sms_outbox):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert survey_send(invitation_id=invitation.pk) is None
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert sent_messages(sms_outbox) == []


# --- From the telephony API, through the task queue ---------------------------------------------


def test_registering_a_call_through_the_api_sends_one_survey(
    sms_outbox, telephony, eager_celery, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(phone="+358401234567")
    _client, headers = telephony
    form = {
        "call_id": "pbx-2026-000777",
        "caller_number": "040 123 4567",
        "direction": "inbound",
        "started_at": (timezone.now() - timedelta(minutes=8)).isoformat(),
        "duration_seconds": "120",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/calls/",
            {**form, "audio": SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav")},
            **headers,
        )
    assert response.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        retry = Client().post(
            "/api/v1/calls/",
            {**form, "audio": SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav")},
            **headers,
        )
    assert retry.status_code == 200

    (message,) = sent_messages(sms_outbox)
    assert message["to"] == "+358401234567"
    invitation = SurveyInvitation.objects.get()
    assert invitation.customer == customer
    assert invitation.status == InvitationStatus.SENT


def test_a_recording_stored_without_the_api_also_sends_its_survey(
    sms_outbox, eager_celery, django_capture_on_commit_callbacks
):
    # calls/ knows nothing of surveys: the survey starts from customers.service_calls.call_stored,
    # whatever stores the recording; here the service is called directly.
    customer = CustomerFactory(phone="+358401234567")
    telephony_client, _token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    audio = SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav")
    store = {
        "call_id": "pbx-2026-000778",
        "caller_number": PhoneNumber.from_string("+358401234567"),
        "agent": "Asiakaspalvelu",
        "queue": "asiakaspalvelu",
        "direction": Direction.INBOUND,
        "started_at": timezone.now() - timedelta(minutes=5),
        "duration_seconds": 60,
        "audio": audio,
        "audio_type": detect_audio_type(audio),
        "by": telephony_client,
    }

    with django_capture_on_commit_callbacks(execute=True) as queued:
        recording, created = recording_receive(**store)
    assert created and queued
    with django_capture_on_commit_callbacks(execute=True) as queued_again:
        recording_receive(**store)  # a retry stores nothing and queues nothing
    assert queued_again == []

    invitation = SurveyInvitation.objects.get()
    assert invitation.call == recording and invitation.customer == customer
    (message,) = sent_messages(sms_outbox)
    assert message["to"] == "+358401234567"


def test_a_recording_whose_transaction_rolls_back_queues_no_survey(
    sms_outbox, eager_celery, django_capture_on_commit_callbacks
):
    telephony_client, _token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    audio = SimpleUploadedFile("a.wav", wav_bytes(), "audio/wav")

    class Abort(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        pytest.raises(Abort),
        transaction.atomic(),
    ):
        recording_receive(
            call_id="pbx-2026-000779",
            caller_number=PhoneNumber.from_string("+358401234567"),
            agent="",
            queue="",
            direction=Direction.INBOUND,
            started_at=timezone.now(),
            duration_seconds=60,
            audio=audio,
            audio_type=detect_audio_type(audio),
            by=telephony_client,
        )
        raise Abort
    assert queued == []
    assert not SurveyInvitation.objects.exists()


# --- A failing gateway --------------------------------------------------------------------------


@pytest.fixture
def http_gateway(settings):
    def start(**options):
        gateway = FakeGateway(**options)
        settings.SMS_BACKEND = "feedback.sms.backends.http.SmsBackend"
        settings.SMS_GATEWAY_URL = gateway.url
        settings.SMS_GATEWAY_TOKEN = gateway.state.token
        settings.SMS_GATEWAY_TIMEOUT = 1.0
        settings.SMS_GATEWAY_RECIPIENT = RecipientFactory(name="Tekstiviestipalvelu Oy").name
        return gateway

    return start


@pytest.fixture
def no_backoff():
    """Retry at once: the schedule is Celery's, the test is about what a retry does."""
    task = tasks.send_survey_invitation
    saved = task.retry_backoff, task.retry_jitter
    task.retry_backoff, task.retry_jitter = False, False
    task.default_retry_delay = 0
    yield
    task.retry_backoff, task.retry_jitter = saved
    task.default_retry_delay = 180


def test_a_gateway_failure_is_retried_and_the_text_sent_once(
    http_gateway, eager_celery, no_backoff
):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with http_gateway(fail_first=2) as gateway:
        tasks.send_survey_invitation.delay(invitation.pk)

    requests = gateway.state.requests
    assert len(requests) == 3
    assert {r["key"] for r in requests} == {str(invitation.idempotency_key)}
    assert requests[0]["auth"] == "Bearer gateway-secret"
    assert len(gateway.state.delivered) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.attempts == 3
    assert invitation.gateway_message_id == "gw-1"


def test_a_lost_answer_is_retried_with_the_same_key_and_not_sent_again(
    http_gateway, eager_celery, no_backoff
):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    # The gateway takes the first request but answers after the client has given up.
    with http_gateway(slow_first=1, slow_seconds=2.0) as gateway:
        tasks.send_survey_invitation.delay(invitation.pk)

    assert len(gateway.state.requests) == 2
    assert len(gateway.state.delivered) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert invitation.gateway_message_id == "gw-1"


def test_after_the_last_attempt_the_invitation_is_failed(http_gateway, eager_celery, no_backoff):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with http_gateway(fail_first=100) as gateway:
        tasks.send_survey_invitation.delay(invitation.pk)

    assert len(gateway.state.requests) == tasks.MAX_RETRIES + 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED
    assert "503" in invitation.last_error


def test_a_refused_message_is_not_retried(http_gateway, eager_celery, no_backoff):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with http_gateway(fail_first=100, fail_status=400) as gateway:
        tasks.send_survey_invitation.delay(invitation.pk)

    assert len(gateway.state.requests) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED


def test_a_failed_attempt_puts_the_invitation_back_in_the_queue(http_gateway):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with http_gateway(fail_first=1), pytest.raises(SmsGatewayError):
        survey_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.QUEUED
    assert invitation.attempts == 1


def test_the_sweep_sends_what_an_outage_left_waiting(sms_outbox, eager_celery):
    customer = CustomerFactory()
    waiting = survey_invite_for_call(call_id=call_from(customer).pk)
    stuck = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    SurveyInvitation.objects.filter(pk=stuck.pk).update(
        status=InvitationStatus.SENDING, claimed_at=timezone.now()
    )

    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        assert send_stuck_invitations() == 2

    assert len(sent_messages(sms_outbox)) == 2
    assert set(SurveyInvitation.objects.values_list("status", flat=True)) == {"sent"}
    assert waiting.pk != stuck.pk


def test_the_sweep_also_runs_as_a_command(sms_outbox, eager_celery):
    from io import StringIO

    from django.core.management import call_command

    survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        call_command("send_survey_invitations", stdout=out)
    assert "Queued 1 survey invitations." in out.getvalue()
    assert len(sent_messages(sms_outbox)) == 1


# --- The gateway is a registered processor (notice §9, §10) -------------------------------------


@pytest.mark.parametrize(
    "registered",
    [
        None,  # the setting names no recipient
        "missing",  # names one the register does not have
        {"country": "US"},  # processes outside the EU/EEA
        {"is_active": False},  # no longer in use
    ],
)
def test_no_text_goes_to_a_gateway_that_is_not_a_processor_the_register_may_use(
    http_gateway, settings, registered
):
    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    with http_gateway() as gateway:
        if registered is None:
            settings.SMS_GATEWAY_RECIPIENT = ""
        elif registered == "missing":
            settings.SMS_GATEWAY_RECIPIENT = "Tuntematon Oy"
        else:
            settings.SMS_GATEWAY_RECIPIENT = RecipientFactory(**registered).name
        assert survey_send(invitation_id=invitation.pk) is None

    assert gateway.state.requests == []
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.FAILED
    assert invitation.last_error


def test_the_deploy_check_names_an_outside_service_without_its_recipient(settings, db):
    from django.core import checks

    from consents.checks import outside_services_are_registered_recipients

    settings.SMS_BACKEND = "feedback.sms.backends.http.SmsBackend"
    settings.SMS_GATEWAY_RECIPIENT = "Tuntematon Oy"
    settings.S3_BUCKET = "rekisteri"
    settings.STORAGE_RECIPIENT = RecipientFactory(country="CN").name
    errors = outside_services_are_registered_recipients(None, databases=["default"])
    assert [e.obj for e in errors] == ["SMS_GATEWAY_RECIPIENT", "STORAGE_RECIPIENT"]
    assert all(isinstance(e, checks.Error) for e in errors)

    settings.SMS_GATEWAY_RECIPIENT = RecipientFactory().name
    settings.STORAGE_RECIPIENT = RecipientFactory(country="SE").name
    assert outside_services_are_registered_recipients(None, databases=["default"]) == []
    assert outside_services_are_registered_recipients(None) == []  # no database named
    registered = checks.run_checks(include_deployment_checks=True, databases=["default"])
    assert not [e for e in registered if e.id.startswith("consents.")]


def test_the_sweep_leaves_what_a_broker_outage_keeps_to_the_job_outbox(db):
    # The sweep publishes through jobs/: a broker that is down fails nothing, and the job
    # waits in the database for the broker to come back.
    from unittest import mock

    from kombu.exceptions import OperationalError

    from feedback.services import SEND_JOB
    from jobs.models import Job

    invitation = survey_invite_for_call(call_id=call_from(CustomerFactory()).pk)
    down = OperationalError("Connection refused.")
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=15)),
        mock.patch.object(tasks.send_survey_invitation, "apply_async", side_effect=down) as sent,
    ):
        assert send_stuck_invitations() == 1

    assert sent.called
    assert Job.objects.of(SEND_JOB, invitation.pk).waiting_for_service().exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.QUEUED
