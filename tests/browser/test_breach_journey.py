"""The privacy officer records a breach, finds the people from a staff account's access log,
and records the notices to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from breaches.models import AffectedPerson, Breach, NotificationStatus, PersonNotification
from tests.browser.test_customer_journey import sign_in
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def eager_celery():
    from pkregister.celery import app
    from tests.conftest import isolated_redis_url

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    url = isolated_redis_url()
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=True, task_eager_propagates=False
    )
    yield
    app.conf.update(task_always_eager=previous[0], task_eager_propagates=previous[1])


def test_privacy_officer_records_a_breach_finds_the_people_and_tells_them(
    page, privacy_officer, clerk, supervisor, eager_celery
):
    viewed = CustomerFactory(first_name="Aino", last_name="Katseltu", email="aino@example.fi")
    by_letter = CustomerFactory(first_name="Eino", last_name="Kirjeellä", email="")
    untouched = CustomerFactory(first_name="Ville", last_name="Koskematon")
    for person in (viewed, by_letter):
        AccessLogEntry.record(
            actor=clerk,
            action=AccessAction.VIEW,
            purpose=AccessPurpose.CUSTOMER_SERVICE,
            subject=person,
        )
    AccessLogEntry.record(
        actor=supervisor,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=untouched,
    )
    sign_in(page, privacy_officer)

    # Recording the breach.
    page.goto("/admin/breaches/breach/add/")
    aware = timezone.localtime() - timedelta(hours=2)
    page.get_by_label("Tieto saatu").fill(aware.strftime("%Y-%m-%dT%H:%M"))
    # (The field and its fieldset share a name.)
    page.locator("#id_description").fill("Asiakaspalvelun tunnus joutui vieraisiin käsiin.")
    page.get_by_label("Tyyppi").select_option(label="Luottamuksellisuus")
    page.get_by_label("Luonne").select_option(label="Luvaton pääsy tietoihin")
    page.get_by_label("Perustiedot").check()
    page.get_by_label("Todennäköiset seuraukset rekisteröidyille").fill(
        "Huijausviestit ovat mahdollisia."
    )
    page.get_by_label("Tehdyt toimenpiteet").fill("Tunnus suljettiin heti.")
    page.locator("#id_risk").select_option(label="Korkea riski")
    page.get_by_label("Riskiarvion perustelut").fill("Nimet ja osoitteet vieraalla.")
    page.get_by_role("button", name="Tallenna välillä ja jatka muokkaamista").click()
    breach = Breach.objects.get()
    expect(page.get_by_test_id("breach-clock")).to_contain_text("h jäljellä")
    expect(page.locator("#breach-timeline").locator("..")).to_contain_text("Kirjattu")

    # Finding the people from the clerk's access log.
    page.get_by_role("link", name="Kohteena olevat henkilöt").click()
    page.get_by_label("Käyttäjätunnus ja aikaväli").check()
    page.locator("#id_user").select_option(label="clerk (Clerk)")
    start = timezone.localtime() - timedelta(days=1)
    page.locator("#id_start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_end").fill(
        (timezone.localtime() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Hae").click()
    expect(
        page.get_by_text("Löytyi 2 henkilöä, joista 2 ei ollut vielä luettelossa.")
    ).to_be_visible()
    people = page.locator("#affected-people")
    expect(people).to_contain_text("Katseltu")
    expect(people).to_contain_text("Kirjeellä")
    expect(people).not_to_contain_text("Koskematon")
    assert set(AffectedPerson.objects.values_list("customer_id", flat=True)) == {
        viewed.pk,
        by_letter.pk,
    }

    # Telling them: the email goes, the letter is printed and recorded as posted.
    page.goto(f"/admin/breaches/breach/{breach.pk}/ilmoitukset/")
    page.get_by_role("button", name="Laadi ilmoitukset 2 henkilölle ja lähetä sähköpostit").click()
    expect(page.get_by_text("Sähköposteja lähetetään 1, kirjeitä postitettavana 1")).to_be_visible()
    page.get_by_role("button", name="Kirjaa kirjeet postitetuiksi").click()
    expect(page.get_by_text("1 kirje kirjattiin postitetuksi.")).to_be_visible()
    assert [m.to for m in mail.outbox] == [["aino@example.fi"]]
    assert set(PersonNotification.objects.values_list("status", flat=True)) == {
        NotificationStatus.SENT
    }
    # Pressing again tells nobody twice.
    assert not page.get_by_role("button", name="Laadi ilmoitukset").count()
    breach.refresh_from_db()
    assert breach.state == "people_notified"
