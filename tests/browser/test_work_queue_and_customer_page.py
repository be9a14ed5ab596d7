"""Daily work in a browser at 1366×768: each role's work queue on the front page, and a customer
page whose summary and consents are seen without scrolling and whose sections the keyboard
reaches in a few presses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consents.models import BanKind, Channel
from consents.services import ban_record, consent_give
from dsar.models import Channel as RequestChannel
from tests.breaches.factories import BreachFactory
from tests.browser.test_customer_journey import sign_in
from tests.calls.factories import RecordingHoldFactory
from tests.consents.test_pages import make_export
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory
from tests.dsar.factories import DataSubjectRequestFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 768}

# What each role's front page lists, by the entry's heading.
QUEUES = {
    "clerk": ["Uusi asiakaspalaute", "Toimipisteessä kirjatut pyynnöt"],
    "supervisor": [
        "Uusi asiakaspalaute",
        "Toimipisteessä kirjatut pyynnöt",
        "Puhelutallenteet, joilla on säilytyspito",
    ],
    "privacy_officer": [
        "Pian erääntyvät ja myöhässä olevat pyynnöt",
        "Tietoturvaloukkaukset: 72 tuntia aikaa ilmoittaa tietosuojavaltuutetulle",
        "Epäonnistuneet tai väliin jääneet poistoajot",
        "Tietosuojaselosteen tarkistus",
    ],
    "marketer": ["Omat kohderyhmien vientisi"],
}


@pytest.mark.parametrize("role", list(QUEUES))
def test_each_role_opens_on_its_work_queue(page, cast, role):
    person = CustomerFactory(first_name="Aino", last_name="Mäkinen")
    FeedbackFactory(customer=person, text="Jonotin puoli tuntia.", rating=1)
    DataSubjectRequestFactory(customer=person, channel=RequestChannel.OFFICE, reference="TP-7")
    RecordingHoldFactory(
        recording__customer=person, request_reference="TP-8", placed_by=cast["privacy_officer"]
    )
    BreachFactory(reference="TSL-2026-0042")
    export = make_export(cast["marketer"])
    page.set_viewport_size(VIEWPORT)
    sign_in(page, cast[role])

    queue = page.locator(".work-queue")
    for heading in QUEUES[role]:
        expect(queue.get_by_role("heading", name=heading)).to_be_visible()
    shown = set(queue.get_by_role("heading", level=3).all_inner_texts())
    others = {h for headings in QUEUES.values() for h in headings} - set(QUEUES[role])
    assert not {h for h in shown for other in others if h.startswith(other)}
    if role in ("clerk", "supervisor"):
        # The row names the feedback by what it says and opens it.
        queue.get_by_role("link", name="Jonotin puoli tuntia.").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Asiakaspalaute")
    if role == "marketer":
        expect(queue.locator(f'a[href="/markkinointi/viennit/{export.pk}/"]')).to_be_visible()


def _person_with_a_record(clerk):
    person = CustomerFactory(first_name="Saara", last_name="Lappalainen", email="saara@example.fi")
    ContactRoleFactory(customer=person, company=CompanyFactory(name="Karjalan Puu Oy"))
    consent_give(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    ban_record(customer=person, kind=BanKind.SURVEYS, channel=Channel.LETTER, by=clerk)
    FeedbackFactory(customer=person, rating=2)
    return person


def _bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "privacy_officer"])
def test_the_summary_and_consents_are_above_the_fold_and_empty_sections_take_one_line(
    page, cast, role
):
    person = _person_with_a_record(cast["clerk"])
    page.set_viewport_size(VIEWPORT)
    sign_in(page, cast[role])
    page.goto(f"/asiakkaat/{person.pk}/")

    summary = page.locator("#yhteenveto")
    expect(summary).to_contain_text("saara@example.fi")
    expect(summary).to_contain_text("Kyselykielto")
    expect(summary).to_contain_text("Sähköinen suoramarkkinointi sähköpostitse")
    assert _bottom(summary) <= VIEWPORT["height"]
    # The consents section starts on the first screen, right under the summary.
    consents = page.locator("#suostumukset")
    assert consents.bounding_box()["y"] < VIEWPORT["height"]
    assert (
        _bottom(consents.get_by_role("heading", name="Suostumukset ja kiellot"))
        <= (VIEWPORT["height"])
    )
    # An empty section is one line: no taller than a line of text and its padding.
    for anchor in ("#palvelut", "#puhelut", "#pyynnot"):
        expect(page.locator(anchor)).to_have_class("card card-collapsed")
        assert page.locator(anchor).bounding_box()["height"] < 60, anchor
    expect(page.locator("#tehtavat")).not_to_have_class("card card-collapsed")


def test_a_shortcut_takes_the_keyboard_to_the_ban_form_in_a_few_presses(page, clerk):
    person = _person_with_a_record(clerk)
    page.set_viewport_size(VIEWPORT)
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{person.pk}/")

    page.keyboard.press("Alt+Shift+K")
    expect(page.locator("#suostumukset")).to_be_focused()
    presses = 0
    while page.evaluate("document.activeElement.id") != "ban-kind":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 15, "the ban form is out of reach"
    # Past the purposes' forms (a channel and a button each) and the bans' lift buttons.
    assert presses <= 12

    page.keyboard.press("Alt+Shift+A")
    expect(page.locator("#palaute")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Kirjaa palaute")).to_be_focused()
    page.keyboard.press("Alt+Shift+Y")
    expect(page.locator("#yhteenveto")).to_be_focused()


def test_from_the_top_of_the_page_the_section_links_are_a_short_tab_away(page, clerk):
    person = _person_with_a_record(clerk)
    page.set_viewport_size(VIEWPORT)
    sign_in(page, clerk)
    page.goto(f"/asiakkaat/{person.pk}/")
    page.locator("main").focus()  # where "Siirry sisältöön" puts the keyboard

    presses = 0
    while page.evaluate("document.activeElement.getAttribute('href')") != "#suostumukset":
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= 5
    page.keyboard.press("Enter")
    expect(page.locator("#suostumukset")).to_be_focused()
