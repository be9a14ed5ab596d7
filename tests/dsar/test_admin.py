"""The privacy officer runs a request in the admin: the list, the request's page, each step,
documents and letters (downloads logged); staff log a request from the customer page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry
from dsar.models import Channel, DataSubjectRequest, RequestDocument, RequestType, State
from tests.customers.factories import CustomerFactory
from tests.dsar.conftest import PDF, PNG
from tests.dsar.factories import make_request

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:dsar_datasubjectrequest_changelist")


def _step(pk: int, slug: str) -> str:
    return reverse("admin:dsar_datasubjectrequest_step", args=[pk, slug])


def test_the_open_list_shows_days_left_coloured_with_constant_queries(
    client_for, privacy_officer, django_assert_max_num_queries
):
    today = timezone.localdate()
    for days_ago in (1, 27, 40):
        make_request(by=privacy_officer, received_on=today - timedelta(days=days_ago))
    client = client_for(privacy_officer)
    # One of them is the access-log entry of the people the list shows (one INSERT); a cold
    # content-type cache adds one more on the first request.
    with django_assert_max_num_queries(18):
        response = client.get(CHANGELIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "dsar-due-ok" in page and "dsar-due-soon" in page and "dsar-due-over" in page
    assert "puhelu ei ole pyyntö" in page.lower() or "phone call is no request" in page.lower()
    for extra in range(5):
        make_request(by=privacy_officer, received_on=today - timedelta(days=extra))
    with django_assert_max_num_queries(18):
        assert client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize("due", ["open", "week", "overdue"])
def test_the_list_filters_by_due(client_for, privacy_officer, due):
    today = timezone.localdate()
    late = make_request(by=privacy_officer, received_on=today - timedelta(days=45))
    fresh = make_request(by=privacy_officer, received_on=today)
    response = client_for(privacy_officer).get(CHANGELIST, {"due": due})
    shown = set(response.context["cl"].result_list)
    if due == "overdue":
        assert shown == {late}
    elif due == "open":
        assert shown == {late, fresh}
    else:
        assert fresh not in shown


def test_the_list_filters_by_type(client_for, privacy_officer):
    access = make_request(by=privacy_officer, types=["access"])
    make_request(by=privacy_officer, types=["erasure"])
    response = client_for(privacy_officer).get(CHANGELIST, {"type": "access"})
    assert list(response.context["cl"].result_list) == [access]


def test_the_privacy_officer_adds_a_request_with_its_scan(client_for, privacy_officer):
    person = CustomerFactory()
    client = client_for(privacy_officer)
    response = client.post(
        reverse("admin:dsar_datasubjectrequest_add"),
        {
            "types": ["access"],
            "channel": Channel.LETTER,
            "language": "fi",
            "received_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
            "requester_name": "Maija Meikäläinen",
            "requester_address": "Kauppakatu 1",
            "requester_email": "",
            "requester_phone": "",
            "request_text": "Tarkastuspyyntö",
            "customer": person.pk,
            "handler": "",
            "scan": SimpleUploadedFile("kirje.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    dsar = DataSubjectRequest.objects.get()
    assert dsar.reference.startswith("TSP-")
    assert dsar.customer == person and dsar.handler == privacy_officer
    assert dsar.documents.get().content_type == "application/pdf"


def test_a_scan_that_is_no_pdf_jpeg_or_png_is_refused(client_for, privacy_officer):
    dsar = make_request(by=privacy_officer)
    response = client_for(privacy_officer).post(
        _step(dsar.pk, "asiakirja"),
        {
            "file": SimpleUploadedFile(
                "kirje.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
            )
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not RequestDocument.objects.exists()


def test_a_scan_over_the_size_limit_is_refused(client_for, privacy_officer, settings):
    settings.DSAR_DOCUMENT_MAX_BYTES = 100
    dsar = make_request(by=privacy_officer)
    response = client_for(privacy_officer).post(
        _step(dsar.pk, "asiakirja"),
        {"file": SimpleUploadedFile("kuva.png", PNG + b"\x00" * 200, content_type="image/png")},
    )
    assert response.context["form"].errors["file"]
    assert not RequestDocument.objects.exists()


def test_the_request_page_shows_the_timeline_newest_first_and_logs_the_view(
    client_for, privacy_officer, django_assert_max_num_queries
):
    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person)
    client = client_for(privacy_officer)
    client.post(_step(dsar.pk, "merkinta"), {"text": "Ensimmäinen merkintä"})
    client.post(_step(dsar.pk, "merkinta"), {"text": "Toinen merkintä"})
    with django_assert_max_num_queries(30):
        response = client.get(reverse("admin:dsar_datasubjectrequest_change", args=[dsar.pk]))
    page = response.content.decode()
    assert page.index("Toinen merkintä") < page.index("Ensimmäinen merkintä")
    assert AccessLogEntry.objects.about(person).filter(action=AccessAction.VIEW).exists()


def test_every_step_goes_through_the_admin(client_for, privacy_officer):
    dsar = make_request(by=privacy_officer, received_on=timezone.localdate() - timedelta(days=2))
    client = client_for(privacy_officer)
    # Completing before the identity is verified is refused, with the reason on the form.
    response = client.post(_step(dsar.pk, "valmis"), {"summary": "Valmis", "granted_in_full": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    dsar.refresh_from_db()
    assert dsar.state == State.RECEIVED
    assert (
        client.post(
            _step(dsar.pk, "henkilollisyys"), {"method": "id_document", "note": "Henkilökortti"}
        ).status_code
        == 302
    )
    assert client.post(_step(dsar.pk, "kirje"), {"kind": "acknowledgement"}).status_code == 302
    letter = dsar.letters.get()
    assert (
        client.post(
            _step(dsar.pk, "lahetetty"),
            {"letter": letter.pk, "sent_on": timezone.localdate().isoformat(), "method": "post"},
        ).status_code
        == 302
    )
    # Completing needs every part of the request done or refused.
    response = client.post(
        _step(dsar.pk, "valmis"), {"summary": "Tiedot lähetetty", "granted_in_full": "on"}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    settled = client.post(
        _step(dsar.pk, "ratkaise"), {"type": "access", "outcome": "done", "note": "Annettu"}
    )
    assert settled.status_code == 302
    response = client.post(
        _step(dsar.pk, "valmis"), {"summary": "Tiedot lähetetty", "granted_in_full": "on"}
    )
    assert response.status_code == 302
    dsar.refresh_from_db()
    assert dsar.state == State.COMPLETED
    assert dsar.letters.count() == 2


def test_downloads_are_logged_and_need_the_permission(client_for, privacy_officer, clerk):
    person = CustomerFactory()
    dsar = make_request(
        by=privacy_officer,
        customer=person,
        documents=[SimpleUploadedFile("kirje.png", PNG, content_type="image/png")],
    )
    document = dsar.documents.get()
    url = reverse("admin:dsar_datasubjectrequest_document", args=[dsar.pk, document.pk])
    response = client_for(privacy_officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert AccessLogEntry.objects.about(person).filter(action=AccessAction.DOWNLOAD).count() == 1
    assert client_for(clerk).get(url).status_code in (302, 403)


def test_staff_log_a_request_handed_in_at_the_office(client_for, clerk):
    person = CustomerFactory()
    client = client_for(clerk)
    url = reverse("dsar:office_request", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "types": ["access"],
            "received_on": timezone.localdate().isoformat(),
            "requester_name": person.full_name,
            "language": "fi",
            "scan": SimpleUploadedFile("pyynto.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    dsar = DataSubjectRequest.objects.get()
    assert (dsar.channel, dsar.customer, dsar.registered_by) == (Channel.OFFICE, person, clerk)
    assert dsar.documents.count() == 1


def test_office_intake_needs_the_scan_and_the_permission(client_for, clerk, marketer):
    person = CustomerFactory()
    url = reverse("dsar:office_request", args=[person.pk])
    response = client_for(clerk).post(
        url,
        {
            "types": ["access"],
            "received_on": timezone.localdate().isoformat(),
            "requester_name": "X",
            "language": "fi",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["scan"]
    assert client_for(marketer).get(url).status_code == 403
    assert not DataSubjectRequest.objects.exists()


def test_staff_see_no_request_admin(client_for, clerk, privacy_officer):
    dsar = make_request(by=privacy_officer)
    response = client_for(clerk).get(
        reverse("admin:dsar_datasubjectrequest_change", args=[dsar.pk])
    )
    assert response.status_code in (302, 403)


def test_the_customer_page_lists_the_persons_requests_without_documents(
    client_for, clerk, privacy_officer
):
    person = CustomerFactory()
    dsar = make_request(
        by=privacy_officer,
        customer=person,
        documents=[SimpleUploadedFile("kirje.png", PNG, content_type="image/png")],
    )
    response = client_for(clerk).get(reverse("customers:detail", args=[person.pk]))
    page = response.content.decode()
    assert dsar.reference in page
    assert f"{dsar.due_on:%-d.%-m.%Y}" in page
    assert "kirje.png" not in page and "/asiakirja/" not in page
    assert 'id="phone-is-no-request"' in page
    assert reverse("dsar:office_request", args=[person.pk]) in page
    # Every request on the section's own page too.
    section = client_for(clerk).get(reverse("customers:section", args=[person.pk, "pyynnot"]))
    assert dsar.reference in section.content.decode()


def test_a_marketer_sees_no_requests(client_for, marketer, privacy_officer):
    person = CustomerFactory()
    make_request(by=privacy_officer, customer=person)
    url = reverse("customers:section", args=[person.pk, "pyynnot"])
    assert client_for(marketer).get(url).status_code == 403


def test_the_add_page_and_every_offered_step_page_render(client_for, privacy_officer):
    from dsar.admin import STEPS

    client = client_for(privacy_officer)
    add = client.get(reverse("admin:dsar_datasubjectrequest_add"))
    assert add.status_code == 200
    assert "Puhelu ei ole pyyntö" in add.content.decode()
    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person, types=list(RequestType.values))
    for slug in STEPS:
        assert client.get(_step(dsar.pk, slug)).status_code == 200, slug
    assert client.get(_step(dsar.pk, "olematon")).status_code == 404
