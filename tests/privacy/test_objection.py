"""An objection (GDPR Art. 21) reaches every processing the rules say it stops: marketing and
surveys (the contact selector), analysis, grouping and the reports, and the customer page says
what it covers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from consents.models import BanKind, Channel, ConsentPurpose
from consents.selectors import contactable
from consents.services import ban_lift, ban_record, consent_give
from customers.models import Company, Customer, CustomerGroup
from customers.services import customer_update
from privacy.declarations import Purpose
from privacy.objection import (
    OBJECTION_RULES,
    Processing,
    objection_stops,
    processable,
)
from privacy.restriction import restriction_set
from tests.customers.factories import (
    CompanyFactory,
    ContactRoleFactory,
    CustomerFactory,
    GroupFactory,
)

pytestmark = pytest.mark.django_db


def _object(customer, clerk):
    ban, _new = ban_record(
        customer=customer, kind=BanKind.OBJECTION, channel=Channel.LETTER, by=clerk
    )
    return ban


def test_every_purpose_of_the_notice_has_a_decided_objection_rule():
    covered = {purpose for rule in OBJECTION_RULES for purpose in rule.purposes}
    assert covered == set(Purpose)
    assert {rule.processing for rule in OBJECTION_RULES} == set(Processing)
    assert all(str(rule.reason) for rule in OBJECTION_RULES)


@pytest.mark.parametrize(
    "processing", [Processing.DIRECT_MARKETING, Processing.SURVEYS, Processing.ANALYSIS]
)
def test_an_objection_always_stops_marketing_surveys_and_analysis(processing):
    assert objection_stops(processing)


def test_every_contact_purpose_is_stopped_by_an_objection():
    for purpose in ConsentPurpose.objects.all():
        for channel in ("email", "sms", "phone", "letter"):
            if purpose.covers(channel):
                assert BanKind.OBJECTION in purpose.blocking_bans(channel)


def test_an_objection_removes_the_person_from_the_reports(clerk, marketer, client_for):
    group = GroupFactory(name="Avainhenkilöt")
    key_account = CompanyFactory(name="Avainyritys Oy", is_key_account=True)
    CompanyFactory(name="Tavallinen Oy", is_key_account=False)
    people = [CustomerFactory(city="Lieksa") for _ in range(3)]
    for person in people:
        person.groups.add(group)
        ContactRoleFactory(customer=person, company=key_account)
    objector = people[0]
    client = client_for(marketer)

    def report(slug):
        text = b"".join(client.get(f"/raportit/{slug}.csv").streaming_content)
        return text.decode("utf-8-sig").splitlines()[1:]

    assert report("ryhmat") == ["Avainhenkilöt;3"]
    assert report("avainasiakkaat") == ["Avainyritys Oy;3"]
    assert report("kunnat") == ["Lieksa;3"]

    ban = _object(objector, clerk)
    assert report("ryhmat") == ["Avainhenkilöt;2"]
    assert report("avainasiakkaat") == ["Avainyritys Oy;2"]
    assert report("kunnat") == ["Lieksa;2"]
    assert sum(int(row.split(";")[1]) for row in report("uudet")) == 2
    page = client.get("/raportit/").content.decode()
    assert "Avainasiakkaiden yhteyshenkilöt" in page

    # Lifted at the person's request, they are counted again.
    ban_lift(ban=ban, by=clerk)
    assert report("ryhmat") == ["Avainhenkilöt;3"]


def test_a_restricted_person_is_not_counted_either(privacy_officer):
    group = GroupFactory()
    people = [CustomerFactory() for _ in range(2)]
    for person in people:
        person.groups.add(group)
    restriction_set(customer=people[1], reason="Oikaisupyyntö käsittelyssä.", by=privacy_officer)
    assert CustomerGroup.objects.with_analysable_member_counts().get().member_count == 1
    assert list(Customer.objects.analysable()) == [people[0]]


def test_an_ended_contact_role_is_not_counted_for_the_key_account():
    company = CompanyFactory(is_key_account=True)
    ContactRoleFactory(company=company)
    ContactRoleFactory(company=company, ended_on="2024-06-30")
    counted = Company.objects.key_accounts_with_contact_counts().get()
    assert counted.contact_count == 1


def test_a_person_who_objected_is_not_added_to_groups_but_may_leave_them(clerk):
    kept, offered = GroupFactory(), GroupFactory()
    customer = CustomerFactory()
    customer.groups.add(kept)
    _object(customer, clerk)
    with pytest.raises(ValidationError) as refused:
        customer_update(
            customer=customer,
            data={},
            groups=[kept, offered],
            expected_version=customer.version,
            by=clerk,
        )
    assert "groups" in refused.value.message_dict
    assert list(customer.groups.all()) == [kept]
    customer_update(
        customer=customer, data={}, groups=[], expected_version=customer.version, by=clerk
    )
    assert not customer.groups.exists()


def test_the_edit_page_says_why_the_group_was_not_added(clerk, client_for):
    group = GroupFactory()
    customer = CustomerFactory()
    _object(customer, clerk)
    client = client_for(clerk)
    form = client.get(f"/asiakkaat/{customer.pk}/muokkaa/").context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and not isinstance(value, list)
    }
    data["groups"] = [group.pk]
    data["version"] = customer.version
    response = client.post(f"/asiakkaat/{customer.pk}/muokkaa/", data)
    assert response.status_code == 200
    assert "ei voi lisätä ryhmiin" in response.content.decode()
    assert not customer.groups.exists()


def test_the_contact_selector_and_the_reports_read_the_same_rule(clerk):
    customer = CustomerFactory(email="a@example.com", phone="+358401234567")
    consent_give(customer=customer, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    everyone = Customer.objects.filter(pk=customer.pk)
    assert contactable(purpose="email-marketing", channel="email", customers=everyone).exists()
    _object(customer, clerk)
    assert not contactable(purpose="email-marketing", channel="email", customers=everyone).exists()
    assert not processable(everyone, processing=Processing.ANALYSIS).exists()
    # What the contract needs goes on.
    assert processable(everyone, processing=Processing.CUSTOMER_SERVICE).exists()


def test_the_customer_page_shows_what_the_objection_covers(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    assert "data-objection-scope" not in client.get(f"/asiakkaat/{customer.pk}/").content.decode()
    _object(customer, clerk)
    body = client.get(f"/asiakkaat/{customer.pk}/").content.decode()
    assert "data-objection-scope" in body
    assert "Vastustaminen estää:" in body
    assert "Suoramarkkinointi ja sitä varten tehtävä profilointi" in body
    assert "ei lasketa raportteihin" in body
    assert "Vastustaminen ei estä:" in body
