"""The one selector: who may be contacted for a purpose through a channel."""

from __future__ import annotations

import pytest

from consents.models import BanKind, Channel, ConsentPurpose, ContactChannel
from consents.selectors import contactable, customer_choices, may_contact, may_survey
from consents.services import (
    ban_lift,
    ban_record,
    consent_give,
    consent_withdraw,
)
from customers.models import LifeStatus
from privacy.restriction import restriction_lift, restriction_set
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def people(purpose: str, channel: str) -> set[int]:
    return set(contactable(purpose=purpose, channel=channel).values_list("pk", flat=True))


def give(customer, purpose, by, channel=Channel.PHONE):
    return consent_give(customer=customer, purpose=purpose, channel=channel, by=by)


def test_electronic_marketing_reaches_only_people_with_consent_in_force(clerk):
    with_consent, without = CustomerFactory(), CustomerFactory()
    give(with_consent, "email-marketing", clerk)
    assert people("email-marketing", ContactChannel.EMAIL) == {with_consent.pk}
    assert without.pk not in people("email-marketing", ContactChannel.EMAIL)


def test_consent_given_then_withdrawn_ends_at_once(clerk):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    consent_withdraw(customer=customer, purpose="email-marketing", channel=Channel.LETTER, by=clerk)
    assert people("email-marketing", ContactChannel.EMAIL) == set()


def test_consent_for_one_purpose_says_nothing_of_another(clerk):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    assert people("sms-marketing", ContactChannel.SMS) == set()
    assert people("newsletter", ContactChannel.EMAIL) == set()


@pytest.mark.parametrize("kind", [BanKind.DIRECT_MARKETING, BanKind.OBJECTION])
def test_a_ban_beats_a_consent(clerk, kind):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    give(customer, "sms-marketing", clerk)
    ban, _created = ban_record(customer=customer, kind=kind, channel=Channel.PHONE, by=clerk)
    assert people("email-marketing", ContactChannel.EMAIL) == set()
    assert people("sms-marketing", ContactChannel.SMS) == set()
    ban_lift(ban=ban, by=clerk)
    assert people("email-marketing", ContactChannel.EMAIL) == {customer.pk}


def test_a_telemarketing_ban_stops_calls_only(clerk, db):
    phone_marketing = ConsentPurpose.objects.create(
        code="phone-offers",
        name="Puhelinmyynti",
        activity="marketing",
        channel="",
        requires_consent=False,
    )
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    ban_record(customer=customer, kind=BanKind.TELEMARKETING, channel=Channel.PHONE, by=clerk)
    assert people(phone_marketing.code, ContactChannel.PHONE) == set()
    assert people(phone_marketing.code, ContactChannel.LETTER) == {customer.pk}
    assert people("email-marketing", ContactChannel.EMAIL) == {customer.pk}


def test_a_survey_ban_stops_every_survey_but_not_marketing(clerk):
    customer = CustomerFactory()
    give(customer, "market-research", clerk)
    give(customer, "email-marketing", clerk)
    assert may_survey(customer)
    assert people("market-research", ContactChannel.EMAIL) == {customer.pk}
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)
    assert not may_survey(customer)
    for channel in ContactChannel:
        assert people("market-research", channel) == set()
    assert people("email-marketing", ContactChannel.EMAIL) == {customer.pk}


def test_a_restriction_leaves_the_person_out_of_everything(clerk, privacy_officer):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    restriction_set(customer=customer, reason="Art. 18 -pyyntö", by=privacy_officer)
    assert people("email-marketing", ContactChannel.EMAIL) == set()
    assert not may_survey(customer)
    restriction_lift(customer=customer, reason="Ratkaistu", by=privacy_officer)
    assert people("email-marketing", ContactChannel.EMAIL) == {customer.pk}
    assert may_survey(customer)


@pytest.mark.parametrize("status", [LifeStatus.DECEASED, LifeStatus.MOVED_ABROAD])
def test_the_deceased_and_those_moved_abroad_are_never_contacted(clerk, status):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    customer.life_status = status
    customer.save()
    assert people("email-marketing", ContactChannel.EMAIL) == set()
    assert not may_survey(customer)


def test_a_person_without_the_channels_contact_detail_is_left_out(clerk):
    no_email, no_phone = CustomerFactory(email=""), CustomerFactory(phone="")
    for person in (no_email, no_phone):
        give(person, "email-marketing", clerk)
        give(person, "sms-marketing", clerk)
    assert people("email-marketing", ContactChannel.EMAIL) == {no_phone.pk}
    assert people("sms-marketing", ContactChannel.SMS) == {no_email.pk}
    assert not may_survey(no_phone)


def test_satisfaction_surveys_need_no_consent_but_obey_bans(clerk):
    customer = CustomerFactory()
    assert may_survey(customer)
    assert may_contact(customer, purpose="satisfaction-survey", channel=ContactChannel.SMS)
    ban_record(customer=customer, kind=BanKind.OBJECTION, channel=Channel.LETTER, by=clerk)
    assert not may_survey(customer)


def test_a_channel_the_purpose_does_not_cover_is_refused():
    with pytest.raises(ValueError):
        contactable(purpose="email-marketing", channel=ContactChannel.SMS)
    with pytest.raises(ValueError):
        contactable(purpose="email-marketing", channel="fax")


def test_a_purpose_out_of_use_reaches_nobody(clerk, email_marketing):
    customer = CustomerFactory()
    give(customer, email_marketing, clerk)
    email_marketing.is_active = False
    email_marketing.save()
    assert people("email-marketing", ContactChannel.EMAIL) == set()


def test_the_customer_page_summary_marks_purposes_a_ban_blocks(clerk):
    customer = CustomerFactory()
    give(customer, "email-marketing", clerk)
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)
    lines = {line.purpose.code: line for line in customer_choices(customer).purposes}
    assert lines["email-marketing"].given and not lines["email-marketing"].blocked
    assert lines["sms-marketing"].given is None
    assert lines["market-research"].blocked and lines["satisfaction-survey"].blocked
