"""Giving and withdrawing a consent from the customer page, and an audience export whose page
follows the job by itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from kombu.exceptions import OperationalError
from playwright.sync_api import expect

from consents.models import AudienceExport, ConsentEvent
from consents.services import audience_export_run, consent_give
from consents.tasks import export_audience
from jobs.services import publish_due
from tests.browser.test_customer_journey import sign_in
from tests.consents.factories import RecipientFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser

PURPOSE = "Sähköinen suoramarkkinointi sähköpostitse"


def test_clerk_gives_and_withdraws_a_consent_on_the_customer_page(page, clerk):
    customer = CustomerFactory(first_name="Matti", last_name="Virtanen")
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/")
    row = page.locator("#suostumukset tr", has_text=PURPOSE)
    expect(row).to_contain_text("Ei annettu")

    # The channel, then one click.
    row.get_by_label(f"Kanava: {PURPOSE}").select_option(label="Puhelin")
    row.get_by_role("button", name="Anna suostumus").click()
    expect(page.get_by_role("status").get_by_text(f"Suostumus annettu: {PURPOSE}.")).to_be_visible()
    row = page.locator("#suostumukset tr", has_text=PURPOSE)
    expect(row).to_contain_text("Voimassa")

    # A withdrawal asks once more.
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_label(f"Kanava: {PURPOSE}").select_option(label="Kirje")
    row.get_by_role("button", name="Peruuta suostumus").click()
    expect(page.get_by_role("status").get_by_text(f"Suostumus peruttu: {PURPOSE}.")).to_be_visible()
    expect(page.locator("#suostumukset tr", has_text=PURPOSE)).to_contain_text("Peruttu")
    assert [e.action for e in ConsentEvent.objects.order_by("pk")] == ["give", "withdraw"]

    # The full timeline is one click away.
    page.get_by_role("link", name="Koko historia").click()
    expect(page.get_by_role("heading", name="Suostumukset ja kiellot", level=1)).to_be_visible()
    events = page.locator("table").first
    expect(events).to_contain_text("Annettu")
    expect(events).to_contain_text("Peruttu")
    expect(events).to_contain_text("Kirje")


def test_the_channel_is_required_before_giving(page, clerk):
    customer = CustomerFactory()
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{customer.pk}/")
    row = page.locator("#suostumukset tr", has_text=PURPOSE)
    row.get_by_role("button", name="Anna suostumus").click()
    expect(row).to_contain_text("Ei annettu")
    assert not ConsentEvent.objects.exists()


def test_marketing_exports_an_audience_and_the_page_follows_the_job(
    page, clerk, marketer, monkeypatch
):
    # The job is run below, as a worker would; nothing is sent to a broker.
    queued = []
    monkeypatch.setattr(
        export_audience, "apply_async", lambda **options: queued.append(options["args"])
    )
    for _ in range(3):
        consent_give(
            customer=CustomerFactory(), purpose="email-marketing", channel="phone", by=clerk
        )
    recipient = RecipientFactory(name="Postitus Oy")
    sign_in(page, marketer)
    page.get_by_role("link", name="Kohderyhmät").click()
    page.get_by_label("Käyttötarkoitus").select_option(label=PURPOSE)
    page.get_by_role("button", name="Laske").click()
    expect(page.get_by_text("Kohderyhmässä on 3 henkilöä.")).to_be_visible()
    page.get_by_label("Vastaanottaja").select_option(label=recipient.name)
    page.get_by_role("button", name="Vie tiedostoon").click()
    expect(page.get_by_role("heading", name="Kohderyhmän vienti")).to_be_visible()
    expect(page.get_by_text("Odottaa vuoroaan…")).to_be_visible()

    # The worker's part, done here; the page notices by itself.
    export = AudienceExport.objects.get()
    assert queued == [[export.pk]]  # published once the request committed
    audience_export_run(export_id=export.pk)
    expect(page.get_by_role("link", name="Lataa tiedosto")).to_be_visible()
    expect(page.get_by_text(re.compile("3 henkilöä viety"))).to_be_visible()


def test_an_export_made_while_the_job_service_is_down_waits_and_then_runs(
    page, clerk, marketer, monkeypatch
):
    def broker_down(**options):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(export_audience, "apply_async", broker_down)
    consent_give(customer=CustomerFactory(), purpose="email-marketing", channel="phone", by=clerk)
    recipient = RecipientFactory(name="Postitus Oy")
    sign_in(page, marketer)
    page.get_by_role("link", name="Kohderyhmät").click()
    page.get_by_label("Käyttötarkoitus").select_option(label=PURPOSE)
    page.get_by_role("button", name="Laske").click()
    page.get_by_label("Vastaanottaja").select_option(label=recipient.name)
    page.get_by_role("button", name="Vie tiedostoon").click()
    expect(page.get_by_text(re.compile("Tehtäväpalvelu ei vastaa"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Odottaa tehtäväpalvelua")).to_be_visible()

    # The broker is back: the sweep sends the recorded job, and the page notices by itself.
    published = []
    monkeypatch.setattr(
        export_audience, "apply_async", lambda **options: published.append(options["args"])
    )
    assert publish_due(older_than=timedelta(0)) == 1
    export = AudienceExport.objects.get()
    assert published == [[export.pk]]
    expect(page.get_by_text("Odottaa vuoroaan…")).to_be_visible()
    expect(page.get_by_text(re.compile("Tehtäväpalvelu .*ei vastaa"))).to_have_count(0)
    audience_export_run(export_id=export.pk)
    expect(page.get_by_role("link", name="Lataa tiedosto")).to_be_visible()
