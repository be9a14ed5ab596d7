"""The request forms of §12 and the record of processing activities, as PDF and XLSX."""

from __future__ import annotations

import io
import socket

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from notice.pdf import NothingFetcher, render_pdf
from tests.consents.factories import RecipientFactory
from tests.notice.factories import publish_draft

RIGHTS = ["access", "rectification", "erasure", "restriction", "portability", "objection"]


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


@pytest.mark.parametrize("right", RIGHTS)
def test_every_right_has_a_finnish_form_without_login(db, right):
    response = Client().get(f"/tietosuojaseloste/lomakkeet/{right}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Älä kirjoita henkilötunnustasi tähän lomakkeeseen" in text
    assert "Asiakasnumero (jos tiedät sen)" in text
    assert "Voimatie 2, 2. krs., 80100 Joensuu" in text
    assert "tietosuoja.pko@sok.fi" in text
    assert "Allekirjoitus" in text
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1  # one sheet to print


@pytest.mark.parametrize("right", RIGHTS)
def test_every_right_has_an_english_form(db, right):
    text = pdf_text(Client().get(f"/en/privacy-notice/forms/{right}.pdf").content)
    assert "Do not write your personal identity code (henkilötunnus)" in text
    assert "Send the form to" in text


def test_forms_name_their_right(db):
    assert "Pyyntö henkilötietojen poistamisesta" in pdf_text(
        Client().get("/tietosuojaseloste/lomakkeet/erasure.pdf").content
    )
    assert "Objection to processing" in pdf_text(
        Client().get("/en/privacy-notice/forms/objection.pdf").content
    )
    assert Client().get("/tietosuojaseloste/lomakkeet/unknown.pdf").status_code == 404


def test_pdf_rendering_fetches_nothing(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the renderer reached for the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(URLFetchingError):
        NothingFetcher().fetch("file:///etc/passwd")
    content = render_pdf(
        '<link rel="stylesheet" href="http://example.com/x.css">'
        '<img src="https://example.com/x.png"><img src="file:///etc/hostname"><p>Hei</p>'
    )
    assert "Hei" in pdf_text(content)


def test_record_of_processing_in_the_admin(db, privacy_officer, client_for):
    RecipientFactory(name="Postituspalvelu Oy")
    client = client_for(privacy_officer)
    page = client.get("/admin/notice/noticeversion/record/").content.decode()
    assert "Seloste käsittelytoimista" in page
    assert "Puhelutallenteet: 30 vrk" in page
    assert "itse tuottama sisältö: 5 vuotta" in page
    assert "Postituspalvelu Oy (henkilötietojen käsittelijä, FI)" in page
    assert "Tietokannan liipaisin estää" in page
    assert "kirjautuminen lukitaan 15 minuutiksi" in page


def test_record_exports_as_xlsx_and_pdf(db, privacy_officer, client_for):
    client = client_for(privacy_officer)
    response = client.get("/admin/notice/noticeversion/record/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Käsittelyn tarkoitus", "Rekisteröityjen ryhmät", "Henkilötietoryhmät")
    purposes = [row[0] for row in rows[1:]]
    assert "Rekisterinpitäjä" in purposes and "Asiakasyhteydenpito" in purposes
    assert any("asiakaspalveluun soittaneet" in (row[1] or "") for row in rows)

    response = client.get("/admin/notice/noticeversion/record/?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Seloste käsittelytoimista" in text
    assert "Asiakasyhteydenpito" in text


def test_record_is_versioned_with_the_notice(db, privacy_officer, client_for):
    version = publish_draft(privacy_officer)
    client = client_for(privacy_officer)
    page = client.get(f"/admin/notice/noticeversion/{version.pk}/record/").content.decode()
    assert "Versio 2" in page
    assert (
        client.get(f"/admin/notice/noticeversion/{version.pk}/record/?format=xlsx").status_code
        == 200
    )
    # The imported 2018 text has no record of its own.
    seed = version.__class__.objects.get(number=1)
    assert client.get(f"/admin/notice/noticeversion/{seed.pk}/record/").status_code == 404


def test_only_the_privacy_officer_sees_the_record(db, cast, client_for):
    for name in ("clerk", "supervisor", "marketer", "outsider"):
        response = client_for(cast[name]).get("/admin/notice/noticeversion/record/")
        assert response.status_code in (302, 403), name


def test_versions_and_checks_are_read_only_in_the_admin(db, privacy_officer, client_for):
    from notice.models import NoticeVersion
    from notice.services import run_check

    run_check()
    client = client_for(privacy_officer)
    changelist = client.get("/admin/notice/noticeversion/").content.decode()
    assert "Seloste käsittelytoimista (luonnos)" in changelist
    assert "Tarkastele selosteen luonnosta" in changelist
    seed = NoticeVersion.objects.get(number=1)
    detail = client.get(f"/admin/notice/noticeversion/{seed.pk}/change/").content.decode()
    assert "Puhelu-nauhoitteiden säilytysaika on 30 vrk." in detail
    assert 'name="_save"' not in detail
    assert client.get("/admin/notice/noticeversion/add/").status_code == 403
    checks = client.get("/admin/notice/consistencycheck/").content.decode()
    assert '<td class="field-difference_count">10</td>' in checks
