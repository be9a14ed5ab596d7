from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.conftest import PASSWORD, current_code

pytestmark = pytest.mark.browser


def test_staff_member_signs_in_with_a_totp_code_and_sees_the_finnish_front_page(page, clerk):
    device = TOTPDevice.objects.create(user=clerk, name="default", confirmed=True)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/login/"))
    expect(page.get_by_role("heading", name="Kirjaudu sisään")).to_be_visible()

    # With the keyboard only: the username field has focus on load.
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    code_field = page.get_by_label("Vahvistuskoodi")
    expect(code_field).to_be_visible()
    expect(code_field).to_be_focused()
    page.keyboard.type(current_code(device))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name=re.compile("Tervetuloa"))).to_be_visible()
    expect(page.get_by_role("navigation", name="Päävalikko")).to_contain_text("Etusivu")
    expect(page.locator("html")).to_have_attribute("lang", "fi")

    page.get_by_role("button", name="Kirjaudu ulos").click()
    expect(page.get_by_text("Olet kirjautunut ulos.")).to_be_visible()
