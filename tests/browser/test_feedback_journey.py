from __future__ import annotations

import pytest
from playwright.sync_api import expect

from feedback.models import FeedbackStatus
from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.browser


def test_clerk_handles_a_feedback_item(page, clerk):
    customer = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    feedback = FeedbackFactory(
        customer=customer, topic="billing", rating=2, text="Laskussa oli käynti, jota en käyttänyt."
    )
    FeedbackFactory(customer=None, topic="premises", rating=4, text="Hyvä esteetön sisäänkäynti.")
    sign_in(page, clerk)

    page.get_by_role("link", name="Asiakaspalaute", exact=True).click()
    expect(page.get_by_role("heading", name="Asiakaspalaute", level=1)).to_be_visible()
    expect(page.get_by_text("2 palautetta")).to_be_visible()

    # Only what is still new, about invoicing.
    page.get_by_label("Tila").select_option(label="Uusi")
    page.get_by_label("Aihe").select_option(label="Laskutus ja maksut")
    page.get_by_role("button", name="Rajaa").click()
    expect(page.get_by_text("1 palaute", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Laskussa oli käynti")
    expect(row).to_contain_text("Aino Mäkinen")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Asiakaspalaute: Laskutus ja maksut")).to_be_visible()
    page.get_by_label("Vastaus").fill("Lasku tarkistettu ja virheellinen rivi hyvitetty.")
    page.get_by_role("button", name="Merkitse käsitellyksi").click()

    expect(page.get_by_role("status").get_by_text("Palaute merkitty käsitellyksi.")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("Käsitelty")
    expect(page.get_by_text("Lasku tarkistettu ja virheellinen rivi hyvitetty.")).to_be_visible()
    expect(page.get_by_role("button", name="Merkitse käsitellyksi")).to_have_count(0)

    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.HANDLED and feedback.handled_by == clerk

    # The person's page shows it handled too.
    page.get_by_role("link", name="Aino Mäkinen").click()
    expect(page.locator("#palaute")).to_contain_text("Käsitelty")
