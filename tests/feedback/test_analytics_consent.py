"""Website visits rest on the visitor's analytics consent, recorded in the ledger per visitor id
(notice §7, §13): visits are stored only under a consent in force, and withdrawing it stops
collection and deletes what was collected under it."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, ProgrammingError, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import ApiClient, Scope
from consents.models import AnalyticsConsent
from consents.personal_data import ANALYTICS_CONSENTS_WITHDRAWN
from customers.tokens import person_token
from feedback.models import WebsiteVisit
from privacy.erasure import erase_person
from privacy.models import ErasureReason
from privacy.restriction import restriction_set
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import AnalyticsConsentFactory, WebsiteVisitFactory

pytestmark = pytest.mark.django_db

CONSENT = "/api/v1/visits/consent/"
VISITS = "/api/v1/visits/"


@pytest.fixture
def website(db):
    client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.VISITS])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(url, payload, headers):
    return Client().post(url, json.dumps(payload), content_type="application/json", **headers)


def give(visitor, headers, **extra):
    body = {"visitor_id": str(visitor), "action": "give", "banner_version": "2026-11", **extra}
    return post(CONSENT, body, headers)


def withdraw(visitor, headers):
    return post(CONSENT, {"visitor_id": str(visitor), "action": "withdraw"}, headers)


def visit(visitor, **overrides):
    return {
        "ip_address": "192.0.2.44",
        "visited_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "visitor_id": str(visitor),
        **overrides,
    }


def test_withdrawing_analytics_consent_removes_the_visits_collected_under_it(website):
    client, headers = website
    leaving, staying = uuid.uuid4(), uuid.uuid4()
    assert give(leaving, headers).status_code == 201
    assert give(staying, headers).status_code == 201
    batch = [visit(leaving), visit(leaving), visit(staying)]
    assert post(VISITS, batch, headers).json() == {"stored": 3, "ignored": 0}

    response = withdraw(leaving, headers)
    assert response.status_code == 201, response.json()
    assert response.json()["given"] is False
    assert response.json()["visits_deleted"] == 2
    assert not WebsiteVisit.objects.filter(consent__visitor_id=leaving).exists()
    assert WebsiteVisit.objects.filter(consent__visitor_id=staying).count() == 1
    # The ledger shows when, through whom and what the withdrawal deleted.
    record = AnalyticsConsent.objects.get(visitor_id=leaving)
    assert record.withdrawn_at is not None
    assert record.withdrawn_through == client
    assert record.visits_deleted == 2

    # Collection has stopped: later visits of the visitor are left out.
    assert post(VISITS, [visit(leaving), visit(staying)], headers).json() == {
        "stored": 1,
        "ignored": 1,
    }
    assert not WebsiteVisit.objects.filter(consent__visitor_id=leaving).exists()


def test_visits_of_a_visitor_who_never_consented_are_not_stored(website):
    _client, headers = website
    response = post(VISITS, visit(uuid.uuid4()), headers)
    assert response.status_code == 201
    assert response.json() == {"stored": 0, "ignored": 1}
    assert not WebsiteVisit.objects.exists()


def test_giving_and_withdrawing_twice_records_once(website):
    _client, headers = website
    visitor = uuid.uuid4()
    first, again = give(visitor, headers), give(visitor, headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["recorded"] is False and again.json()["given"] is True
    assert (withdraw(visitor, headers).status_code, withdraw(visitor, headers).status_code) == (
        201,
        200,
    )
    # A new consent after a withdrawal is a new record; the old one stays as it was.
    assert give(visitor, headers).status_code == 201
    records = AnalyticsConsent.objects.filter(visitor_id=visitor)
    assert records.count() == 2
    assert records.in_force().count() == 1


def test_a_visitor_never_seen_withdraws_nothing(website):
    _client, headers = website
    visitor = uuid.uuid4()
    response = withdraw(visitor, headers)
    assert response.status_code == 200
    assert response.json() == {
        "visitor_id": str(visitor),
        "given": False,
        "since": None,
        "recorded": False,
        "visits_deleted": 0,
    }
    assert not AnalyticsConsent.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"visitor_id": "kävijä", "action": "give", "banner_version": "1"}, "visitor_id"),
        ({"visitor_id": str(uuid.uuid4()), "action": "give"}, "banner_version"),
        ({"visitor_id": str(uuid.uuid4()), "action": "maybe"}, "action"),
        (
            {"visitor_id": str(uuid.uuid4()), "action": "withdraw", "banner_version": "1"},
            "banner_version",
        ),
        (
            {"visitor_id": str(uuid.uuid4()), "action": "give", "banner_version": "v 1"},
            "banner_version",
        ),
        (
            {
                "visitor_id": str(uuid.uuid4()),
                "action": "give",
                "banner_version": "1",
                "person_token": "1000000",
            },
            "person_token",
        ),
    ],
)
def test_bad_input_names_the_field(website, body, field):
    _client, headers = website
    response = post(CONSENT, body, headers)
    assert response.status_code == 400
    assert field in response.json()
    assert not AnalyticsConsent.objects.exists()


def test_the_consent_endpoint_needs_the_visits_scope(db):
    _client, token = ApiClient.issue(name="Palaute", scopes=[Scope.FEEDBACK])
    response = give(uuid.uuid4(), {"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert response.status_code == 403


def test_a_signed_in_visitors_consent_is_theirs_and_refused_while_restricted(
    website, privacy_officer
):
    _client, headers = website
    customer = CustomerFactory()
    token = person_token(customer=customer, purpose="visits")
    visitor = uuid.uuid4()
    assert give(visitor, headers, person_token=token).status_code == 201
    assert AnalyticsConsent.objects.get(visitor_id=visitor).customer == customer

    other = CustomerFactory()
    restriction_set(customer=other, reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)
    other_token = person_token(customer=other, purpose="visits")
    response = give(uuid.uuid4(), headers, person_token=other_token)
    assert response.status_code == 409
    assert AnalyticsConsent.objects.count() == 1


def test_a_withdrawn_consent_never_changes_again():
    consent = AnalyticsConsentFactory(
        withdrawn_at=timezone.now(),
        withdrawn_through=AnalyticsConsentFactory().given_through,
        visits_deleted=0,
    )
    with pytest.raises(ProgrammingError, match="Cannot update"), transaction.atomic():
        AnalyticsConsent.objects.filter(pk=consent.pk).update(visits_deleted=5)


def test_the_database_holds_one_consent_in_force_per_visitor():
    visitor = uuid.uuid4()
    AnalyticsConsentFactory(visitor_id=visitor)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnalyticsConsentFactory(visitor_id=visitor)


def test_deleting_a_consent_record_deletes_the_visits_under_it():
    visit_row = WebsiteVisitFactory()
    other = WebsiteVisitFactory()
    visit_row.consent.delete()
    assert list(WebsiteVisit.objects.all()) == [other]


def test_a_withdrawn_consent_goes_when_the_visit_period_has_passed(settings):
    client = AnalyticsConsentFactory().given_through
    long_ago = timezone.now() - timedelta(days=settings.WEBSITE_VISIT_RETENTION_DAYS + 1)
    old = AnalyticsConsentFactory(
        given_at=long_ago - timedelta(days=10),
        withdrawn_at=long_ago,
        withdrawn_through=client,
        visits_deleted=3,
    )
    recent = AnalyticsConsentFactory(
        withdrawn_at=timezone.now(), withdrawn_through=client, visits_deleted=0
    )
    in_force = AnalyticsConsentFactory(given_at=long_ago - timedelta(days=10))
    due = set(ANALYTICS_CONSENTS_WITHDRAWN.candidates())
    assert old in due
    assert recent not in due and in_force not in due


def test_erasing_a_signed_in_visitor_takes_their_consents_and_visits_with_them():
    customer = CustomerFactory()
    consent = AnalyticsConsentFactory(customer=customer)
    WebsiteVisitFactory(consent=consent, customer=customer)
    WebsiteVisitFactory(consent=consent)  # the same browser before signing in
    stranger = WebsiteVisitFactory()
    erase_person(customer, reason=ErasureReason.REQUEST)
    assert not AnalyticsConsent.objects.filter(pk=consent.pk).exists()
    assert list(WebsiteVisit.objects.all()) == [stranger]


@pytest.mark.parametrize("term", ["", "ei-tunniste", "6f1d2c3b"])
def test_the_privacy_officer_finds_a_consent_by_visitor_id(privacy_officer, client_for, term):
    consent = AnalyticsConsentFactory()
    client = client_for(privacy_officer)
    found = client.get("/admin/consents/analyticsconsent/", {"q": str(consent.visitor_id)})
    assert found.status_code == 200 and str(consent.visitor_id) in found.content.decode()
    other = client.get("/admin/consents/analyticsconsent/", {"q": term})
    assert other.status_code == 200
