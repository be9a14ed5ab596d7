"""Restriction of processing (GDPR Art. 18): while it is in force nobody but the privacy
officer changes the person, whatever the write path; and the admin saves a person through the
register's service like every other path (provenance per value, version bump)."""

from __future__ import annotations

import json
from datetime import date

import pghistory
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiClient, Scope
from accounts.roles import Role
from consents.models import ConsentEvent, ConsentState
from consents.services import consent_give
from customers.address_updates import import_file
from customers.models import Customer, ServiceUse, Source
from customers.services import (
    contact_role_confirm,
    contact_role_end,
    customer_update,
    related_save,
)
from customers.tokens import person_token
from feedback.models import Feedback, FeedbackStatus
from feedback.services import feedback_respond
from privacy.restriction import ProcessingRestricted, restriction_set
from tests.conftest import make_user, verified_client
from tests.customers.factories import ContactRoleFactory, CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

NEW_CITY = "Lieksa"


def person_form(customer: Customer, **changes) -> dict[str, str]:
    data = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "street_address": customer.street_address,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": "FI",
        "email": customer.email,
        "phone": str(customer.phone),
        "preferred_contact_method": customer.preferred_contact_method,
        "preferred_language": customer.preferred_language,
        "wishes": customer.wishes,
        "interests": customer.interests,
        "version": str(customer.version),
    }
    return {**data, **changes}


def admin_form(customer: Customer, **changes) -> dict[str, str]:
    data = person_form(customer, life_status=customer.life_status, life_status_effective_on="")
    del data["version"]
    # The roles inline, empty.
    data.update(
        {
            "roles-TOTAL_FORMS": "0",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
        }
    )
    return {**data, **changes}


@pytest.fixture
def staff_clerk(db):
    """Customer service with admin access: may change people, but not restricted ones."""
    return make_user("staff-clerk", Role.CUSTOMER_SERVICE, is_staff=True)


# --- Every write path, tried on a restricted person -------------------------------------------


def edit_in_the_staff_screen(ctx):
    response = ctx.client(ctx.clerk).post(
        f"/asiakkaat/{ctx.customer.pk}/muokkaa/", person_form(ctx.customer, city=NEW_CITY)
    )
    assert response.status_code == 302
    return response


def add_a_service_in_the_staff_screen(ctx):
    return ctx.client(ctx.clerk).post(
        f"/asiakkaat/{ctx.customer.pk}/palvelut/uusi/",
        {
            "service": "Terveystarkastus",
            "status": "booked",
            "date": "2026-11-20",
            "price": "",
            "payment_status": "unpaid",
            "collection_status": "none",
        },
    )


def respond_to_feedback_in_the_staff_screen(ctx):
    return ctx.client(ctx.clerk).post(
        f"/palaute/{ctx.feedback.pk}/", {"response": "Kiitos palautteesta.", "handled": "on"}
    )


def change_in_the_admin(ctx):
    response = ctx.client(ctx.staff_clerk).post(
        f"/admin/customers/customer/{ctx.customer.pk}/change/",
        admin_form(ctx.customer, city=NEW_CITY),
    )
    assert response.status_code == 302
    return response


def give_consent_through_the_api(ctx):
    _client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.CONSENTS])
    response = Client().post(
        "/api/v1/consents/",
        json.dumps(
            {
                "person_token": person_token(customer=ctx.customer, purpose="consents"),
                "purpose": "email-marketing",
                "action": "give",
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    return response


def import_an_address_update(ctx):
    report = import_file(
        (
            "customer_number;street_address;postal_code;city;effective_date;source\n"
            f"{ctx.customer.customer_number};Koulukatu 1;81700;{NEW_CITY};2026-11-01;DVV\n"
        ).encode(),
        by=ctx.clerk,
    )
    assert report.changing == [] and len(report.errors) == 1


def expect_refusal(call):
    def attempt(ctx):
        with pytest.raises(ProcessingRestricted):
            call(ctx)

    attempt.__name__ = call.__name__
    return attempt


@expect_refusal
def customer_update_called_directly(ctx):
    customer_update(
        customer=ctx.customer,
        data={"city": NEW_CITY},
        expected_version=ctx.customer.version,
        by=ctx.clerk,
    )


@expect_refusal
def related_save_called_directly(ctx):
    related_save(
        record=ServiceUse(customer=ctx.customer, service="Rokotus", date=date(2026, 11, 20)),
        by=ctx.clerk,
    )


@expect_refusal
def consent_give_called_directly(ctx):
    consent_give(customer=ctx.customer, purpose="email-marketing", channel="phone", by=ctx.clerk)


@expect_refusal
def feedback_respond_called_directly(ctx):
    feedback_respond(feedback=ctx.feedback, response="Hoidettu.", handled=True, by=ctx.clerk)


def review_a_contact_role_in_the_staff_screen(ctx):
    """Confirming or ending a role on the review list is refused, with the Finnish message."""
    role = ContactRoleFactory(
        customer=ctx.customer, ended_on=None, review_listed_on=date(2026, 1, 1)
    )
    client = ctx.client(ctx.clerk)
    for decision in ("vahvista", "paata"):
        url = reverse("customers:role_decide", args=[role.pk, decision])
        response = client.post(url, follow=True)
        assert "käsittelyä on rajoitettu" in response.content.decode()
    role.refresh_from_db()
    assert (role.ended_on, role.confirmed_on, role.review_listed_on) == (
        None,
        None,
        date(2026, 1, 1),
    )


@expect_refusal
def contact_role_end_called_directly(ctx):
    role = ContactRoleFactory(customer=ctx.customer, ended_on=None)
    contact_role_end(role=role, by=ctx.clerk)


@expect_refusal
def contact_role_confirm_called_directly(ctx):
    role = ContactRoleFactory(customer=ctx.customer, ended_on=None)
    contact_role_confirm(role=role, by=ctx.clerk)


WRITE_PATHS = [
    review_a_contact_role_in_the_staff_screen,
    contact_role_end_called_directly,
    contact_role_confirm_called_directly,
    edit_in_the_staff_screen,
    add_a_service_in_the_staff_screen,
    respond_to_feedback_in_the_staff_screen,
    change_in_the_admin,
    give_consent_through_the_api,
    import_an_address_update,
    customer_update_called_directly,
    related_save_called_directly,
    consent_give_called_directly,
    feedback_respond_called_directly,
]


class Context:
    def __init__(self, **kwargs) -> None:
        self.__dict__.update(kwargs)

    @staticmethod
    def client(user):
        return verified_client(user)


def snapshot(customer: Customer) -> dict:
    """Everything about the person a write path could change."""
    person = Customer.objects.values().get(pk=customer.pk)
    person.pop("updated_at")
    return {
        "person": person,
        "services": list(ServiceUse.objects.filter(customer=customer).values()),
        "consents": list(ConsentState.objects.filter(customer=customer).values()),
        "consent_events": ConsentEvent.objects.filter(customer=customer).count(),
        "feedback": list(Feedback.objects.filter(customer=customer).values()),
    }


@pytest.mark.parametrize("write", WRITE_PATHS, ids=lambda write: write.__name__)
def test_a_restricted_person_cannot_be_changed_through_any_write_path(
    write, clerk, staff_clerk, privacy_officer
):
    customer = CustomerFactory(city="Joensuu")
    feedback = FeedbackFactory(customer=customer, status=FeedbackStatus.NEW, response="")
    restriction_set(customer=customer, reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)
    before = snapshot(customer)

    write(Context(customer=customer, feedback=feedback, clerk=clerk, staff_clerk=staff_clerk))

    assert snapshot(customer) == before


def test_the_refusal_is_a_finnish_message_in_the_staff_screen(clerk, privacy_officer):
    customer = CustomerFactory()
    restriction_set(customer=customer, reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)
    response = verified_client(clerk).post(
        f"/asiakkaat/{customer.pk}/muokkaa/", person_form(customer, city=NEW_CITY), follow=True
    )
    assert "vain tietosuojavastaava" in response.content.decode()


def test_the_privacy_officer_may_still_change_a_restricted_person(privacy_officer):
    customer = CustomerFactory(city="Joensuu")
    restriction_set(customer=customer, reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)
    changed = customer_update(
        customer=customer,
        data={"city": NEW_CITY},
        expected_version=customer.version,
        by=privacy_officer,
    )
    assert changed == ["city"] and Customer.objects.get(pk=customer.pk).city == NEW_CITY


# --- The admin saves through the service ------------------------------------------------------


def test_an_admin_edit_records_provenance_and_bumps_the_version(staff_clerk):
    customer = CustomerFactory(city="Joensuu")
    version = customer.version

    response = verified_client(staff_clerk).post(
        f"/admin/customers/customer/{customer.pk}/change/", admin_form(customer, city=NEW_CITY)
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.city == NEW_CITY
    assert customer.version == version + 1
    assert customer.source_of("city")["source"] == Source.STAFF
    # The change is attributed to the admin user in the change history.
    (event_model,) = pghistory.core.event_models(tracks_model=Customer)
    latest = event_model.objects.filter(pgh_obj_id=customer.pk).order_by("-pgh_id").first()
    assert latest.city == NEW_CITY and latest.pgh_context.metadata["user"] == staff_clerk.pk


def test_an_admin_edit_of_an_unchanged_person_changes_nothing(staff_clerk):
    customer = CustomerFactory()
    version = customer.version
    verified_client(staff_clerk).post(
        f"/admin/customers/customer/{customer.pk}/change/", admin_form(customer)
    )
    customer.refresh_from_db()
    assert customer.version == version
