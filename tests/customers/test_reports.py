from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from customers.exports import neutralise
from customers.reports import ROWS_ON_PAGE
from tests.customers.factories import CustomerFactory, GroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    group = GroupFactory(name='=HYPERLINK("http://evil")')
    for city in ["Joensuu", "Joensuu", "Lieksa", "+Kitee", "Äänekoski"]:
        customer = CustomerFactory(city=city)
        customer.groups.add(group)


def test_reports_page_shows_three_reports_with_charts_and_tables(register, marketer, client_for):
    response = client_for(marketer).get("/raportit/")
    assert response.status_code == 200
    body = response.content.decode()
    for title in ["Asiakkaat ryhmittäin", "Asiakkaat kunnittain", "Uudet asiakkaat kuukausittain"]:
        assert title in body
    assert body.count("<canvas") == 3
    assert "chart-4.6.1.umd.min.js" in body
    assert "Äänekoski" in body


def test_csv_export_has_a_bom_semicolons_and_neutralised_cells(register, marketer, client_for):
    response = client_for(marketer).get("/raportit/kunnat.csv")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Kunta;Asiakkaat"
    assert "Joensuu;2" in text and "Äänekoski;1" in text
    assert "'+Kitee;1" in text


def test_xlsx_export_neutralises_formulas(register, marketer, client_for):
    response = client_for(marketer).get("/raportit/ryhmat.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Ryhmä", "Asiakkaat")
    assert rows[1] == ('\'=HYPERLINK("http://evil")', 5)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_prefixes_formula_starts(value):
    assert neutralise(value) == "'" + value


def test_neutralise_keeps_numbers_and_plain_text():
    assert neutralise(-5) == -5
    assert neutralise("Joensuu") == "Joensuu"


@pytest.mark.parametrize("path", ["/raportit/", "/raportit/kunnat.csv"])
def test_outsider_cannot_see_reports(outsider, client_for, path):
    assert client_for(outsider).get(path).status_code == 403


def test_unknown_report_or_format_is_404(marketer, client_for):
    assert client_for(marketer).get("/raportit/muut.csv").status_code == 404
    assert client_for(marketer).get("/raportit/kunnat.pdf").status_code == 404


def test_the_page_folds_the_smallest_cities_into_one_row_and_the_export_has_all(
    marketer, client_for
):
    for n in range(ROWS_ON_PAGE + 5):
        for _ in range(2 if n == 0 else 1):
            CustomerFactory(city=f"Kunta {n:03d}")
    client = client_for(marketer)
    body = client.get("/raportit/").content.decode()
    assert "Kunta 000" in body and f"Kunta {ROWS_ON_PAGE + 4:03d}" not in body
    assert "Muut (6)" in body
    assert "6 pienintä riviä on laskettu yhteen riviin" in body

    export = b"".join(client.get("/raportit/kunnat.csv").streaming_content).decode("utf-8-sig")
    assert f"Kunta {ROWS_ON_PAGE + 4:03d};1" in export and "Muut" not in export
