from __future__ import annotations

import pghistory
import pytest

from audit.models import AccessAction, AccessLogEntry
from customers.models import Customer, ServiceUse
from customers.views import COMPANY_ROWS
from tests.customers.factories import (
    CompanyFactory,
    ContactRoleFactory,
    ContractFactory,
    CoverageFactory,
    CustomerFactory,
    GroupFactory,
    InsuranceFactory,
    ServiceUseFactory,
)

pytestmark = pytest.mark.django_db


def edit_data(customer: Customer, **changes) -> dict[str, str]:
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


# --- The customer page ----------------------------------------------------------------------------


def test_customer_page_shows_every_section(clerk, client_for):
    customer = CustomerFactory(first_name="Saara", last_name="Lappalainen")
    ContactRoleFactory(customer=customer, company=CompanyFactory(name="Karjalan Puu Oy"))
    ServiceUseFactory(customer=customer, service="Terveystarkastus")
    InsuranceFactory(customer=customer, insurer="Fennia")
    CoverageFactory(customer=customer)
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    for text in [
        "Saara Lappalainen",
        customer.customer_number,
        "Yhteenveto",
        "Yhteystiedot",
        "Tehtävät yrityksissä",
        "Karjalan Puu Oy",
        "Toiveet ja kiinnostuksen kohteet",
        "Palvelut ja maksut",
        "Terveystarkastus",
        "Vakuutus ja työterveys",
        "Fennia",
        "Suostumukset ja kiellot",
        "Asiakaspalaute",
        "Puhelut",
        "Rekisteröityjen pyynnöt",
        "Muutoshistoria",
    ]:
        assert text in body, text


def test_every_view_of_a_customer_page_writes_one_access_log_entry(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    client.get(f"/asiakkaat/{customer.pk}/")
    client.get(f"/asiakkaat/{customer.pk}/")
    entries = AccessLogEntry.objects.about(customer)
    assert entries.count() == 2
    assert {(e.user, e.action) for e in entries} == {(clerk, AccessAction.VIEW)}


def test_customer_page_query_count_does_not_grow_with_related_rows(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    # Warm the per-process caches (content types) so both measurements start alike.
    client.get(f"/asiakkaat/{customer.pk}/")
    ServiceUseFactory(customer=customer)
    with django_assert_max_num_queries(30) as few:
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200
    for _ in range(15):
        ServiceUseFactory(customer=customer)
        ContactRoleFactory(customer=customer, company=CompanyFactory())
        InsuranceFactory(customer=customer)
        CoverageFactory(customer=customer)
    customer.groups.add(GroupFactory(), GroupFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("clerk", 200),
        ("supervisor", 200),
        ("privacy_officer", 200),
        ("marketer", 403),
        ("outsider", 403),
    ],
)
def test_who_may_open_a_customer_page(cast, role, status, client_for):
    customer = CustomerFactory()
    response = client_for(cast[role]).get(f"/asiakkaat/{customer.pk}/")
    assert response.status_code == status
    assert AccessLogEntry.objects.about(customer).count() == (1 if status == 200 else 0)


# --- Create and edit ------------------------------------------------------------------------------


def test_create_saves_and_confirms(clerk, client_for):
    client = client_for(clerk)
    from tests.customers.test_validation import VALID

    response = client.post("/asiakkaat/uusi/", VALID, follow=True)
    customer = Customer.objects.get()
    assert response.request["PATH_INFO"] == f"/asiakkaat/{customer.pk}/"
    assert "Tallennettu." in response.content.decode()
    assert customer.phone.as_e164 == "+358401234567"
    assert customer.source_of("email")["source"] == "staff"


@pytest.mark.parametrize(
    "same",
    [
        {"email": "dup@example.fi"},
        {"phone": "+358 40 999 8888"},
        {
            "first_name": "Eeva",
            "last_name": "Turunen",
            "street_address": "Kauppakatu 1",
            "postal_code": "80100",
        },
    ],
    ids=["email", "phone", "name-and-address"],
)
def test_create_warns_of_a_possible_duplicate_and_links_to_it(clerk, client_for, same):
    from tests.customers.test_validation import VALID

    existing = CustomerFactory(
        first_name="Eeva",
        last_name="Turunen",
        street_address="Kauppakatu 1",
        postal_code="80100",
        email="dup@example.fi",
        phone="+358409998888",
    )
    client = client_for(clerk)
    new = {**VALID, "email": "other@example.fi", "phone": "040 111 2222", **same}
    response = client.post("/asiakkaat/uusi/", new)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mahdolliset kaksoiskappaleet" in body
    assert f'href="/asiakkaat/{existing.pk}/"' in body
    assert Customer.objects.count() == 1
    response = client.post("/asiakkaat/uusi/", {**new, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Customer.objects.count() == 2


def test_edit_saves_records_history_and_confirms(clerk, client_for):
    customer = CustomerFactory(city="Joensuu")
    group = GroupFactory(name="Avainasiakkaat")
    response = client_for(clerk).post(
        f"/asiakkaat/{customer.pk}/muokkaa/",
        {**edit_data(customer, city="Lieksa"), "groups": [group.pk]},
        follow=True,
    )
    assert "Tallennettu." in response.content.decode()
    assert "Lieksa" in response.content.decode()
    customer.refresh_from_db()
    assert customer.city == "Lieksa" and customer.version == 2
    assert list(customer.groups.all()) == [group]
    update = pghistory.models.Events.objects.tracks(customer).filter(pgh_label="update").get()
    assert update.pgh_diff["city"] == ["Joensuu", "Lieksa"]
    assert update.pgh_context["user"] == clerk.pk


def test_second_of_two_concurrent_edits_is_refused_showing_what_changed(
    clerk, supervisor, client_for
):
    customer = CustomerFactory(city="Joensuu", street_address="Torikatu 1")
    first, second = client_for(clerk), client_for(supervisor)
    opened_by_second = edit_data(customer)  # both open the form at version 1
    assert (
        first.post(
            f"/asiakkaat/{customer.pk}/muokkaa/", edit_data(customer, city="Lieksa")
        ).status_code
        == 302
    )

    response = second.post(
        f"/asiakkaat/{customer.pk}/muokkaa/", {**opened_by_second, "wishes": "Soittakaa aamuisin."}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Joku muu tallensi" in body
    assert "Joensuu" in body and "Lieksa" in body  # what changed meanwhile, before and after
    assert "Soittakaa aamuisin." in body  # the second user's input is still in the form
    customer.refresh_from_db()
    assert customer.city == "Lieksa" and customer.wishes == ""

    # Saving again from the refreshed form keeps both changes.
    retry = response.context["form"].data.copy()
    assert second.post(f"/asiakkaat/{customer.pk}/muokkaa/", retry).status_code == 302
    customer.refresh_from_db()
    assert customer.city == "Lieksa" and customer.wishes == "Soittakaa aamuisin."


def test_related_records_are_added_and_edited(clerk, client_for):
    customer = CustomerFactory()
    company = CompanyFactory()
    client = client_for(clerk)
    response = client.post(
        f"/asiakkaat/{customer.pk}/palvelut/uusi/",
        {
            "service": "Rokotus",
            "status": "used",
            "date": "2026-11-02",
            "price": "42,00",
            "payment_status": "unpaid",
            "collection_status": "none",
        },
    )
    assert response.status_code == 302
    service = ServiceUse.objects.get(customer=customer)
    response = client.post(
        f"/asiakkaat/{customer.pk}/palvelut/{service.pk}/muokkaa/",
        {
            "service": "Rokotus",
            "status": "used",
            "date": "2026-11-02",
            "price": "42,00",
            "payment_status": "paid",
            "collection_status": "none",
        },
    )
    service.refresh_from_db()
    assert service.payment_status == "paid"
    response = client.post(
        f"/asiakkaat/{customer.pk}/tehtavat/uusi/",
        {
            "company": company.pk,
            "title": "Talouspäällikkö",
            "started_on": "2026-02-01",
            "ended_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "Tehtävä ei voi päättyä ennen alkamistaan." in response.content.decode()
    assert not customer.roles.exists()


def test_related_record_of_another_person_is_not_reachable(clerk, client_for):
    mine, other = CustomerFactory(), CustomerFactory()
    service = ServiceUseFactory(customer=other)
    assert (
        client_for(clerk).get(f"/asiakkaat/{mine.pk}/palvelut/{service.pk}/muokkaa/").status_code
        == 404
    )


@pytest.mark.parametrize("role", ["marketer", "outsider"])
def test_roles_without_rights_cannot_edit(cast, role, client_for):
    customer = CustomerFactory(city="Joensuu")
    response = client_for(cast[role]).post(
        f"/asiakkaat/{customer.pk}/muokkaa/", edit_data(customer, city="Kuopio")
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Joensuu"


# --- Companies ------------------------------------------------------------------------------------


def test_company_page_lists_its_contact_roles(clerk, client_for, django_assert_max_num_queries):
    company = CompanyFactory(name="Pielisen Kuljetus Oy")
    for name in ("Aaltonen", "Björk"):
        ContactRoleFactory(
            company=company, customer=CustomerFactory(last_name=name), title="Ajojärjestelijä"
        )
    client = client_for(clerk)
    # One more than before: the access-log INSERT of the contact persons shown.
    with django_assert_max_num_queries(15):
        body = client.get(f"/yritykset/{company.pk}/").content.decode()
    assert (
        "Pielisen Kuljetus Oy" in body
        and "Aaltonen" in body
        and "Björk" in body
        and "Ajojärjestelijä" in body
    )


def test_company_page_pages_contact_persons_and_contracts(
    clerk, client_for, django_assert_max_num_queries
):
    company = CompanyFactory()
    ContactRoleFactory(company=company, customer=CustomerFactory(last_name="Aaltonen"))
    ContractFactory(company=company)
    client = client_for(clerk)
    client.get(f"/yritykset/{company.pk}/")
    with django_assert_max_num_queries(15) as few:
        assert client.get(f"/yritykset/{company.pk}/").status_code == 200
    for n in range(COMPANY_ROWS + 5):
        ContactRoleFactory(company=company, customer=CustomerFactory(last_name=f"Henkilö{n:03d}"))
        ContractFactory(company=company)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/yritykset/{company.pk}/").content.decode()
    assert body.count("<tr") == COMPANY_ROWS + 1  # the header and one page
    assert f"{COMPANY_ROWS + 6} yhteyshenkilöä" in body
    assert 'href="?page=2#h-contact-persons"' in body
    assert 'href="?sopimukset=2#h-contracts"' in body

    body = client.get(f"/yritykset/{company.pk}/", {"page": 2, "sopimukset": 2}).content.decode()
    assert body.count("<tr") == 6 + 1
    assert 'href="?sopimukset=2&amp;page=1#h-contact-persons"' in body


def test_company_list_finds_by_name_and_business_id(clerk, client_for):
    CompanyFactory(name="Kolin Matkailu Oy", business_id="2331972-7")
    client = client_for(clerk)
    assert "Kolin Matkailu Oy" in client.get("/yritykset/", {"q": "kolin"}).content.decode()
    assert "Kolin Matkailu Oy" in client.get("/yritykset/", {"q": "2331972-7"}).content.decode()


def test_company_create_rejects_a_bad_business_id(clerk, client_for):
    response = client_for(clerk).post(
        "/yritykset/uusi/", {"name": "Uusi Oy", "business_id": "1234567-8", "status": "prospect"}
    )
    assert response.status_code == 200
    assert "tarkistusnumero ei täsmää" in response.content.decode()


def test_links_carry_a_large_id_without_thousands_separators(clerk, privacy_officer, client_for):
    """Finnish formatting writes 123456 as "123 456"; an id inside a link never is."""
    import re

    from tests.customers.factories import CustomerFactory as Factory

    person = Factory(pk=123456)
    pages = {}
    for user in (clerk, privacy_officer):
        body = client_for(user).get(f"/asiakkaat/{person.pk}/").content.decode()
        hrefs = re.findall(r'href="([^"]*)"', body)
        assert not [h for h in hrefs if re.search(r"123(\s|&nbsp;|\xa0|\u202f)456", h)], hrefs
        pages[user] = body
    assert f"/palaute/uusi/?asiakas={person.pk}" in pages[clerk]
    assert f"?person={person.pk}" in pages[privacy_officer]
