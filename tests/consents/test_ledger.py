"""The consent ledger: append-only events, the current state beside them, restrictions."""

from __future__ import annotations

import pghistory
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from consents.models import (
    Ban,
    BanKind,
    Channel,
    ConsentAction,
    ConsentEvent,
    ConsentState,
    ConsentWording,
)
from consents.services import (
    ban_lift,
    ban_record,
    consent_give,
    consent_withdraw,
)
from privacy.models import Restriction
from privacy.restriction import ProcessingRestricted, restriction_lift, restriction_set
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_give_then_withdraw_records_two_events_and_keeps_the_state(clerk, email_marketing):
    customer = CustomerFactory()
    given = consent_give(
        customer=customer,
        purpose=email_marketing,
        channel=Channel.PHONE,
        by=clerk,
        evidence="Puhelu 3.11.",
    )
    assert given.recorded and given.given
    state = ConsentState.objects.get(customer=customer, purpose=email_marketing)
    assert state.given and state.wording.version == 1 and state.last_event == given.event

    withdrawn = consent_withdraw(
        customer=customer, purpose="email-marketing", channel=Channel.LETTER, by=clerk
    )
    assert withdrawn.recorded and not withdrawn.given
    state.refresh_from_db()
    assert not state.given and state.last_event == withdrawn.event
    events = list(ConsentEvent.objects.filter(customer=customer).order_by("at", "pk"))
    assert [(e.action, e.channel, e.recorded_by) for e in events] == [
        (ConsentAction.GIVE, Channel.PHONE, clerk),
        (ConsentAction.WITHDRAW, Channel.LETTER, clerk),
    ]
    assert events[0].evidence == "Puhelu 3.11."
    assert events[1].wording == events[0].wording


def test_giving_again_records_nothing_but_a_new_wording_needs_a_new_consent(clerk, email_marketing):
    customer = CustomerFactory()
    consent_give(customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk)
    again = consent_give(customer=customer, purpose=email_marketing, channel=Channel.WEB, by=clerk)
    assert not again.recorded and again.given
    assert ConsentEvent.objects.filter(customer=customer).count() == 1

    ConsentWording.objects.create(purpose=email_marketing, version=2, text="Uusi teksti.")
    renewed = consent_give(
        customer=customer, purpose=email_marketing, channel=Channel.WEB, by=clerk
    )
    assert renewed.recorded and renewed.state.wording.version == 2
    assert ConsentEvent.objects.filter(customer=customer).count() == 2


def test_withdrawing_what_was_never_given_records_nothing(clerk, email_marketing):
    customer = CustomerFactory()
    change = consent_withdraw(
        customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk
    )
    assert not change.recorded and change.state is None
    assert not ConsentEvent.objects.exists()


def test_the_ledger_refuses_edits_and_deletes(clerk, email_marketing):
    customer = CustomerFactory()
    event = consent_give(
        customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk
    ).event
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).update(action=ConsentAction.WITHDRAW)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == ConsentAction.GIVE


def test_a_published_wording_never_changes(email_marketing):
    wording = ConsentWording.objects.get(purpose=email_marketing, version=1)
    with pytest.raises(DatabaseError, match="Cannot update"), transaction.atomic():
        ConsentWording.objects.filter(pk=wording.pk).update(text="Toinen teksti.")


def test_erasure_removes_the_persons_events_and_state_only(clerk, email_marketing):
    customer, other = CustomerFactory(), CustomerFactory()
    for person in (customer, other):
        consent_give(customer=person, purpose=email_marketing, channel=Channel.PHONE, by=clerk)
    assert ConsentEvent.objects.erase_for(customer) == 1
    assert not ConsentEvent.objects.filter(customer=customer).exists()
    assert not ConsentState.objects.filter(customer=customer).exists()
    (history,) = pghistory.core.event_models(tracks_model=ConsentState)
    assert not history.objects.filter(customer_id=customer.pk).exists()
    assert history.objects.filter(customer_id=other.pk).count() == 1
    assert ConsentEvent.objects.filter(customer=other).count() == 1
    assert ConsentState.objects.filter(customer=other).count() == 1


def test_every_event_names_one_user_or_api_client(email_marketing):
    customer = CustomerFactory()
    with pytest.raises(ValueError):
        consent_give(customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=None)
    wording = ConsentWording.objects.get(purpose=email_marketing)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentEvent.objects.create(
            customer=customer,
            purpose=email_marketing,
            wording=wording,
            action=ConsentAction.GIVE,
            channel=Channel.PHONE,
        )


def test_consent_recorded_by_the_website_names_its_api_client(website, email_marketing):
    client, _token = website
    customer = CustomerFactory()
    change = consent_give(
        customer=customer, purpose=email_marketing, channel=Channel.WEB, by=client
    )
    assert change.event.recorded_by_client == client and change.event.recorded_by is None


def test_an_unknown_or_address_service_channel_is_refused(clerk, email_marketing):
    customer = CustomerFactory()
    for channel in ("carrier pigeon", Channel.ADDRESS_SERVICE):
        with pytest.raises(ValidationError):
            consent_give(customer=customer, purpose=email_marketing, channel=channel, by=clerk)
    assert not ConsentEvent.objects.exists()


def test_the_website_may_not_claim_an_office_visit(website, email_marketing):
    client, _token = website
    with pytest.raises(ValidationError):
        consent_give(
            customer=CustomerFactory(), purpose=email_marketing, channel=Channel.OFFICE, by=client
        )


# --- Bans -----------------------------------------------------------------------------------------


def test_a_ban_is_recorded_once_and_lifted_with_history(clerk):
    customer = CustomerFactory()
    ban, created = ban_record(
        customer=customer, kind=BanKind.DIRECT_MARKETING, channel=Channel.PHONE, by=clerk
    )
    assert created and ban.is_in_force and ban.recorded_by == clerk
    again, created = ban_record(
        customer=customer, kind=BanKind.DIRECT_MARKETING, channel=Channel.LETTER, by=clerk
    )
    assert again == ban and not created
    ban_lift(ban=ban, by=clerk)
    ban.refresh_from_db()
    assert not ban.is_in_force and ban.lifted_by == clerk
    events = pghistory.models.Events.objects.tracks(ban).order_by("pgh_id")
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert all(e.pgh_context["user"] == clerk.pk for e in events)
    # A new ban of the same kind may follow a lifted one.
    _new, created = ban_record(
        customer=customer, kind=BanKind.DIRECT_MARKETING, channel=Channel.PHONE, by=clerk
    )
    assert created and Ban.objects.filter(customer=customer).count() == 2


def test_two_bans_of_one_kind_in_force_are_refused_by_the_database(clerk):
    customer = CustomerFactory()
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ban.objects.create(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE)


# --- Restrictions ---------------------------------------------------------------------------------


def test_only_the_privacy_officer_restricts_and_lifts_with_a_reason(clerk, privacy_officer):
    customer = CustomerFactory()
    with pytest.raises(PermissionDenied):
        restriction_set(customer=customer, reason="Oikaisupyyntö", by=clerk)
    with pytest.raises(ValidationError):
        restriction_set(customer=customer, reason="  ", by=privacy_officer)
    restriction, created = restriction_set(
        customer=customer, reason="Oikaisupyyntö käsittelyssä", by=privacy_officer
    )
    assert created and restriction.is_in_force
    with pytest.raises(ValidationError):
        restriction_lift(customer=customer, reason="", by=privacy_officer)
    lifted = restriction_lift(customer=customer, reason="Tiedot oikaistu", by=privacy_officer)
    assert lifted.lifted_by == privacy_officer and lifted.lift_reason == "Tiedot oikaistu"
    assert not Restriction.objects.in_force().filter(customer=customer).exists()


def test_while_restricted_staff_can_narrow_but_not_widen_processing(
    clerk, privacy_officer, website, email_marketing
):
    customer = CustomerFactory()
    consent_give(customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk)
    ban, _created = ban_record(
        customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk
    )
    restriction_set(customer=customer, reason="Vastustaa käsittelyä", by=privacy_officer)

    # A withdrawal and a new ban narrow processing: always recorded.
    assert consent_withdraw(
        customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk
    ).recorded
    _ban, created = ban_record(
        customer=customer, kind=BanKind.TELEMARKETING, channel=Channel.PHONE, by=clerk
    )
    assert created
    # Giving a consent or lifting a ban widens it: refused for staff and the website.
    with pytest.raises(ProcessingRestricted):
        consent_give(customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk)
    with pytest.raises(ProcessingRestricted):
        consent_give(customer=customer, purpose=email_marketing, channel=Channel.WEB, by=website[0])
    with pytest.raises(ProcessingRestricted):
        ban_lift(ban=ban, by=clerk)
    # The privacy officer may.
    assert consent_give(
        customer=customer, purpose=email_marketing, channel=Channel.OFFICE, by=privacy_officer
    ).recorded
    ban_lift(ban=ban, by=privacy_officer)


def test_changes_of_the_current_state_are_attributed(clerk, website, email_marketing):
    customer = CustomerFactory()
    consent_give(customer=customer, purpose=email_marketing, channel=Channel.PHONE, by=clerk)
    consent_withdraw(customer=customer, purpose=email_marketing, channel=Channel.WEB, by=website[0])
    state = ConsentState.objects.get(customer=customer)
    events = pghistory.models.Events.objects.tracks(state).order_by("pgh_id")
    assert [(e.pgh_label, e.pgh_context) for e in events] == [
        ("insert", {"user": clerk.pk}),
        ("update", {"api_client": website[0].pk}),
    ]
