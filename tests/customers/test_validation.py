"""Each field with good and bad input: a clear Finnish message on the field, nothing saved."""

from __future__ import annotations

import pytest

from customers.forms import CompanyForm, CustomerForm
from customers.models import Customer, customer_number_check_digit, is_valid_customer_number
from customers.validators import business_id_is_valid
from tests.customers.factories import BUSINESS_IDS

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Aino",
    "last_name": "Mäkinen",
    "street_address": "Torikatu 5 A 3",
    "postal_code": "80100",
    "city": "Joensuu",
    "country": "FI",
    "email": "aino.makinen@example.fi",
    "phone": "040 123 4567",
    "preferred_contact_method": "email",
    "preferred_language": "fi",
    "wishes": "",
    "interests": "",
}


def form_errors(**changes) -> dict[str, list[str]]:
    form = CustomerForm(data={**VALID, **changes})
    form.is_valid()
    return form.errors


@pytest.mark.parametrize(
    "notation",
    [
        "040 123 4567",
        "0401234567",
        "040-123 4567",
        "(040) 1234567",
        "+358 40 123 4567",
        "+358401234567",
        "00358401234567",
    ],
)
def test_phone_in_any_common_notation_is_stored_in_e164(notation):
    form = CustomerForm(data={**VALID, "phone": notation})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"].as_e164 == "+358401234567"


@pytest.mark.parametrize("bad", ["12", "040 12", "puhelin", "+358 40 123 4567 890 12"])
def test_bad_phone_gets_a_finnish_message(bad):
    errors = form_errors(phone=bad)
    assert "phone" in errors
    assert len(errors["phone"]) == 1
    assert errors["phone"][0].startswith("Anna kelvollinen puhelinnumero")


@pytest.mark.parametrize("bad", ["8010", "801000", "80 100", "abcde"])
def test_bad_finnish_postal_code_gets_a_finnish_message(bad):
    assert form_errors(postal_code=bad)["postal_code"] == [
        "Suomalainen postinumero on viisi numeroa, esim. 80100."
    ]


def test_foreign_postal_code_is_accepted_abroad():
    assert "postal_code" not in form_errors(country="SE", postal_code="111 22")


@pytest.mark.parametrize("bad", ["aino@", "aino.example.fi", "aino@@example.fi"])
def test_bad_email_gets_a_finnish_message(bad):
    assert form_errors(email=bad)["email"] == ["Syötä kelvollinen sähköpostiosoite."]


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_are_required(field):
    assert form_errors(**{field: "  "})[field] == ["Tämä kenttä vaaditaan."]


@pytest.mark.parametrize("business_id", BUSINESS_IDS)
def test_real_business_ids_pass_the_checksum(business_id):
    assert business_id_is_valid(business_id)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1769016-8", "Y-tunnuksen tarkistusnumero ei täsmää. Tarkista tunnus."),
        (
            "1769016",
            "Anna Y-tunnus muodossa seitsemän numeroa, väliviiva ja tarkistusnumero, esim. 1769016-7.",
        ),
        (
            "17690167",
            "Anna Y-tunnus muodossa seitsemän numeroa, väliviiva ja tarkistusnumero, esim. 1769016-7.",
        ),
    ],
)
def test_bad_business_id_gets_a_finnish_message(value, message):
    form = CompanyForm(data={"name": "Testi Oy", "business_id": value, "status": "customer"})
    assert not form.is_valid()
    assert form.errors["business_id"] == [message]


def test_business_id_without_leading_zero_is_completed():
    form = CompanyForm(data={"name": "Testi Oy", "business_id": "112038-9", "status": "customer"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["business_id"] == "0112038-9"


def test_customer_number_check_digit_catches_a_mistyped_digit():
    number = "100001" + customer_number_check_digit("100001")
    assert is_valid_customer_number(number)
    for position in range(len(number)):
        digit = int(number[position])
        typo = number[:position] + str((digit + 1) % 10) + number[position + 1 :]
        assert not is_valid_customer_number(typo)


def test_generated_customer_numbers_are_unique_and_valid(clerk):
    from customers.services import customer_create

    numbers = {
        customer_create(data={"first_name": "A", "last_name": f"B{i}"}, by=clerk).customer_number
        for i in range(5)
    }
    assert len(numbers) == 5
    assert all(is_valid_customer_number(n) for n in numbers)


def test_invalid_form_post_saves_nothing(clerk, client_for):
    response = client_for(clerk).post("/asiakkaat/uusi/", {**VALID, "postal_code": "801"})
    assert response.status_code == 200
    assert "Tietoja ei tallennettu: korjaa merkityt kentät." in response.content.decode()
    assert not Customer.objects.exists()
