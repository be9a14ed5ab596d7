"""The privacy officer's admin: recipients, authority requests as disclosures, the ledger."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consents.models import ConsentWording, Disclosure, Recipient
from consents.services import consent_give
from tests.consents.factories import AuthorityFactory, RecipientFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RECORD = "/admin/consents/disclosure/kirjaa/"


def authority_request(authority, *people, **changes):
    return {
        "recipient": authority.pk,
        "basis": "legal_obligation",
        "mandate": "Poliisilaki 4 luku 3 §",
        "request_reference": "POL-2026-1182",
        "customer_numbers": "\n".join(p.customer_number for p in people),
        "categories": ["basic", "services"],
        "description": "Yhteystiedot ja käynnit 1.1.–30.6.2026",
        **changes,
    }


def test_the_privacy_officer_records_an_authority_request_with_its_copy(
    privacy_officer, client_for
):
    police = AuthorityFactory(name="Itä-Suomen poliisilaitos")
    first, second = CustomerFactory(), CustomerFactory()
    client = client_for(privacy_officer)
    response = client.post(
        RECORD,
        {
            **authority_request(police, first, second),
            "copy": SimpleUploadedFile("vastaus.pdf", b"%PDF-1.4 vastaus", "application/pdf"),
        },
    )
    disclosure = Disclosure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/consents/disclosure/{disclosure.pk}/change/"
    assert disclosure.disclosed_by == privacy_officer and disclosure.recipient == police
    assert disclosure.request_reference == "POL-2026-1182"
    assert disclosure.categories == ["basic", "services"]
    assert set(disclosure.subjects.all()) == {first, second} and disclosure.subject_count == 2
    assert disclosure.copy and len(disclosure.copy_sha256) == 64
    detail = client.get(response["Location"]).content.decode()
    assert first.customer_number in detail and "POL-2026-1182" in detail
    # The person's page lists it.
    page = client.get(f"/asiakkaat/{first.pk}/").content.decode()
    assert "Itä-Suomen poliisilaitos" in page and "POL-2026-1182" in page


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"customer_numbers": "1234"}, "Virheelliset asiakasnumerot: 1234."),
        ({"customer_numbers": ""}, "Tämä kenttä vaaditaan."),
        ({"categories": []}, "Tämä kenttä vaaditaan."),
        ({"categories": ["health"]}, "Valitse oikea vaihtoehto"),
        ({"basis": "legitimate_interest"}, "Valitse oikea vaihtoehto"),
        ({"mandate": ""}, "Tämä kenttä vaaditaan."),
    ],
    ids=[
        "bad-number",
        "nobody",
        "no-categories",
        "unknown-category",
        "legitimate-interest",
        "no-mandate",
    ],
)
def test_bad_disclosure_input_is_refused(privacy_officer, client_for, changes, field_error):
    police = AuthorityFactory()
    response = client_for(privacy_officer).post(
        RECORD, authority_request(police, CustomerFactory(), **changes)
    )
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not Disclosure.objects.exists()


def test_a_recipient_outside_the_eu_eea_cannot_be_chosen(privacy_officer, client_for):
    american = RecipientFactory(name="Cloud Mailer Inc.", country="US")
    client = client_for(privacy_officer)
    form = client.get(RECORD).content.decode()
    assert "Cloud Mailer Inc." not in form
    response = client.post(RECORD, authority_request(american, CustomerFactory()))
    assert "Tälle vastaanottajalle ei voi luovuttaa tietoja." in response.content.decode()
    assert not Disclosure.objects.exists()


def test_adding_a_recipient_outside_the_eu_eea_warns(privacy_officer, client_for):
    response = client_for(privacy_officer).post(
        "/admin/consents/recipient/add/",
        {
            "name": "Cloud Mailer Inc.",
            "kind": "processor",
            "service": "Sähköpostit",
            "dpa_signed_on": "2026-01-15",
            "country": "US",
            "is_active": "on",
        },
        follow=True,
    )
    assert "EU:n/ETA:n ulkopuolella" in response.content.decode()
    assert not Recipient.objects.get().may_receive


def test_a_processor_without_a_processing_agreement_is_refused(privacy_officer, client_for):
    response = client_for(privacy_officer).post(
        "/admin/consents/recipient/add/",
        {"name": "Postitus Oy", "kind": "processor", "country": "FI", "is_active": "on"},
    )
    assert response.status_code == 200
    assert not Recipient.objects.exists()


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_only_the_privacy_officer_records_disclosures(cast, role, client_for):
    response = client_for(cast[role]).get(RECORD)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Disclosure.objects.exists()


def test_the_ledger_is_read_only_in_the_admin(privacy_officer, clerk, client_for):
    customer = CustomerFactory()
    event = consent_give(
        customer=customer, purpose="email-marketing", channel="phone", by=clerk
    ).event
    client = client_for(privacy_officer)
    listing = client.get("/admin/consents/consentevent/").content.decode()
    assert customer.customer_number in listing or str(customer) in listing
    page = client.get(f"/admin/consents/consentevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.get("/admin/consents/consentevent/add/").status_code == 403
    assert client.get(f"/admin/consents/consentevent/{event.pk}/delete/").status_code == 403


def test_a_new_wording_is_a_new_version_and_old_ones_stay(
    privacy_officer, client_for, email_marketing
):
    client = client_for(privacy_officer)
    page = client.get(
        f"/admin/consents/consentpurpose/{email_marketing.pk}/change/"
    ).content.decode()
    assert "Haluan saada PK Terveydeltä sähköpostitse" in page
    assert ConsentWording.objects.filter(purpose=email_marketing).count() == 1
