"""Every API endpoint shares one parser, one size limit, one error renderer and one rate limit
per scope (REST_FRAMEWORK defaults): bad input is a JSON 4xx, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiClient, IdempotencyRecord, Scope
from consents.models import ConsentEvent
from customers.tokens import person_token
from feedback.models import Feedback, WebsiteVisit
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import AnalyticsConsentFactory

pytestmark = pytest.mark.django_db

JSON_ENDPOINTS = [
    "/api/v1/consents/",
    "/api/v1/feedback/",
    "/api/v1/visits/",
    "/api/v1/surveys/answers/",
]


def post(url, body, headers, content_type="application/json", **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(url, data, content_type=content_type, **headers, **extra)


# A visitor whose analytics consent is in force (the autouse fixture below).
VISITOR = "0b6f1c4e-8d2a-4f3b-9c1d-2e5a7b8c9d0e"


@pytest.fixture(autouse=True)
def consented_visitor(db):
    return AnalyticsConsentFactory(visitor_id=VISITOR)


def visit(**overrides):
    return {
        "ip_address": "192.0.2.44",
        "visitor_id": VISITOR,
        "visited_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


def consent(customer, **overrides):
    return {
        "person_token": person_token(customer=customer, purpose="consents"),
        "purpose": "email-marketing",
        "action": "give",
        **overrides,
    }


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_a_hundred_thousand_brackets_are_a_json_400(every_scope, unlimited, url):
    response = post(url, "[" * 100_000, every_scope[1])
    assert response.status_code == 400
    assert "detail" in response.json()


def test_deep_nesting_inside_a_field_is_a_json_400(every_scope, unlimited):
    customer = CustomerFactory()
    deep = json.loads("[" * 500 + "]" * 500)
    response = post("/api/v1/consents/", consent(customer, evidence=deep), every_scope[1])
    assert response.status_code == 400 and "detail" in response.json()
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_a_body_over_the_limit_is_a_json_413(every_scope, unlimited, settings, url):
    settings.API_MAX_BODY_BYTES = 1000
    response = post(url, {"evidence": "x" * 2000}, every_scope[1])
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
def test_multipart_to_a_json_endpoint_is_415(every_scope, unlimited, url):
    response = Client().post(url, {"purpose": "email-marketing"}, **every_scope[1])
    assert response.status_code == 415
    assert "detail" in response.json()


def test_a_scoped_ipv6_address_is_a_field_error(every_scope, unlimited):
    response = post("/api/v1/visits/", visit(ip_address="fe80::1%eth0"), every_scope[1])
    assert response.status_code == 400
    assert "ip_address" in response.json()
    assert not WebsiteVisit.objects.exists()


def test_an_unknown_key_with_a_lone_surrogate_is_a_400_the_renderer_can_write(
    every_scope, unlimited
):
    moment = timezone.now().isoformat()
    body = (
        '{"ip_address": "192.0.2.1", "visited_at": "'
        + moment
        + f'", "visitor_id": "{VISITOR}", "\\ud800x": 1}}'
    )
    response = post("/api/v1/visits/", body, every_scope[1])
    assert response.status_code == 400
    assert response.json() == {"\\ud800x": ["Tekstissä on merkkejä, joita ei sallita."]}


@pytest.mark.parametrize("url", JSON_ENDPOINTS)
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff tail"])
def test_unstorable_text_anywhere_is_a_field_error(every_scope, unlimited, url, bad):
    body = '{"text": "x' + bad + '", "evidence": "ok", "nested": {"list": ["a", "' + bad + '"]}}'
    response = post(url, body, every_scope[1])
    assert response.status_code == 400
    assert set(response.json()) & {"text", "nested.list.1"}


def test_an_over_long_visit_field_is_a_field_error(every_scope, unlimited):
    response = post(
        "/api/v1/visits/", visit(language="fi-" + "-".join(["abcdefgh"] * 4)), every_scope[1]
    )
    assert response.status_code == 400 and "language" in response.json()


@pytest.mark.parametrize(
    ("scope", "url"),
    [
        (Scope.CONSENTS, "/api/v1/consents/"),
        (Scope.FEEDBACK, "/api/v1/feedback/"),
        (Scope.VISITS, "/api/v1/visits/"),
        (Scope.SURVEYS, "/api/v1/surveys/answers/"),
        (Scope.CALLS, "/api/v1/calls/"),
    ],
)
def test_every_scope_is_rate_limited(settings, db, scope, url):
    settings.API_RATES = {**settings.API_RATES, scope.value: "2/minute"}
    _client, token = ApiClient.issue(name=f"rajattu-{scope}", scopes=[scope])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    statuses = [post(url, {}, headers).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    limited = post(url, {}, headers)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_a_survey_to_one_number_is_capped_per_day(settings):
    from feedback.services import may_survey_caller
    from tests.feedback.factories import SurveyInvitationFactory

    settings.SURVEY_QUIET_DAYS = 0  # the quiet period alone would not stop it
    settings.SURVEY_DAILY_CAP_PER_NUMBER = 1
    SurveyInvitationFactory(customer=None, phone="+358401112223")
    assert may_survey_caller(phone="+358401112223", customer=None) is False
    assert may_survey_caller(phone="+358409998887", customer=None) is True


# --- Idempotency keys ---------------------------------------------------------------------------


def test_a_retried_feedback_with_its_key_makes_one_record_and_the_same_answer(every_scope):
    headers = {**every_scope[1], "HTTP_IDEMPOTENCY_KEY": "palaute-5521"}
    body = {"topic": "other", "text": "Kiitos"}
    first = post("/api/v1/feedback/", body, headers)
    again = post("/api/v1/feedback/", body, headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Feedback.objects.count() == 1
    other = post("/api/v1/feedback/", {"topic": "other", "text": "Toinen"}, headers)
    assert other.status_code == 409 and Feedback.objects.count() == 1


def test_a_retried_visit_batch_with_its_key_is_stored_once(every_scope, unlimited):
    headers = {**every_scope[1], "HTTP_IDEMPOTENCY_KEY": "kaynnit-1"}
    batch = [visit(), visit(ip_address="2001:db8::1")]
    answers = [post("/api/v1/visits/", batch, headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert {a.content for a in answers} == {answers[0].content}
    assert WebsiteVisit.objects.count() == 2


def test_a_refused_request_keeps_no_key(every_scope, unlimited):
    headers = {**every_scope[1], "HTTP_IDEMPOTENCY_KEY": "k-1"}
    assert post("/api/v1/feedback/", {"topic": "nope"}, headers).status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert post("/api/v1/feedback/", {"topic": "other", "text": "x"}, headers).status_code == 201


def test_a_bad_idempotency_key_is_a_field_error(every_scope, unlimited):
    headers = {**every_scope[1], "HTTP_IDEMPOTENCY_KEY": "x" * 101}
    response = post("/api/v1/feedback/", {"topic": "other", "text": "x"}, headers)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()


# --- Schema access (issue 15 item 8) ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_is_for_verified_staff_only_in_production(
    settings, client_for, privacy_officer, clerk, url
):
    settings.API_SCHEMA_PUBLIC = False
    assert Client().get(url).status_code in (401, 403)
    unverified = Client()
    unverified.force_login(privacy_officer)
    assert unverified.get(url).status_code in (401, 403)
    assert client_for(clerk).get(url).status_code in (401, 403)  # not staff
    assert client_for(privacy_officer).get(url).status_code == 200


def test_the_schema_is_open_where_the_settings_say_so(settings):
    settings.API_SCHEMA_PUBLIC = True
    assert Client().get("/api/schema/").status_code == 200


def test_production_settings_close_the_schema():
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.API_SCHEMA_PUBLIC)"
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.org",
        "SMS_BACKEND": "feedback.sms.backends.console.SmsBackend",
        "DJANGO_SETTINGS_MODULE": "pkregister.settings",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_every_operation_documents_its_errors(settings):
    settings.API_SCHEMA_PUBLIC = True
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            missing = {"400", "401", "403", "409", "413", "415", "429"} - documented
            assert not missing, (method, path, missing)


@pytest.mark.parametrize(
    ("url", "purpose", "extra"),
    [
        ("/api/v1/feedback/", "feedback", {"topic": "other", "text": "x"}),
        ("/api/v1/visits/", "visits", visit()),
    ],
)
def test_feedback_and_visits_answer_a_bad_and_an_unknown_person_alike(
    every_scope, unlimited, url, purpose, extra
):
    gone = CustomerFactory()
    unknown = person_token(customer=gone, purpose=purpose)
    gone.delete()
    other_purpose = person_token(customer=CustomerFactory(), purpose="consents")
    answers = [
        post(url, {**extra, "person_token": value}, every_scope[1])
        for value in (unknown, other_purpose, "1000012", "x:y:z")
    ]
    assert {a.status_code for a in answers} == {400}
    assert len({a.content for a in answers}) == 1, [a.content for a in answers]
