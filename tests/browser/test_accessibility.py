"""What axe reported on staff pages: status messages outside a list, the admin's select2
widgets without a name, the rating's aria-label on an element that takes none."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CompanyFactory, CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.browser


def test_status_messages_are_a_list_in_a_live_region(page, clerk):
    customer = CustomerFactory()
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/muokkaa/")
    page.get_by_role("button", name="Tallenna").click()
    status = page.get_by_role("status")
    expect(status.get_by_role("list").get_by_role("listitem")).to_have_count(1)


def test_a_rating_is_read_as_words_and_seen_as_a_number(page, clerk):
    customer = CustomerFactory()
    FeedbackFactory(customer=customer, rating=2)
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/")
    rating = page.locator("#palaute .rating")
    assert rating.get_attribute("aria-label") is None
    expect(rating.locator("[aria-hidden=true]")).to_have_text("2/5")
    expect(rating.locator(".visually-hidden")).to_have_text("Arvio 2/5")


def test_the_admins_autocomplete_fields_have_names(page, privacy_officer):
    CompanyFactory(name="Karjalan Puu Oy")
    sign_in(page, privacy_officer)
    page.goto("/admin/customers/occupationalhealthcontract/add/")
    expect(page.get_by_role("combobox", name="Yritys", exact=False)).to_be_visible()
