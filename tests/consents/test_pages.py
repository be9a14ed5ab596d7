"""Staff screens: the customer page's consents section, the timeline, restrictions, audiences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from consents.audiences import AudienceFilters
from consents.models import (
    AudienceExport,
    Ban,
    BanKind,
    Basis,
    Category,
    Channel,
    ConsentAction,
    ConsentEvent,
    ConsentPurpose,
    ContactChannel,
    Disclosure,
    ExportStatus,
)
from consents.services import (
    audience_export_request,
    audience_export_run,
    ban_record,
    consent_give,
)
from consents.views import TIMELINE_PAGE_SIZE
from privacy.models import Restriction
from privacy.restriction import restriction_set
from tests.consents.factories import AuthorityFactory, RecipientFactory
from tests.customers.factories import CustomerFactory, ServiceUseFactory

pytestmark = pytest.mark.django_db

ROLES = ["clerk", "supervisor", "privacy_officer", "marketer", "outsider"]
STAFF = {"clerk", "supervisor", "privacy_officer"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def expected(role: str, allowed: set[str], ok: int = 200) -> int:
    return ok if role in allowed else 403


def make_export(marketer, *, run=True) -> AudienceExport:
    queued = audience_export_request(
        purpose=ConsentPurpose.objects.get(code="email-marketing"),
        channel=ContactChannel.EMAIL,
        filters=AudienceFilters(),
        recipient=RecipientFactory(),
        fmt="csv",
        by=marketer,
    )
    return audience_export_run(export_id=queued.pk) if run else queued


# --- The customer page ----------------------------------------------------------------------------


def test_customer_page_shows_consents_and_bans_at_a_glance(clerk, client_for):
    customer = CustomerFactory()
    consent_give(customer=customer, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.LETTER, by=clerk)
    body = client_for(clerk).get(f"/asiakkaat/{customer.pk}/").content.decode()
    section = body.split('id="suostumukset"', 1)[1].split("</section>", 1)[0]
    assert "Sähköinen suoramarkkinointi sähköpostitse" in section
    assert "Voimassa" in section and "suostumusteksti v1" in section
    assert "Peruuta suostumus" in section and "Anna suostumus" in section
    assert "Kyselykielto" in section and "Kielto tai rajoitus estää" in section
    assert f'href="/asiakkaat/{customer.pk}/suostumukset/"' in section  # the full timeline
    assert "Rajoita käsittelyä" not in section  # the privacy officer's
    assert "Ei luovutuksia." in section


def test_the_privacy_officer_sees_how_to_restrict(privacy_officer, client_for):
    customer = CustomerFactory()
    body = client_for(privacy_officer).get(f"/asiakkaat/{customer.pk}/").content.decode()
    assert f'href="/asiakkaat/{customer.pk}/rajoitus/"' in body


def test_customer_page_queries_stay_constant_with_more_choices(
    clerk, marketer, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    ServiceUseFactory(customer=customer)
    consent_give(customer=customer, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    ban_record(customer=customer, kind=BanKind.SURVEYS, channel=Channel.PHONE, by=clerk)
    make_export(marketer)
    with django_assert_max_num_queries(40) as few:
        assert client.get(f"/asiakkaat/{customer.pk}/").status_code == 200
    for purpose in ("sms-marketing", "newsletter", "market-research"):
        consent_give(customer=customer, purpose=purpose, channel=Channel.PHONE, by=clerk)
    for kind in (BanKind.TELEMARKETING, BanKind.DIRECT_MARKETING):
        ban_record(customer=customer, kind=kind, channel=Channel.PHONE, by=clerk)
    for _ in range(3):
        make_export(marketer)
    ban_record(customer=customer, kind=BanKind.OBJECTION, channel=Channel.PHONE, by=clerk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/asiakkaat/{customer.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_timeline(cast, role, client_for):
    customer = CustomerFactory()
    response = client_for(cast[role]).get(f"/asiakkaat/{customer.pk}/suostumukset/")
    assert response.status_code == expected(role, STAFF)
    views = AccessLogEntry.objects.about(customer).filter(action=AccessAction.VIEW)
    assert views.count() == (1 if role in STAFF else 0)


def test_timeline_lists_every_event_with_constant_queries(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    consent_give(customer=customer, purpose="email-marketing", channel=Channel.PHONE, by=clerk)
    # A row in each list that will grow: an empty list is counted but never read.
    ban, _new = ban_record(customer=customer, kind=BanKind.SURVEYS, channel="phone", by=clerk)
    client.post(f"/asiakkaat/{customer.pk}/kiellot/{ban.pk}/poista/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/asiakkaat/{customer.pk}/suostumukset/")
    baseline = len(few.captured_queries)  # read now: every request clears the query log
    for _ in range(5):
        for action in ("withdraw", "give"):
            client.post(
                f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
                {"purpose": "email-marketing", "action": action, "channel": "phone"},
            )
        ban, _new = ban_record(customer=customer, kind=BanKind.SURVEYS, channel="phone", by=clerk)
        client.post(f"/asiakkaat/{customer.pk}/kiellot/{ban.pk}/poista/")
    with django_assert_max_num_queries(baseline):
        body = client.get(f"/asiakkaat/{customer.pk}/suostumukset/").content.decode()
    assert body.count("<td>Peruttu</td>") == 5 and body.count("<td>Annettu</td>") == 6


def timeline_rows(customer, clerk, count: int) -> None:
    """Give the person `count` consent events, bans, restrictions and disclosures."""
    purpose = ConsentPurpose.objects.get(code="email-marketing")
    wording = purpose.wordings.order_by("-version").first()
    recipient = RecipientFactory()
    now = timezone.now()
    for n in range(count):
        at = now - timedelta(days=n + 1)
        ConsentEvent.objects.create(
            customer=customer,
            purpose=purpose,
            wording=wording,
            action=ConsentAction.GIVE if n % 2 else ConsentAction.WITHDRAW,
            channel=Channel.PHONE,
            evidence=f"Tosite {n:03d}",
            recorded_by=clerk,
            at=at,
        )
        Ban.objects.create(
            customer=customer,
            kind=BanKind.SURVEYS,
            channel=Channel.PHONE,
            note=f"Kielto {n:03d}",
            recorded_by=clerk,
            recorded_at=at,
            lifted_at=at + timedelta(hours=1),
            lifted_by=clerk,
        )
        Restriction.objects.create(
            customer=customer,
            reason=f"Rajoitus {n:03d}",
            set_at=at,
            set_by=clerk,
            lifted_at=at + timedelta(hours=1),
            lifted_by=clerk,
            lift_reason="Selvitetty",
        )
        disclosure = Disclosure.objects.create(
            recipient=recipient,
            basis=Basis.CONSENT,
            mandate="DPA",
            categories=[Category.BASIC],
            request_reference=f"Luovutus {n:03d}",
            disclosed_by=clerk,
            disclosed_at=at,
        )
        disclosure.subjects.add(customer)


def test_timeline_pages_each_list_by_25_newest_first(clerk, client_for):
    customer = CustomerFactory()
    timeline_rows(customer, clerk, TIMELINE_PAGE_SIZE + 2)
    client = client_for(clerk)
    url = f"/asiakkaat/{customer.pk}/suostumukset/"

    body = client.get(url).content.decode()
    for marker in ("Tosite", "Kielto", "Rajoitus", "Luovutus"):
        assert f"{marker} 000" in body and f"{marker} 024" in body, marker
        assert f"{marker} 025" not in body, marker
    assert body.count('rel="next"') == 4 and 'rel="prev"' not in body
    assert body.count("Sivu 1 / 2") == 4
    assert f'href="{url}?kiellot=2#h-ban-history"' in body
    assert 'aria-label="Kiellot: sivut"' in body

    # Paging one list leaves the others where they were, and each keeps the others' page.
    body = client.get(url, {"kiellot": "2", "luovutukset": "2"}).content.decode()
    assert "Kielto 025" in body and "Kielto 026" in body and "Kielto 024" not in body
    assert "Luovutus 026" in body and "Luovutus 000" not in body
    assert "Tosite 000" in body and "Tosite 025" not in body
    assert "Rajoitus 000" in body
    assert f'href="{url}?kiellot=2&amp;luovutukset=2&amp;page=2#h-events"' in body
    assert f'href="{url}?luovutukset=2&amp;kiellot=1#h-ban-history"' in body


def test_timeline_queries_stay_constant_with_rows_on_many_pages(
    clerk, client_for, django_assert_max_num_queries
):
    customer = CustomerFactory()
    client = client_for(clerk)
    url = f"/asiakkaat/{customer.pk}/suostumukset/"
    client.get(url)  # warm the per-process caches (content types)
    timeline_rows(customer, clerk, 1)
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)
    timeline_rows(customer, clerk, 3 * TIMELINE_PAGE_SIZE)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(baseline):
        assert client.get(url, {"page": 3, "kiellot": 2, "luovutukset": 4}).status_code == 200


def test_timeline_after_a_refused_form_pages_on_its_own_address(clerk, client_for):
    customer = CustomerFactory()
    timeline_rows(customer, clerk, TIMELINE_PAGE_SIZE + 1)
    response = client_for(clerk).post(
        f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
        {"purpose": "email-marketing", "action": "give", "channel": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="/asiakkaat/{customer.pk}/suostumukset/?page=2#h-events"' in body


# --- Giving and withdrawing -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_give_a_consent(cast, role, client_for):
    customer = CustomerFactory()
    response = client_for(cast[role]).post(
        f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
        {"purpose": "email-marketing", "action": "give", "channel": "phone"},
    )
    assert response.status_code == expected(role, STAFF, ok=302)
    assert ConsentEvent.objects.filter(customer=customer).count() == (1 if role in STAFF else 0)


def test_give_and_withdraw_from_the_customer_page(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    url = f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/"
    response = client.post(
        url, {"purpose": "sms-marketing", "action": "give", "channel": "office"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/asiakkaat/{customer.pk}/#suostumukset"
    assert "Suostumus annettu: Sähköinen suoramarkkinointi tekstiviestillä." in (
        response.content.decode()
    )
    response = client.post(
        url, {"purpose": "sms-marketing", "action": "withdraw", "channel": "phone"}, follow=True
    )
    assert "Suostumus peruttu" in response.content.decode()
    events = ConsentEvent.objects.filter(customer=customer).order_by("pk")
    assert [(e.action, e.channel) for e in events] == [("give", "office"), ("withdraw", "phone")]


def test_evidence_scan_is_stored_and_downloaded_with_a_log_entry(clerk, client_for):
    customer = CustomerFactory()
    client = client_for(clerk)
    client.post(
        f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
        {
            "purpose": "market-research",
            "action": "give",
            "channel": "letter",
            "evidence": "Lomake 12",
            "evidence_file": SimpleUploadedFile("lomake.pdf", PDF, "application/pdf"),
            "next": "timeline",
        },
    )
    event = ConsentEvent.objects.get(customer=customer)
    assert event.evidence == "Lomake 12" and event.evidence_file.name.endswith(".pdf")
    assert "lomake" not in event.evidence_file.name  # stored under a random name
    response = client.get(f"/asiakkaat/{customer.pk}/suostumukset/{event.pk}/tosite/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AccessLogEntry.objects.about(customer).filter(action=AccessAction.DOWNLOAD).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"purpose": "email-marketing", "action": "give"}, "Valitse, miten tieto tuli meille."),
        ({"purpose": "email-marketing", "action": "give", "channel": "api"}, "Valitse"),
        ({"purpose": "email-marketing", "action": "give", "channel": "address_service"}, "Valitse"),
        ({"purpose": "no-such", "action": "give", "channel": "phone"}, "Valitse käyttötarkoitus."),
        (
            {"purpose": "satisfaction-survey", "action": "give", "channel": "phone"},
            "Valitse käyttötarkoitus.",
        ),
        ({"purpose": "email-marketing", "action": "keep", "channel": "phone"}, "Valitse"),
        (
            {
                "purpose": "email-marketing",
                "action": "give",
                "channel": "phone",
                "evidence": "x" * 201,
            },
            "enintään 200",
        ),
    ],
    ids=[
        "no-channel",
        "api-channel",
        "address-channel",
        "unknown-purpose",
        "no-consent-purpose",
        "bad-action",
        "long-evidence",
    ],
)
def test_bad_consent_input_is_refused_and_nothing_is_written(clerk, client_for, data, error):
    customer = CustomerFactory()
    response = client_for(clerk).post(f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tietoja ei tallennettu: korjaa merkityt kentät." in body
    assert error in body
    assert not ConsentEvent.objects.exists()


def test_a_scan_that_is_not_a_document_is_refused(clerk, client_for):
    customer = CustomerFactory()
    response = client_for(clerk).post(
        f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
        {
            "purpose": "email-marketing",
            "action": "give",
            "channel": "letter",
            "evidence_file": SimpleUploadedFile(
                "x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"
            ),
        },
    )
    assert "Liitä PDF-, JPEG-, PNG- tai TIFF-tiedosto." in response.content.decode()
    assert not ConsentEvent.objects.exists()


def test_consent_forms_need_a_post(clerk, client_for):
    customer = CustomerFactory()
    assert (
        client_for(clerk).get(f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/").status_code == 405
    )


# --- Bans -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_record_and_lift_a_ban(cast, role, client_for, clerk):
    customer = CustomerFactory()
    client = client_for(cast[role])
    response = client.post(
        f"/asiakkaat/{customer.pk}/kiellot/", {"kind": "direct_marketing", "channel": "phone"}
    )
    assert response.status_code == expected(role, STAFF, ok=302)
    ban, _created = ban_record(customer=customer, kind=BanKind.SURVEYS, channel="phone", by=clerk)
    response = client.post(f"/asiakkaat/{customer.pk}/kiellot/{ban.pk}/poista/")
    assert response.status_code == expected(role, STAFF, ok=302)
    ban.refresh_from_db()
    assert ban.is_in_force == (role not in STAFF)


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "phone"},
        {"kind": "everything", "channel": "phone"},
        {"kind": "surveys"},
        {"kind": "surveys", "channel": "phone", "started_on": "2999-01-01"},
        {"kind": "surveys", "channel": "phone", "started_on": "31.2.2026"},
        {"kind": "surveys", "channel": "phone", "note": "x" * 201},
    ],
    ids=["no-kind", "bad-kind", "no-channel", "future", "bad-date", "long-note"],
)
def test_bad_ban_input_is_refused_and_nothing_is_written(clerk, client_for, data):
    customer = CustomerFactory()
    response = client_for(clerk).post(f"/asiakkaat/{customer.pk}/kiellot/", data)
    assert response.status_code == 200
    assert "Tietoja ei tallennettu: korjaa merkityt kentät." in response.content.decode()
    assert not Ban.objects.exists()


def test_a_ban_for_another_persons_page_is_not_found(clerk, client_for):
    ban, _created = ban_record(
        customer=CustomerFactory(), kind=BanKind.SURVEYS, channel="phone", by=clerk
    )
    other = CustomerFactory()
    assert (
        client_for(clerk).post(f"/asiakkaat/{other.pk}/kiellot/{ban.pk}/poista/").status_code == 404
    )


# --- Restriction ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_privacy_officer_sets_and_lifts_a_restriction(cast, role, client_for):
    customer = CustomerFactory()
    client = client_for(cast[role])
    response = client.post(f"/asiakkaat/{customer.pk}/rajoitus/", {"reason": "Oikaisupyyntö"})
    assert response.status_code == expected(role, {"privacy_officer"}, ok=302)
    assert Restriction.objects.in_force().filter(customer=customer).exists() == (
        role == "privacy_officer"
    )
    if role != "privacy_officer":
        assert client.get(f"/asiakkaat/{customer.pk}/rajoitus/poista/").status_code == 403


def test_a_restriction_needs_a_reason_both_ways(privacy_officer, client_for):
    customer = CustomerFactory()
    client = client_for(privacy_officer)
    response = client.post(f"/asiakkaat/{customer.pk}/rajoitus/", {"reason": "   "})
    assert "Kerro syy." in response.content.decode()
    assert not Restriction.objects.exists()
    client.post(f"/asiakkaat/{customer.pk}/rajoitus/", {"reason": "Vastustaa käsittelyä"})
    response = client.post(f"/asiakkaat/{customer.pk}/rajoitus/poista/", {"reason": ""})
    assert "Kerro syy." in response.content.decode()
    assert Restriction.objects.in_force().count() == 1
    client.post(f"/asiakkaat/{customer.pk}/rajoitus/poista/", {"reason": "Asia ratkaistu"})
    assert not Restriction.objects.in_force().exists()


def test_a_restriction_blocks_editing_for_staff_and_not_for_the_privacy_officer(
    clerk, supervisor, privacy_officer, client_for
):
    customer = CustomerFactory(city="Joensuu")
    restriction_set(customer=customer, reason="Oikaisupyyntö käsittelyssä", by=privacy_officer)
    for user in (clerk, supervisor):
        client = client_for(user)
        page = client.get(f"/asiakkaat/{customer.pk}/").content.decode()
        assert "Käsittelyä on rajoitettu" in page
        assert f'href="/asiakkaat/{customer.pk}/muokkaa/"' not in page
        assert "/palvelut/uusi/" not in page
        assert "Anna suostumus" not in page  # nothing that widens processing
        for url in (
            f"/asiakkaat/{customer.pk}/muokkaa/",
            f"/asiakkaat/{customer.pk}/palvelut/uusi/",
        ):
            response = client.get(url, follow=True)
            assert response.redirect_chain[-1][0] == f"/asiakkaat/{customer.pk}/"
            assert "vain tietosuojavastaava voi muuttaa tietoja" in response.content.decode()
        response = client.post(
            f"/asiakkaat/{customer.pk}/muokkaa/", {"city": "Lieksa", "version": "1"}
        )
        assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.city == "Joensuu"

    officer = client_for(privacy_officer)
    page = officer.get(f"/asiakkaat/{customer.pk}/").content.decode()
    assert "Käsittelyä on rajoitettu" in page
    assert f'href="/asiakkaat/{customer.pk}/muokkaa/"' in page
    assert "Anna suostumus" in page
    assert officer.get(f"/asiakkaat/{customer.pk}/muokkaa/").status_code == 200


def test_while_restricted_staff_cannot_give_a_consent_from_the_page(
    clerk, privacy_officer, client_for
):
    customer = CustomerFactory()
    restriction_set(customer=customer, reason="Art. 18", by=privacy_officer)
    response = client_for(clerk).post(
        f"/asiakkaat/{customer.pk}/suostumukset/kirjaa/",
        {"purpose": "email-marketing", "action": "give", "channel": "phone"},
        follow=True,
    )
    assert "vain tietosuojavastaava voi kirjata suostumuksen" in response.content.decode()
    assert not ConsentEvent.objects.exists()


# --- Audiences ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_marketing_builds_audiences(cast, role, client_for):
    response = client_for(cast[role]).get("/markkinointi/kohderyhmat/")
    assert response.status_code == expected(role, {"marketer"})


def test_marketing_sees_the_audience_size(clerk, marketer, client_for):
    for _ in range(3):
        consent_give(
            customer=CustomerFactory(), purpose="email-marketing", channel="phone", by=clerk
        )
    CustomerFactory()
    body = (
        client_for(marketer)
        .get("/markkinointi/kohderyhmat/", {"purpose": "email-marketing"})
        .content.decode()
    )
    assert "Kohderyhmässä on 3 henkilöä." in body
    assert "Vie henkilötietojen käsittelijälle" in body


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"purpose": "nope"}, "Valitse käyttötarkoitus."),
        (
            {"purpose": "email-marketing", "channel": "sms"},
            "Käyttötarkoitus ei koske tätä kanavaa.",
        ),
        ({"purpose": "market-research"}, "Valitse kanava"),
        ({"purpose": "email-marketing", "group": "999999"}, "Valitse oikea vaihtoehto"),
    ],
    ids=["unknown-purpose", "wrong-channel", "no-channel", "unknown-group"],
)
def test_bad_audience_filters_are_shown_not_counted(marketer, client_for, query, error):
    body = client_for(marketer).get("/markkinointi/kohderyhmat/", query).content.decode()
    assert error in body
    assert "Kohderyhmässä on" not in body


def test_an_export_starts_a_job_and_opens_its_progress_page(
    clerk, marketer, client_for, django_capture_on_commit_callbacks
):
    consent_give(customer=CustomerFactory(), purpose="email-marketing", channel="phone", by=clerk)
    recipient = RecipientFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(marketer).post(
            "/markkinointi/viennit/",
            {"purpose": "email-marketing", "recipient": recipient.pk, "format": "csv"},
        )
    export = AudienceExport.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/markkinointi/viennit/{export.pk}/"
    )
    assert len(callbacks) == 1
    assert export.total == 1 and export.status == ExportStatus.QUEUED
    page = client_for(marketer).get(response["Location"]).content.decode()
    assert "data-export-progress" in page and "audience-export.js" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"purpose": "email-marketing", "format": "csv"}, "Valitse vastaanottaja."),
        (
            {"purpose": "email-marketing", "format": "pdf", "recipient": "R"},
            "Valitse oikea vaihtoehto",
        ),
        (
            {"purpose": "email-marketing", "format": "csv", "recipient": "US"},
            "Tälle vastaanottajalle ei voi luovuttaa tietoja.",
        ),
        (
            {"purpose": "email-marketing", "format": "csv", "recipient": "AUTH"},
            "Tälle vastaanottajalle ei voi luovuttaa tietoja.",
        ),
        (
            {"purpose": "email-marketing", "format": "csv", "recipient": "OFF"},
            "Tälle vastaanottajalle ei voi luovuttaa tietoja.",
        ),
        ({"format": "csv", "recipient": "R"}, "Valitse käyttötarkoitus."),
    ],
    ids=["no-recipient", "bad-format", "outside-eea", "authority", "not-in-use", "no-purpose"],
)
def test_bad_export_requests_are_refused_and_nothing_is_queued(marketer, client_for, data, error):
    recipients = {
        "R": RecipientFactory(),
        "US": RecipientFactory(country="US"),
        "AUTH": AuthorityFactory(),
        "OFF": RecipientFactory(is_active=False),
    }
    if "recipient" in data:
        data = {**data, "recipient": recipients[data["recipient"]].pk}
    response = client_for(marketer).post("/markkinointi/viennit/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not AudienceExport.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_follow_and_download_an_export(cast, role, marketer, client_for):
    export = make_export(cast["marketer"])
    client = client_for(cast[role])
    allowed = {"marketer", "privacy_officer"}
    assert client.get(f"/markkinointi/viennit/{export.pk}/").status_code == expected(role, allowed)
    assert client.get(f"/markkinointi/viennit/{export.pk}/tila/").status_code == expected(
        role, allowed
    )
    response = client.get(f"/markkinointi/viennit/{export.pk}/lataa/")
    assert response.status_code == expected(role, allowed)
    if role in allowed:
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith("\ufeff".encode())


def test_progress_endpoint_reports_the_job(marketer, client_for):
    export = make_export(marketer, run=False)
    client = client_for(marketer)
    data = client.get(f"/markkinointi/viennit/{export.pk}/tila/").json()
    assert data == {
        "status": "queued",
        "written": 0,
        "total": 0,
        "percent": 0,
        "label": "Odottaa vuoroaan…",
        "finished": False,
        "stuck": False,
    }
    AudienceExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, total=20_000, written=5_000
    )
    data = client.get(f"/markkinointi/viennit/{export.pk}/tila/").json()
    assert (data["percent"], data["finished"]) == (25, False)
    assert data["label"] == "5\xa0000 / noin 20\xa0000 henkilöä"
    AudienceExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
    assert client.get(f"/markkinointi/viennit/{export.pk}/tila/").json()["finished"] is True
    assert client.get(f"/markkinointi/viennit/{export.pk}/lataa/").status_code == 404


def test_audiences_page_queries_stay_constant_with_more_exports(
    marketer, client_for, django_assert_max_num_queries
):
    client = client_for(marketer)
    make_export(marketer)
    with django_assert_max_num_queries(30) as few:
        client.get("/markkinointi/kohderyhmat/", {"purpose": "email-marketing"})
    for _ in range(5):
        make_export(marketer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert (
            client.get("/markkinointi/kohderyhmat/", {"purpose": "email-marketing"}).status_code
            == 200
        )


def test_navigation_shows_audiences_to_marketing_only(marketer, clerk, client_for):
    assert "Kohderyhmät" in client_for(marketer).get("/").content.decode()
    assert "Kohderyhmät" not in client_for(clerk).get("/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_download_consent_evidence(cast, role, clerk, client_for):
    customer = CustomerFactory()
    event = consent_give(
        customer=customer,
        purpose="email-marketing",
        channel=Channel.LETTER,
        evidence_file=SimpleUploadedFile("k.pdf", PDF, "application/pdf"),
        by=clerk,
    ).event
    response = client_for(cast[role]).get(
        f"/asiakkaat/{customer.pk}/suostumukset/{event.pk}/tosite/"
    )
    assert response.status_code == expected(role, STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_privacy_officer_downloads_a_disclosures_copy(cast, role, marketer, client_for):
    export = make_export(marketer)
    response = client_for(cast[role]).get(f"/luovutukset/{export.disclosure.pk}/kopio/")
    assert response.status_code == expected(role, {"privacy_officer"})


def test_pages_need_a_signed_in_user(client):
    customer = CustomerFactory()
    for url in (
        f"/asiakkaat/{customer.pk}/suostumukset/",
        f"/asiakkaat/{customer.pk}/rajoitus/",
        "/markkinointi/kohderyhmat/",
        "/markkinointi/viennit/1/tila/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
