from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import PASSWORD, current_code
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    page.goto("/account/login/")
    page.get_by_label("Käyttäjätunnus").fill(user.username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_label("Vahvistuskoodi").fill(current_code(device))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Tervetuloa"))).to_be_visible()


def test_clerk_searches_opens_edits_and_sees_the_change(page, clerk):
    CustomerFactory(first_name="Matti", last_name="Virtanen", city="Joensuu")
    CustomerFactory(first_name="Liisa", last_name="Korhonen")
    sign_in(page, clerk)

    # The search box has focus on every page; a misspelt name is no result, but he is offered
    # apart, labelled as a near match to check.
    search = page.get_by_role("searchbox", name="Hae asiakkaita")
    expect(search).to_be_focused()
    page.keyboard.type("Virtnaen")
    page.keyboard.press("Enter")
    expect(page.get_by_text("0 tulosta haulle")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    near = page.get_by_role("region", name="Lähimmät osumat: tarkista nimi")
    expect(near).to_be_visible()

    near.get_by_role("link", name="Virtanen, Matti").click()
    expect(page.get_by_role("heading", name="Matti Virtanen", level=1)).to_be_visible()

    page.get_by_role("link", name="Muokkaa", exact=True).first.click()
    city = page.get_by_label("Kunta")
    city.fill("Lieksa")
    page.get_by_label("Toiveet").fill("Soittakaa iltapäivisin.")
    page.get_by_role("button", name="Tallenna").click()

    expect(page.get_by_role("status").get_by_text("Tallennettu.")).to_be_visible()
    expect(page.locator("#perustiedot")).to_contain_text("Lieksa")
    expect(page.locator("#yhteydenpito")).to_contain_text("Soittakaa iltapäivisin.")
    expect(page.locator("#historia")).to_contain_text("kunta")


def test_a_form_error_is_shown_on_the_field_in_finnish(page, clerk):
    customer = CustomerFactory()
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/muokkaa/")
    page.get_by_label("Postinumero").fill("801")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_text("Tietoja ei tallennettu: korjaa merkityt kentät.")).to_be_visible()
    expect(
        page.get_by_text("Suomalainen postinumero on viisi numeroa, esim. 80100.")
    ).to_be_visible()
