"""Every list on a person's page is capped there and paged on a page of its own."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from consents.models import Basis, Category, Disclosure
from customers import sections
from customers.sections import ROWS_ON_CUSTOMER_PAGE, ROWS_ON_SECTION_PAGE, SECTIONS
from tests.calls.factories import CallRecordingFactory
from tests.conftest import make_user
from tests.consents.factories import RecipientFactory
from tests.customers.factories import (
    CompanyFactory,
    ContactRoleFactory,
    CoverageFactory,
    CustomerFactory,
    GroupFactory,
    InsuranceFactory,
    ServiceUseFactory,
)
from tests.dsar.factories import make_request
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db

MORE_THAN_A_PAGE = ROWS_ON_SECTION_PAGE + 3


def services(customer, count: int) -> list:
    """Services on consecutive days, the newest first in the returned list."""
    start = date(2024, 1, 1)
    rows = [
        ServiceUseFactory(customer=customer, service=f"Käynti {n:03d}", date=start + timedelta(n))
        for n in range(count)
    ]
    return rows[::-1]


def test_customer_page_shows_the_newest_services_the_count_and_a_link(clerk, client_for):
    customer = CustomerFactory()
    newest_first = services(customer, MORE_THAN_A_PAGE)
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    for service in newest_first[:ROWS_ON_CUSTOMER_PAGE]:
        assert service.service in body
    for service in newest_first[ROWS_ON_CUSTOMER_PAGE:]:
        assert service.service not in body
    assert f"{ROWS_ON_CUSTOMER_PAGE} uusinta / {MORE_THAN_A_PAGE}" in body
    assert (
        f'<a href="/asiakkaat/{customer.pk}/palvelut/" aria-describedby="h-palvelut">'
        f"Näytä kaikki ({MORE_THAN_A_PAGE})</a>"
    ) in body


def test_a_short_list_has_no_link_to_more(clerk, client_for):
    customer = CustomerFactory()
    services(customer, ROWS_ON_CUSTOMER_PAGE)
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    assert "Näytä kaikki" not in body


def test_section_page_pages_through_every_service_newest_first(clerk, client_for):
    customer = CustomerFactory()
    newest_first = services(customer, MORE_THAN_A_PAGE)
    client = client_for(clerk)

    first = client.get(f"/asiakkaat/{customer.pk}/palvelut/").content.decode()
    assert "Palvelut ja maksut" in first
    assert f"{MORE_THAN_A_PAGE} riviä" in first
    for service in newest_first[:ROWS_ON_SECTION_PAGE]:
        assert service.service in first
    assert newest_first[ROWS_ON_SECTION_PAGE].service not in first
    assert 'href="?page=2" rel="next"' in first

    second = client.get(f"/asiakkaat/{customer.pk}/palvelut/?page=2").content.decode()
    for service in newest_first[ROWS_ON_SECTION_PAGE:]:
        assert service.service in second
    assert newest_first[0].service not in second
    assert 'href="?page=1" rel="prev"' in second
    assert f'href="/asiakkaat/{customer.pk}/#palvelut"' in second


def test_every_section_page_writes_an_access_log_entry(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    for slug in SECTIONS:
        assert client.get(f"/asiakkaat/{customer.pk}/{slug}/").status_code == 200, slug
    entries = AccessLogEntry.objects.about(customer)
    assert entries.count() == len(SECTIONS)
    assert {(e.user, e.action) for e in entries} == {(clerk, AccessAction.VIEW)}


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
def test_who_may_open_a_section_page(cast, role, status, client_for):
    customer = CustomerFactory()
    response = client_for(cast[role]).get(f"/asiakkaat/{customer.pk}/palvelut/")
    assert response.status_code == status
    assert AccessLogEntry.objects.about(customer).count() == (1 if status == 200 else 0)


def test_a_section_needing_its_own_permission_refuses_without_it(client_for):
    # Someone who may open the person's page but not read feedback.
    reader = make_user("reader", None)
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_customer")
    )
    customer = CustomerFactory()
    client = client_for(reader)
    assert client.get(f"/asiakkaat/{customer.pk}/palvelut/").status_code == 200
    assert client.get(f"/asiakkaat/{customer.pk}/palaute/").status_code == 403
    assert client.get(f"/asiakkaat/{customer.pk}/luovutukset/").status_code == 403
    assert AccessLogEntry.objects.about(customer).count() == 1


def test_unknown_section_is_not_found_and_other_apps_pages_still_answer(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    assert client.get(f"/asiakkaat/{customer.pk}/salaisuudet/").status_code == 404
    assert client.get(f"/asiakkaat/{customer.pk}/suostumukset/").status_code == 200


def test_every_list_on_the_customer_page_is_capped_with_a_link(clerk, client_for):
    customer = CustomerFactory()
    count = ROWS_ON_CUSTOMER_PAGE + 2
    recipient = RecipientFactory()
    for n in range(count):
        ContactRoleFactory(customer=customer, company=CompanyFactory())
        InsuranceFactory(customer=customer)
        CoverageFactory(customer=customer)
        customer.groups.add(GroupFactory())
        FeedbackFactory(customer=customer)
        CallRecordingFactory(customer=customer, started_at=timezone.now() - timedelta(hours=n))
        make_request(by=clerk, customer=customer)
        disclosure = Disclosure.objects.create(
            recipient=recipient,
            basis=Basis.CONSENT,
            mandate="DPA",
            categories=[Category.BASIC],
            disclosed_by=clerk,
        )
        disclosure.subjects.add(customer)
    services(customer, count)
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    for slug in SECTIONS:
        assert f'href="/asiakkaat/{customer.pk}/{slug}/"' in body, slug
    assert body.count(f"Näytä kaikki ({count})") == len(SECTIONS) - 1  # groups: "Kaikki ryhmät"
    assert f"Kaikki ryhmät ({count})" in body


def test_section_page_query_count_does_not_grow_with_rows(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    client.get(f"/asiakkaat/{customer.pk}/tehtavat/")
    ContactRoleFactory(customer=customer, company=CompanyFactory())
    with django_assert_max_num_queries(20) as few:
        assert client.get(f"/asiakkaat/{customer.pk}/tehtavat/").status_code == 200
    for _ in range(MORE_THAN_A_PAGE):
        ContactRoleFactory(customer=customer, company=CompanyFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/asiakkaat/{customer.pk}/tehtavat/?page=2").status_code == 200


def test_customer_page_query_count_does_not_grow_with_any_list(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    recipient = RecipientFactory()

    def one_of_each(n: int) -> None:
        FeedbackFactory(customer=customer)
        make_request(by=clerk, customer=customer)
        CallRecordingFactory(customer=customer, started_at=timezone.now() - timedelta(hours=n))
        disclosure = Disclosure.objects.create(
            recipient=recipient,
            basis=Basis.CONSENT,
            mandate="DPA",
            categories=[Category.BASIC],
            disclosed_by=clerk,
        )
        disclosure.subjects.add(customer)
        customer.groups.add(GroupFactory())
        ContactRoleFactory(customer=customer, company=CompanyFactory())
        InsuranceFactory(customer=customer)
        CoverageFactory(customer=customer)

    # Warm the per-process caches (content types) so both measurements start alike.
    client.get(f"/asiakkaat/{customer.pk}/")
    one_of_each(0)
    services(customer, 1)
    with django_assert_max_num_queries(30) as few:
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200
    for n in range(1, ROWS_ON_CUSTOMER_PAGE + 5):
        one_of_each(n)
    services(customer, ROWS_ON_CUSTOMER_PAGE + 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200


# --- Sections contributed by other apps ---------------------------------------------------------


@pytest.fixture
def registry():
    """Restore the customer page's sections after a test that registers its own."""
    saved_pages, saved_lists = dict(sections._PAGE_SECTIONS), dict(SECTIONS)
    yield sections
    sections._PAGE_SECTIONS.clear()
    sections._PAGE_SECTIONS.update(saved_pages)
    SECTIONS.clear()
    SECTIONS.update(saved_lists)


def test_the_page_renders_every_registered_section_in_order_with_its_nav_link(clerk, client_for):
    customer = CustomerFactory()
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    positions = []
    for section in sections.page_sections():
        anchor = section.anchor
        assert re.search(rf'<a href="#{anchor}"[^>]*>{re.escape(str(section.nav_label))}', body), (
            anchor
        )
        openings = re.findall(rf'<section class="card[^"]*" id="{anchor}" tabindex="-1"', body)
        assert len(openings) == 1, anchor
        assert f'id="{section.heading_id}"' in body, anchor
        positions.append(body.index(openings[0]))
    assert positions == sorted(positions)
    # Consents first (issue 17 item 4: in view at 1366x768, under the summary).
    assert [s.anchor for s in sections.page_sections()] == [
        "suostumukset",
        "tehtavat",
        "palvelut",
        "tyoterveys",
        "palaute",
        "puhelut",
        "pyynnot",
    ]


def test_the_requests_section_comes_from_dsar_and_can_be_replaced(clerk, client_for, registry):
    customer = CustomerFactory()
    client = client_for(clerk)
    assert 'id="phone-is-no-request"' in client.get(f"/asiakkaat/{customer.pk}/").content.decode()

    registry.register(
        registry.PageSection(
            anchor="pyynnot",
            title="Pyynnöt nyt",
            template="customers/_section_roles.html",
            lists=(
                registry.RecordSection(
                    slug="pyynto-rivit",
                    title="Pyynnöt",
                    template="customers/_roles.html",
                    context_name="roles",
                    rows=lambda person: person.roles.all(),
                ),
            ),
        ),
        order=700,
    )
    body = client.get(f"/asiakkaat/{customer.pk}/").content.decode()
    assert 'id="phone-is-no-request"' not in body
    assert re.search(r'<a href="#pyynnot"[^>]*>Pyynnöt nyt', body)
    assert client.get(f"/asiakkaat/{customer.pk}/pyynto-rivit/").status_code == 200


def test_a_list_slug_belongs_to_one_section(registry):
    with pytest.raises(ValueError, match="palvelut"):
        registry.register(
            registry.PageSection(
                anchor="toinen",
                title="Toinen",
                template="customers/_section_services.html",
                lists=(SECTIONS["palvelut"],),
            ),
            order=1,
        )
