"""The customer page at a glance: a summary on top, empty sections on one line, shortcuts."""

from __future__ import annotations

import re

import pytest

from consents.models import BanKind, Channel
from consents.services import ban_record, consent_give
from customers import sections
from dsar.models import Channel as RequestChannel
from feedback.models import FeedbackStatus
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CompanyFactory, ContactRoleFactory, CustomerFactory
from tests.dsar.factories import DataSubjectRequestFactory
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db


def summary_of(body: str) -> str:
    return body.split('id="yhteenveto"', 1)[1].split("</section>", 1)[0]


def section(body: str, anchor: str) -> str:
    start = body.index(f'id="{anchor}"')
    opening = body.rindex("<section", 0, start)
    return body[opening : body.index("</section>", start)]


def test_the_summary_shows_contact_details_bans_consents_and_what_is_open(clerk, client_for):
    person = CustomerFactory(email="aino@example.fi", street_address="Kauppakatu 1")
    consent_give(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    ban_record(customer=person, kind=BanKind.SURVEYS, channel=Channel.LETTER, by=clerk)
    FeedbackFactory(customer=person, rating=1)
    FeedbackFactory(customer=person, status=FeedbackStatus.IN_PROGRESS)
    DataSubjectRequestFactory(customer=person, channel=RequestChannel.OFFICE)

    summary = summary_of(client_for(clerk).get(f"/asiakkaat/{person.pk}/").content.decode())
    assert "aino@example.fi" in summary and "Kauppakatu 1" in summary
    assert "Kyselykielto" in summary and "Ei rajoitettu." in summary
    assert "Sähköinen suoramarkkinointi sähköpostitse" in summary
    assert "2 käsittelemätöntä" in summary
    assert "1 avoin" in summary and "Seuraava määräaika" in summary


def test_empty_sections_take_one_line_and_sections_with_rows_stay_open(clerk, client_for):
    person = CustomerFactory()
    ContactRoleFactory(customer=person, company=CompanyFactory(name="Karjalan Puu Oy"))
    body = client_for(clerk).get(f"/asiakkaat/{person.pk}/").content.decode()
    assert "card-collapsed" not in section(body, "tehtavat")
    for anchor in ("palvelut", "tyoterveys", "palaute", "puhelut", "pyynnot", "yhteydenpito"):
        assert "card-collapsed" in section(body, anchor), anchor
    # The consents list every purpose with its forms: never collapsed.
    assert "card-collapsed" not in section(body, "suostumukset")


def test_the_calls_section_is_one_card_not_a_card_inside_a_card(supervisor, client_for):
    person = CustomerFactory()
    CallRecordingFactory(customer=person)
    calls = section(
        client_for(supervisor).get(f"/asiakkaat/{person.pk}/").content.decode(), "puhelut"
    )
    assert calls.count("<section") == 1 and calls.count("<h2") == 1
    assert "card-collapsed" not in calls


def test_every_section_has_a_shortcut_of_its_own_named_for_assistive_technology(clerk, client_for):
    person = CustomerFactory()
    body = client_for(clerk).get(f"/asiakkaat/{person.pk}/").content.decode()
    nav = body.split('class="section-nav"', 1)[1].split("</nav>", 1)[0]
    keys = re.findall(r'data-shortcut="(\w)" aria-keyshortcuts="Alt\+Shift\+(\w)"', nav)
    letters = [lower for lower, _upper in keys]
    assert len(letters) == len(set(letters)) == nav.count("<a ")
    assert all(lower.upper() == upper for lower, upper in keys)
    assert "Alt + Vaihto + kirjain siirtää osioon." in nav


def test_a_section_may_not_take_a_shortcut_already_taken():
    taken = next(s for s in sections.page_sections() if s.shortcut)
    with pytest.raises(ValueError, match="already taken"):
        sections.register(
            sections.PageSection(
                anchor="toinen", title="Toinen", template="x.html", shortcut=taken.shortcut
            ),
            order=999,
        )
    with pytest.raises(ValueError, match="keeps the shortcut"):
        sections.register(
            sections.PageSection(anchor="toinen", title="Toinen", template="x.html", shortcut="h"),
            order=999,
        )
    assert "toinen" not in {s.anchor for s in sections.page_sections()}


def test_the_page_costs_the_same_queries_with_a_full_summary(
    supervisor, client_for, django_assert_max_num_queries
):
    person = CustomerFactory()
    client = client_for(supervisor)

    def add(n: int) -> None:
        for _ in range(n):
            FeedbackFactory(customer=person, rating=1)
            DataSubjectRequestFactory(customer=person, channel=RequestChannel.OFFICE)
            CallRecordingFactory(customer=person)
            ContactRoleFactory(customer=person)

    ban_record(customer=person, kind=BanKind.SURVEYS, channel=Channel.LETTER, by=supervisor)
    add(1)
    client.get(f"/asiakkaat/{person.pk}/")
    with django_assert_max_num_queries(32) as few:
        assert client.get(f"/asiakkaat/{person.pk}/").status_code == 200
    ban_record(
        customer=person, kind=BanKind.DIRECT_MARKETING, channel=Channel.LETTER, by=supervisor
    )
    consent_give(customer=person, purpose="email-marketing", channel=Channel.PHONE, by=supervisor)
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/asiakkaat/{person.pk}/").status_code == 200
