"""Customer service logs a written request handed in at the office, from the person's page;
afterwards they see its state and due date there, never its documents."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dsar.models import Channel, DataSubjectRequest, State
from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CustomerFactory
from tests.dsar.conftest import PNG

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_clerk_logs_a_request_handed_in_at_the_office(page, clerk, tmp_path):
    customer = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    scan = tmp_path / "pyynto.png"
    scan.write_bytes(PNG)
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/")

    requests = page.locator("#pyynnot")
    # Where staff look for it: a phone call is no request.
    expect(requests).to_contain_text("Puhelu ei ole pyyntö")
    expect(requests).to_contain_text("Ei pyyntöjä.")
    requests.get_by_role("link", name="Kirjaa toimipisteessä jätetty pyyntö").click()

    expect(page.get_by_role("heading", name="Kirjaa toimipisteessä jätetty pyyntö")).to_be_visible()
    page.get_by_role("button", name="Kirjaa pyyntö").click()
    expect(page.get_by_text("Valitse, mitä pyydetään.")).to_be_visible()

    page.get_by_label("Tarkastus").check()
    page.get_by_label("Poistaminen").check()
    page.get_by_label("Nimi niin kuin kirjoitettu").fill("Aino Mäkinen")
    page.get_by_label("Skannattu pyyntö").set_input_files(str(scan))
    page.get_by_role("button", name="Kirjaa pyyntö").click()

    dsar = DataSubjectRequest.objects.get()
    expect(
        page.get_by_role("status").get_by_text(f"Pyyntö {dsar.reference} kirjattu")
    ).to_be_visible()
    row = page.locator("#customer-requests").get_by_role("row").filter(has_text=dsar.reference)
    expect(row).to_contain_text("Vastaanotettu")
    expect(row).to_contain_text(dsar.due_on.strftime("%-d.%-m.%Y"))
    expect(row).to_contain_text("Tarkastus")
    expect(page.locator("#pyynnot")).not_to_contain_text("pyynto.png")

    assert (dsar.channel, dsar.customer, dsar.state) == (Channel.OFFICE, customer, State.RECEIVED)
    assert dsar.received_on == timezone.localdate()
    assert dsar.documents.get().content_type == "image/png"
