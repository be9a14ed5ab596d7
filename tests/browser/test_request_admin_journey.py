"""The privacy officer takes an access request from receipt to a released package and a sent
completion letter, and an erasure request through its preview, in the admin."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from calls.models import CallRecording
from customers.models import Customer
from dsar.models import DataSubjectRequest, PackageStatus, State
from pkregister.celery import app
from privacy.models import ErasureRecord
from tests.browser.test_customer_journey import sign_in
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.dsar.factories import make_request

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def eager_jobs(settings, tmp_path):
    """Files in the test's own directory; the package job runs at once, in the server."""
    settings.MEDIA_ROOT = tmp_path / "media"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _step(page, name: str) -> None:
    page.locator(".object-tools").get_by_role("link", name=name, exact=True).click()


def test_access_request_from_receipt_to_package_and_completion_letter(page, privacy_officer):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    CallRecordingFactory(customer=person)
    dsar = make_request(by=privacy_officer, customer=person, types=["access"])
    sign_in(page, privacy_officer)
    page.goto(f"/admin/dsar/datasubjectrequest/{dsar.pk}/change/")
    expect(page.locator("#dsar-holds")).to_contain_text("call-")  # the recording is held

    _step(page, "Todenna henkilöllisyys")
    page.get_by_label("Miten henkilöllisyys todennettiin?").select_option(
        label="Henkilökortti tai passi tarkistettu toimipisteessä"
    )
    page.get_by_role("button", name="Todenna henkilöllisyys").click()
    expect(page.locator(".messagelist")).to_contain_text("Henkilöllisyys todennettu")

    _step(page, "Kokoa tietopaketti")
    page.get_by_role("button", name="Kokoa tietopaketti").click()
    packages = page.locator("#dsar-packages")
    expect(packages).to_contain_text("Valmis tarkistettavaksi")
    expect(packages.locator("progress")).to_have_attribute("value", "100")

    _step(page, "Luovuta tietopaketti")
    page.get_by_role("button", name="Luovuta tietopaketti").click()
    expect(page.locator("#dsar-packages")).to_contain_text("Luovutettu")
    with page.expect_download() as download:
        page.locator("#dsar-packages").get_by_role("link").first.click()
    assert download.value.suggested_filename == f"{dsar.reference}-tiedot.zip"

    _step(page, "Merkitse valmiiksi")
    page.get_by_label("Mitä tehtiin").fill("Tietopaketti annettu henkilökohtaisesti.")
    page.get_by_role("button", name="Merkitse valmiiksi").click()
    expect(page.locator(".messagelist")).to_contain_text("Pyyntö on käsitelty")

    _step(page, "Merkitse kirje lähetetyksi")
    page.get_by_label("Kirje").select_option(index=1)
    page.get_by_label("Lähetystapa").select_option(label="Posti")
    page.get_by_role("button", name="Merkitse kirje lähetetyksi").click()
    expect(page.locator("#dsar-letters")).to_contain_text("posti")

    dsar.refresh_from_db()
    assert dsar.state == State.COMPLETED
    assert dsar.packages.get().status == PackageStatus.RELEASED
    assert dsar.letters.get(kind="completion").sent_method == "post"
    # Closing released the hold.
    expect(page.locator("#dsar-holds")).to_contain_text("Tämän pyynnön vuoksi ei ole")


def test_erasure_request_with_its_preview(page, privacy_officer):
    person = CustomerFactory(first_name="Eero", last_name="Poistettava")
    CallRecordingFactory(customer=person)
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    sign_in(page, privacy_officer)
    page.goto(f"/admin/dsar/datasubjectrequest/{dsar.pk}/change/")
    _step(page, "Todenna henkilöllisyys")
    page.get_by_label("Miten henkilöllisyys todennettiin?").select_option(
        label="Vahva sähköinen tunnistaminen"
    )
    page.get_by_role("button", name="Todenna henkilöllisyys").click()

    _step(page, "Esikatsele poisto")
    page.get_by_role("button", name="Esikatsele poisto").click()
    preview = page.locator("#dsar-erasure")
    expect(preview.locator("tr.erasure-delete").first).to_be_visible()
    expect(preview.locator("tr.erasure-keep").first).to_contain_text("5 vuotta")

    # Erasing without confirming the preview is refused.
    _step(page, "Poista henkilön tiedot")
    page.get_by_role("button", name="Poista henkilön tiedot").click()
    expect(page.get_by_text("Vahvista, että olet lukenut esikatselun.")).to_be_visible()
    page.get_by_label("Olen lukenut esikatselun").check()
    page.get_by_role("button", name="Poista henkilön tiedot").click()
    expect(page.locator(".messagelist")).to_contain_text("poistettiin esikatselun mukaisesti")
    expect(page.locator("#dsar-erasure")).to_contain_text("Poistettu")

    assert not Customer.objects.filter(pk=person.pk).exists()
    assert not CallRecording.objects.exists()
    assert ErasureRecord.objects.get().reference == dsar.reference
    assert DataSubjectRequest.objects.get(pk=dsar.pk).customer is None
