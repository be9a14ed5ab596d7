"""The website's consent API: idempotent, scoped, JSON errors with field names, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import ApiClient, Scope
from consents.models import ConsentEvent, ConsentState, ConsentWording
from customers.models import customer_number_check_digit
from customers.tokens import person_token
from privacy.restriction import restriction_set
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/consents/"
DROP = object()  # leave the field out


def post(token: str, body, **headers):
    payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(
        URL,
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **headers,
    )


@pytest.fixture
def token(website) -> str:
    return website[1]


@pytest.fixture
def customer():
    return CustomerFactory()


def body(customer, **changes):
    return {
        "person_token": person_token(customer=customer, purpose="consents"),
        "purpose": "email-marketing",
        "action": "give",
        **changes,
    }


def test_give_is_recorded_once_then_answers_with_the_state(token, website, customer):
    first = post(token, body(customer, evidence="lomake-881"))
    assert first.status_code == 201
    data = first.json()
    assert data["given"] is True and data["recorded"] is True and data["wording_version"] == 1
    assert "customer_number" not in data  # the website never learns the number
    event = ConsentEvent.objects.get()
    assert (event.channel, event.evidence, event.recorded_by_client) == (
        "web",
        "lomake-881",
        website[0],
    )

    again = post(token, body(customer))
    assert again.status_code == 200
    assert again.json()["recorded"] is False and again.json()["given"] is True
    assert ConsentEvent.objects.count() == 1


def test_an_unsubscribe_link_withdraws_once(token, customer):
    post(token, body(customer))
    first = post(token, body(customer, action="withdraw", channel="email"))
    assert first.status_code == 201 and first.json()["given"] is False
    again = post(token, body(customer, action="withdraw", channel="email"))
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert not ConsentState.objects.get().given
    assert ConsentEvent.objects.count() == 2


def test_withdrawing_what_was_never_given_answers_200_with_no_state(token, customer):
    response = post(token, body(customer, action="withdraw"))
    assert response.status_code == 200
    assert response.json()["given"] is False and response.json()["since"] is None


def test_the_wording_the_person_saw_is_recorded(token, customer, email_marketing):
    ConsentWording.objects.create(purpose=email_marketing, version=2, text="Uusi teksti.")
    response = post(token, body(customer, wording_version=1))
    assert response.status_code == 201 and response.json()["wording_version"] == 1
    assert post(token, body(customer)).json()["wording_version"] == 2


def wrong_check_digit(customer) -> str:
    number = customer.customer_number
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"person_token": DROP}, "person_token"),
        ({"person_token": "WRONG"}, "person_token"),
        ({"person_token": "999999" + customer_number_check_digit("999999")}, "person_token"),
        ({"purpose": "no-such-purpose"}, "purpose"),
        ({"purpose": "satisfaction-survey"}, "purpose"),
        ({"purpose": "bad code!"}, "purpose"),
        ({"action": "maybe"}, "action"),
        ({"channel": "office"}, "channel"),
        ({"channel": "address_service"}, "channel"),
        ({"wording_version": 9}, "wording_version"),
        ({"wording_version": 0}, "wording_version"),
        ({"wording_version": "one"}, "wording_version"),
        ({"action": "withdraw", "wording_version": 1}, "wording_version"),
        ({"evidence": "x" * 201}, "evidence"),
        ({"action": None}, "action"),
    ],
    ids=[
        "no-token",
        "bad-token",
        "a-bare-customer-number",
        "unknown-purpose",
        "no-consent-purpose",
        "bad-slug",
        "bad-action",
        "office-channel",
        "address-channel",
        "unknown-wording",
        "zero-wording",
        "text-wording",
        "wording-with-withdraw",
        "long-evidence",
        "null-action",
    ],
)
def test_bad_input_gets_400_with_the_field_and_writes_nothing(token, customer, changes, field):
    payload = {k: v for k, v in body(customer, **changes).items() if v is not DROP}
    response = post(token, payload)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in response.json()
    assert not ConsentEvent.objects.exists() and not ConsentState.objects.exists()


@pytest.mark.parametrize(
    "payload",
    ["{not json", "[]", '"give"', "null", b"\xff\xfe"],
    ids=["broken", "list", "string", "null", "not-utf8"],
)
def test_a_body_that_is_not_an_object_gets_a_json_400(token, payload):
    response = post(token, payload)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert not ConsentEvent.objects.exists()


def test_the_endpoint_needs_the_consents_scope(customer):
    _client, other = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    assert post(other, body(customer)).status_code == 403
    assert Client().post(URL, body(customer), content_type="application/json").status_code == 401
    assert post("pkr_not_a_token", body(customer)).status_code == 401
    assert not ConsentEvent.objects.exists()


def test_a_revoked_token_stops_at_once(website, customer):
    client, token = website
    client.revoke()
    assert post(token, body(customer)).status_code == 401


def test_only_post_is_allowed(token):
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


def test_a_give_for_a_restricted_person_is_refused_with_409(token, customer, privacy_officer):
    restriction_set(customer=customer, reason="Art. 18", by=privacy_officer)
    response = post(token, body(customer))
    assert response.status_code == 409 and "detail" in response.json()
    assert not ConsentEvent.objects.exists()
    # A withdrawal is never refused (there is just nothing to withdraw here).
    assert post(token, body(customer, action="withdraw")).status_code == 200


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/consents/"]["post"]
    assert "Idempotent" in operation["description"]
    assert {"201", "200"} <= set(operation["responses"])


# --- Per-person tokens (issue 15 item 4) ---------------------------------------------------------


def test_a_bare_customer_number_acts_for_nobody(token, customer):
    """The website cannot give consent for anyone by number: sequential numbers and a
    computable check digit would let a leaked token switch on marketing for everyone."""
    payload = {
        "customer_number": customer.customer_number,
        "purpose": "email-marketing",
        "action": "give",
    }
    response = post(token, payload)
    assert response.status_code == 400 and "person_token" in response.json()
    assert not ConsentEvent.objects.exists()


def test_invalid_expired_foreign_and_unknown_tokens_answer_identically(token, customer, settings):
    """Nothing in the answer tells whether a person is in the register."""
    erased = CustomerFactory()
    unknown = person_token(customer=erased, purpose="consents")
    erased.delete()
    for_feedback = person_token(customer=customer, purpose="feedback")
    forged = person_token(customer=customer, purpose="consents")[:-2] + "xx"
    answers = [
        post(token, {**body(customer), "person_token": value})
        for value in (unknown, for_feedback, forged, "1000012", "x" * 150)
    ]
    settings.PERSON_TOKEN_MAX_AGE_DAYS = 0
    answers.append(post(token, body(customer)))
    assert {a.status_code for a in answers} == {400}
    assert len({a.content for a in answers}) == 1, [a.content for a in answers]
    assert not ConsentEvent.objects.exists()


def test_a_token_acts_for_its_own_person_only(token, customer):
    other = CustomerFactory()
    response = post(token, body(customer))
    assert response.status_code == 201
    event = ConsentEvent.objects.get()
    assert event.customer_id == customer.pk and event.customer_id != other.pk
