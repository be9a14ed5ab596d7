"""Survey answers from the SMS gateway become feedback linked to the call."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from feedback.models import Feedback, FeedbackChannel, InvitationStatus, Topic
from feedback.services import parse_answer
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import SurveyInvitationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/surveys/answers/"


def answer(headers, **payload):
    return Client().post(URL, payload, content_type="application/json", **headers)


@pytest.fixture
def invitation():
    customer = CustomerFactory(phone="+358401234567")
    call = CallRecordingFactory(customer=customer, caller_number=customer.phone)
    return SurveyInvitationFactory(customer=customer, call=call)


def test_an_answer_becomes_feedback_linked_to_the_call(invitation, gateway_client):
    client, headers = gateway_client
    response = answer(
        headers, message_id="in-1", sender="040 123 4567", text="4 Nopea ja ystävällinen palvelu"
    )

    assert response.status_code == 201, response.json()
    feedback = Feedback.objects.get(pk=response.json()["feedback_id"])
    assert feedback.rating == 4
    assert feedback.text == "Nopea ja ystävällinen palvelu"
    assert feedback.channel == FeedbackChannel.SMS_SURVEY
    assert feedback.topic == Topic.CUSTOMER_SERVICE
    assert feedback.call == invitation.call
    assert feedback.customer == invitation.customer
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert invitation.feedback == feedback
    assert feedback.events.get().pgh_context.metadata["api_client"] == client.pk


def test_a_redelivered_answer_makes_no_second_feedback(invitation, gateway_client):
    _client, headers = gateway_client
    first = answer(headers, message_id="in-2", sender="+358401234567", text="5")
    again = answer(headers, message_id="in-2", sender="+358401234567", text="5")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Feedback.objects.count() == 1


def test_the_reference_finds_the_invitation(invitation, gateway_client):
    _client, headers = gateway_client
    SurveyInvitationFactory(customer=invitation.customer, phone=invitation.phone)  # a later one
    response = answer(
        headers,
        message_id="in-3",
        sender="+358401234567",
        text="3",
        reference=str(invitation.idempotency_key),
    )
    assert response.status_code == 201
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


def test_a_second_answer_to_the_same_survey_is_refused(invitation, gateway_client):
    _client, headers = gateway_client
    answer(headers, message_id="in-4", sender="+358401234567", text="2")
    response = answer(headers, message_id="in-5", sender="+358401234567", text="5 sittenkin")
    assert response.status_code == 409
    assert Feedback.objects.count() == 1


def test_an_answer_after_seven_days_is_refused(invitation, gateway_client):
    _client, headers = gateway_client
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = answer(headers, message_id="in-6", sender="+358401234567", text="5")
    assert response.status_code == 410
    assert not Feedback.objects.exists()


def test_an_answer_from_a_number_never_surveyed_is_refused(gateway_client):
    _client, headers = gateway_client
    response = answer(headers, message_id="in-7", sender="+358409999999", text="5")
    assert response.status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"sender": "+358401234567", "text": "5"},
        {"message_id": "x", "sender": "ei numero", "text": "5"},
        {"message_id": "x", "sender": "+358401234567", "text": ""},
        {"message_id": "x", "sender": "+358401234567", "text": "5", "reference": "abc"},
        {"message_id": "x y", "sender": "+358401234567", "text": "5"},
    ],
)
def test_a_malformed_answer_is_a_400(invitation, gateway_client, payload):
    _client, headers = gateway_client
    assert answer(headers, **payload).status_code == 400


def test_answers_need_the_surveys_scope(invitation, website):
    _client, headers = website
    assert answer(headers, message_id="x", sender="+358401234567", text="5").status_code == 403


@pytest.mark.parametrize(
    ("text", "rating", "words"),
    [
        ("5", 5, ""),
        ("4 hyvä", 4, "hyvä"),
        ("3/5 jonotus kesti", 3, "jonotus kesti"),
        ("1. Huono", 1, "Huono"),
        ("10 pistettä", None, "10 pistettä"),
        ("Kiitos avusta", None, "Kiitos avusta"),
        ("  2  ", 2, ""),
    ],
)
def test_the_rating_is_read_from_the_start_of_the_answer(text, rating, words):
    assert parse_answer(text) == (rating, words)
