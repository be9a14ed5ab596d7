"""The website's and the SMS gateway's endpoints: scoped, validated, rate-limited, and never a
500 for malformed input."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import ApiClient, Scope
from customers.tokens import person_token
from feedback.models import Feedback, FeedbackChannel, FeedbackStatus, WebsiteVisit
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import AnalyticsConsentFactory

pytestmark = pytest.mark.django_db

FEEDBACK = "/api/v1/feedback/"
VISITS = "/api/v1/visits/"


def post(url, payload, headers, **extra):
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return Client().post(url, body, content_type="application/json", **headers, **extra)


# A visitor whose analytics consent is in force (the `consented` fixture, for every test here).
VISITOR = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"


@pytest.fixture(autouse=True)
def consented(db):
    return AnalyticsConsentFactory(visitor_id=VISITOR)


def visit(**overrides):
    data = {
        "ip_address": "192.0.2.44",
        "visitor_id": VISITOR,
        "visited_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "language": "fi-FI",
        "browser": "Firefox 131",
        "screen_resolution": "1920x1080",
    }
    data.update(overrides)
    return data


# --- Feedback -----------------------------------------------------------------------------------


def test_the_website_sends_anonymous_feedback(website):
    client, headers = website
    response = post(
        FEEDBACK,
        {"topic": "website", "text": "Aukioloajat ovat hyvin piilossa.", "rating": 2},
        headers,
    )
    assert response.status_code == 201, response.json()
    feedback = Feedback.objects.get(pk=response.json()["id"])
    assert feedback.customer is None
    assert feedback.channel == FeedbackChannel.WEB_FORM
    assert feedback.status == FeedbackStatus.NEW
    assert (feedback.topic, feedback.rating) == ("website", 2)
    event = feedback.events.get()
    assert event.pgh_context.metadata["api_client"] == client.pk


def test_feedback_from_a_signed_in_customer_is_linked_to_them(website):
    _client, headers = website
    customer = CustomerFactory()
    response = post(
        FEEDBACK,
        {
            "person_token": person_token(customer=customer, purpose="feedback"),
            "topic": "billing",
            "text": "Lasku oli selkeä.",
        },
        headers,
    )
    assert response.status_code == 201
    assert Feedback.objects.get().customer == customer


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "x"}, "topic"),
        ({"topic": "nonsense", "text": "x"}, "topic"),
        ({"topic": "other"}, "text"),
        ({"topic": "other", "rating": 6}, "rating"),
        ({"topic": "other", "rating": "viisi"}, "rating"),
        ({"topic": "other", "text": ["lista"]}, "text"),
        ({"topic": "other", "text": "nul \x00 merkki"}, "text"),
        ({"topic": "other", "text": "x" * 5001}, "text"),
        ({"topic": "other", "text": "x", "person_token": "1234567"}, "person_token"),
        ({"topic": "other", "text": "x", "channel": "sms_survey"}, "channel"),
    ],
)
def test_invalid_feedback_is_refused_with_the_field_named(website, payload, field):
    _client, headers = website
    response = post(FEEDBACK, payload, headers)
    assert response.status_code == 400
    assert field in response.json()
    assert not Feedback.objects.exists()


def test_a_lone_surrogate_in_the_text_is_a_400(website):
    _client, headers = website
    response = post(FEEDBACK, '{"topic": "other", "text": "\\ud800"}', headers)
    assert response.status_code == 400
    assert "text" in response.json()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[" * 5000 + "]" * 5000, "application/json", 400),
        ("topic=other", "application/x-www-form-urlencoded", 415),
        ("[]", "application/json", 400),
        ("null", "application/json", 400),
    ],
)
def test_a_malformed_body_is_a_4xx(website, body, content_type, status):
    _client, headers = website
    response = Client().post(FEEDBACK, body, content_type=content_type, **headers)
    assert response.status_code == status
    assert "detail" in response.json() or "non_field_errors" in response.json()


def test_feedback_needs_the_feedback_scope(website):
    _client, token = ApiClient.issue(name="Puhelin", scopes=[Scope.CALLS])
    response = post(
        FEEDBACK, {"topic": "other", "text": "x"}, {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert post(FEEDBACK, {"topic": "other", "text": "x"}, {}).status_code == 401


def test_feedback_is_rate_limited_per_client(website, settings):
    settings.API_RATES = {**settings.API_RATES, "feedback": "3/minute"}
    _client, headers = website
    statuses = [
        post(FEEDBACK, {"topic": "other", "text": "x"}, headers).status_code for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    limited = post(FEEDBACK, {"topic": "other", "text": "x"}, headers)
    assert limited.status_code == 429 and "detail" in limited.json()
    assert int(limited.headers["Retry-After"]) > 0
    # Another client has its own count.
    _other, token = ApiClient.issue(name="Toinen sivusto", scopes=[Scope.FEEDBACK])
    other = post(
        FEEDBACK, {"topic": "other", "text": "x"}, {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    )
    assert other.status_code == 201
    assert Feedback.objects.count() == 4


# --- Visits -------------------------------------------------------------------------------------


def test_one_visit_is_stored_with_who_sent_it(website):
    client, headers = website
    response = post(VISITS, visit(ip_address="2001:db8::0:1"), headers)
    assert response.status_code == 201, response.json()
    assert response.json() == {"stored": 1, "ignored": 0}
    stored = WebsiteVisit.objects.get()
    assert stored.ip_address == "2001:db8::1"
    assert (stored.language, stored.browser, stored.screen_resolution) == (
        "fi-FI",
        "Firefox 131",
        "1920x1080",
    )
    assert stored.received_from == client
    assert stored.customer is None
    assert str(stored.consent.visitor_id) == VISITOR


def test_a_batch_is_stored_at_once_with_its_customers(website, django_assert_max_num_queries):
    _client, headers = website
    customer = CustomerFactory()
    batch = [visit(ip_address=f"198.51.100.{n}") for n in range(49)]
    batch.append(visit(person_token=person_token(customer=customer, purpose="visits")))
    # token, customers, the consents locked, insert (+ last used, and a savepoint's two)
    with django_assert_max_num_queries(7):
        response = post(VISITS, batch, headers)
    assert response.status_code == 201
    assert response.json() == {"stored": 50, "ignored": 0}
    assert WebsiteVisit.objects.count() == 50
    assert WebsiteVisit.objects.get(customer=customer)


def test_a_batch_with_one_bad_visit_stores_nothing_and_names_it(website):
    _client, headers = website
    batch = [visit(), visit(ip_address="999.1.1.1"), visit(screen_resolution="huge")]
    response = post(VISITS, batch, headers)
    assert response.status_code == 400
    assert set(response.json()) == {"1.ip_address", "2.screen_resolution"}
    assert not WebsiteVisit.objects.exists()


def test_too_large_a_batch_is_refused(website, settings):
    _client, headers = website
    response = post(VISITS, [visit()] * (settings.WEBSITE_VISIT_BATCH_MAX + 1), headers)
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_at": "2026-11-25 09:00"}, "visited_at"),
        ({"visited_at": (timezone.now() - timedelta(days=30)).isoformat()}, "visited_at"),
        ({"visited_at": "0001-01-01T00:00:00+05:00"}, "visited_at"),
        ({"language": "fi_FI; drop table"}, "language"),
        ({"browser": "<script>"}, "browser"),
        ({"person_token": "1000000"}, "person_token"),
        ({"utm_source": "x"}, "utm_source"),
        ({"ip_address": 12}, "ip_address"),
        ({"visitor_id": None}, "visitor_id"),
        ({"visitor_id": "kävijä-1"}, "visitor_id"),
        ({"visitor_id": 7}, "visitor_id"),
    ],
)
def test_an_invalid_visit_names_the_field(website, overrides, field):
    _client, headers = website
    response = post(VISITS, visit(**overrides), headers)
    assert response.status_code == 400
    assert field in response.json()


def test_visits_need_the_visits_scope(db):
    _client, token = ApiClient.issue(name="Palaute", scopes=[Scope.FEEDBACK])
    response = post(VISITS, visit(), {"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 403


# --- Property: random JSON never makes a 500 ----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
field_values = st.one_of(
    json_values,
    st.sampled_from(["192.0.2.1", "::1", "fi", "1920x1080", "2026-11-25T09:00:00+02:00"]),
)
feedback_like = st.fixed_dictionaries(
    {},
    optional={
        "person_token": field_values,
        "channel": field_values | st.sampled_from(["web", "email", "phone"]),
        "topic": field_values | st.sampled_from(["other", "billing"]),
        "text": field_values,
        "rating": field_values | st.integers(min_value=-2, max_value=8),
    },
)
visit_like = st.fixed_dictionaries(
    {},
    optional={
        "ip_address": field_values,
        "visited_at": field_values,
        "language": field_values,
        "browser": field_values,
        "screen_resolution": field_values,
        "person_token": field_values,
        "visitor_id": field_values | st.sampled_from([VISITOR, str(uuid.uuid4())]),
    },
)


@pytest.mark.parametrize(
    ("url", "shapes"),
    [
        (FEEDBACK, feedback_like | json_values),
        (VISITS, visit_like | st.lists(visit_like, max_size=5) | json_values),
    ],
    ids=["feedback", "visits"],
)
def test_random_json_gets_a_400_or_a_201_never_a_500(website, settings, url, shapes):
    settings.API_RATES = {**settings.API_RATES, "feedback": "100000/minute"}
    _client, headers = website

    @hypothesis_settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(payload=shapes)
    def check(payload):
        response = post(url, payload, headers)
        assert response.status_code in (201, 400), (payload, response.status_code)
        assert response["Content-Type"] == "application/json"
        if response.status_code == 400:
            assert isinstance(response.json(), dict) and response.json()

    check()
