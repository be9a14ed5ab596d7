"""The website's request form: POST /api/v1/requests/ (scope `requests`)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import ApiClient, Scope
from dsar.models import Channel, DataSubjectRequest, State, TimelineEntry
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/requests/"
FORM = {
    "types": ["access", "erasure"],
    "requester_name": "Maija Meikäläinen",
    "requester_email": "maija@example.fi",
    "request_text": "Haluan nähdä tietoni ja sitten poistaa ne.",
}


def post(payload, headers, key="5f0d4b1e-7d7e-4c52-9d0a-3c1f6b2a9e10", **extra):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(URL, body, content_type="application/json", **headers, **extra)


def test_the_website_registers_a_request_received_today(website):
    response = post(FORM, website)
    assert response.status_code == 201, response.content
    dsar = DataSubjectRequest.objects.get()
    assert response.json()["reference"] == dsar.reference
    assert dsar.channel == Channel.WEBSITE
    assert dsar.state == State.RECEIVED
    assert sorted(dsar.types) == ["access", "erasure"]
    assert dsar.registered_by_client.name == "Verkkosivusto"
    entry = TimelineEntry.objects.get(request=dsar)
    assert entry.api_client_id == dsar.registered_by_client_id


def test_a_retried_post_with_the_same_key_makes_one_request(website):
    first = post(FORM, website)
    again = post(FORM, website)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert DataSubjectRequest.objects.count() == 1
    other = post(FORM, website, key="another-key-123")
    assert other.status_code == 201
    assert DataSubjectRequest.objects.count() == 2


def test_the_idempotency_key_is_required(website):
    response = post(FORM, website, key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"types": []}, "types"),
        ({"types": ["everything"]}, "types"),
        ({"types": "access"}, "types"),
        ({"requester_name": ""}, "requester_name"),
        ({"requester_email": "not-an-email"}, "requester_email"),
        ({"request_text": "x" * 5001}, "request_text"),
        ({"request_text": "nul\x00"}, "request_text"),
        ({"language": "sv"}, "language"),
        ({"customer_number": "123"}, "customer_number"),
        ({"handler": 1}, "handler"),
        ({"state": "completed"}, "state"),
        ({"request_text": "Hetuni on 010190-123A"}, "request_text"),
    ],
)
def test_bad_input_is_answered_with_the_field_named(website, change, field):
    response = post({**FORM, **change}, website)
    assert response.status_code == 400
    assert field in response.json()
    assert not DataSubjectRequest.objects.exists()


@pytest.mark.parametrize(("body", "status"), [("{", 400), ("[]", 400), ('"x"', 400), ("null", 400)])
def test_a_malformed_body_is_a_4xx(website, body, status):
    assert post(body, website).status_code == status


def test_a_signed_in_customer_is_linked(website):
    person = CustomerFactory()
    response = post({**FORM, "customer_number": person.customer_number}, website)
    assert response.status_code == 201
    assert DataSubjectRequest.objects.get().customer == person


def test_a_token_without_the_requests_scope_is_refused(db):
    _client, token = ApiClient.issue(name="Palaute", scopes=[Scope.FEEDBACK])
    response = post(FORM, {"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 403
    assert post(FORM, {}).status_code in (401, 403)
    assert not DataSubjectRequest.objects.exists()
