"""After an action in a section of the customer page, the confirmation is shown in that section
(a live region) and the focus is on the section, not at the top of the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consents.models import Ban
from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser

PURPOSE = "Sähköinen suoramarkkinointi sähköpostitse"


def _confirmed_in(page, section_id: str, text: str) -> None:
    section = page.locator(f"#{section_id}")
    status = section.get_by_role("status")
    expect(status.get_by_text(text)).to_be_visible()
    expect(status.get_by_text(text)).to_be_in_viewport()
    expect(section).to_be_focused()
    # Shown once, in the section: not also at the top of the page.
    expect(page.get_by_text(text)).to_have_count(1)


def test_consents_and_bans_are_confirmed_in_their_section(page, clerk):
    customer = CustomerFactory(first_name="Matti", last_name="Virtanen")
    sign_in(page, clerk)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/asiakkaat/{customer.pk}/")

    row = page.locator("#suostumukset tr", has_text=PURPOSE)
    row.get_by_label(f"Kanava: {PURPOSE}").select_option(label="Puhelin")
    row.get_by_role("button", name="Anna suostumus").click()
    _confirmed_in(page, "suostumukset", f"Suostumus annettu: {PURPOSE}.")

    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("#suostumukset tr", has_text=PURPOSE)
    row.get_by_label(f"Kanava: {PURPOSE}").select_option(label="Kirje")
    row.get_by_role("button", name="Peruuta suostumus").click()
    _confirmed_in(page, "suostumukset", f"Suostumus peruttu: {PURPOSE}.")

    page.get_by_label("Uusi kielto").select_option(index=1)
    kind = page.get_by_label("Uusi kielto").locator("option:checked").inner_text()
    page.get_by_label("Lähde").select_option(index=1)
    page.get_by_role("button", name="Kirjaa kielto").click()
    _confirmed_in(page, "suostumukset", f"Kirjattu: {kind}.")
    assert Ban.objects.filter(customer=customer).count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#suostumukset").get_by_role("button", name="Päätä kielto").first.click()
    _confirmed_in(page, "suostumukset", f"Päätetty: {kind}.")


def test_feedback_is_confirmed_in_the_feedback_section(page, clerk):
    customer = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    sign_in(page, clerk)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/asiakkaat/{customer.pk}/")
    page.locator("#palaute").get_by_role("link", name="Kirjaa palaute").click()
    page.get_by_label("Aihe").select_option(index=1)
    page.locator("textarea[name=text]").fill("Hyvä palvelu puhelimessa.")
    page.get_by_role("button", name="Tallenna").click()
    _confirmed_in(page, "palaute", "Palaute kirjattu.")
