"""Per-person website tokens: issued by the register, one person and one purpose each."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from customers.tokens import customer_from_token, person_token
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_token_names_its_person_for_its_purpose_only(settings):
    person = CustomerFactory()
    token = person_token(customer=person, purpose="consents")
    assert customer_from_token(token, purpose="consents") == person
    assert customer_from_token(token, purpose="feedback") is None
    assert customer_from_token(person.customer_number, purpose="consents") is None
    settings.PERSON_TOKEN_MAX_AGE_DAYS = 0
    assert customer_from_token(token, purpose="consents") is None


def test_the_command_issues_tokens_for_an_export(tmp_path):
    people = [CustomerFactory() for _ in range(2)]
    export = tmp_path / "export.csv"
    export.write_text(
        "Asiakasnumero;Etunimi\n" + "".join(f"{p.customer_number};X\n" for p in people) + "999;Y\n",
        encoding="utf-8-sig",
    )
    out = StringIO()
    call_command("issue_person_tokens", str(export), "--purpose", "consents", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "customer_number;person_token"
    issued = dict(line.split(";") for line in lines[1:])
    assert set(issued) == {p.customer_number for p in people}
    for person in people:
        assert customer_from_token(issued[person.customer_number], purpose="consents") == person
