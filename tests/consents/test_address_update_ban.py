"""A direct-marketing ban that arrives in an address-update file (the `marketing_ban` column)."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from consents.models import Ban, BanKind, Channel, ContactChannel
from consents.selectors import contactable
from consents.services import ban_lift, consent_give
from customers.address_updates import import_file
from privacy.restriction import restriction_set
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "customer_number;street_address;postal_code;city;country;effective_date;source;status;"
    "marketing_ban\n"
)


def file_of(*lines: str) -> bytes:
    return (HEADER + "".join(f"{line}\n" for line in lines)).encode("utf-8-sig")


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
@pytest.mark.parametrize("value", ["yes", "kyllä", "1", "KYLLÄ", "Yes"])
def test_a_marketing_ban_from_the_address_service_is_recorded(clerk, value):
    customer = CustomerFactory()
    report = import_file(
        file_of(f"{customer.customer_number};;;;;2026-11-01;DVV;;{value}"), by=clerk
    )
    assert report.errors == []
    ban = Ban.objects.get(customer=customer)
    assert ban.kind == BanKind.DIRECT_MARKETING and ban.is_in_force
    assert ban.channel == Channel.ADDRESS_SERVICE and ban.note == "DVV"
    assert ban.started_on == date(2026, 11, 1) and ban.recorded_by == clerk
    customer.refresh_from_db()
    assert customer.version == 1  # a ban alone changes nothing in the record itself


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_a_ban_beats_the_consent_the_person_had_given(clerk):
    customer = CustomerFactory()
    consent_give(customer=customer, purpose="email-marketing", channel="phone", by=clerk)
    assert contactable(purpose="email-marketing", channel=ContactChannel.EMAIL).exists()
    import_file(
        file_of(f"{customer.customer_number};Uusikatu 1;80200;Joensuu;FI;2026-11-01;DVV;;kyllä"),
        by=None,
    )
    assert not contactable(purpose="email-marketing", channel=ContactChannel.EMAIL).exists()
    customer.refresh_from_db()
    assert customer.street_address == "Uusikatu 1"
    ban = Ban.objects.get()
    assert ban.recorded_by is None and ban.recorded_by_client is None  # an automatic job


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_the_same_file_twice_records_one_ban(clerk):
    customer = CustomerFactory()
    content = file_of(f"{customer.customer_number};;;;;2026-11-01;DVV;;yes")
    first = import_file(content, by=clerk)
    second = import_file(content, by=clerk)
    assert len(first.changing) == 1 and first.changing[0].changes == {
        "marketing_ban": ("", "kyllä")
    }
    assert second.changing == [] and len(second.unchanged) == 1
    assert Ban.objects.count() == 1


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_an_old_file_never_brings_back_a_ban_the_person_lifted(clerk):
    customer = CustomerFactory()
    import_file(file_of(f"{customer.customer_number};;;;;2026-11-01;DVV;;yes"), by=clerk)
    ban_lift(ban=Ban.objects.get(), by=clerk)
    import_file(file_of(f"{customer.customer_number};;;;;2026-11-05;DVV;;yes"), by=clerk)
    assert not Ban.objects.in_force().exists()
    with time_machine.travel("2026-12-10 12:00 +0200", tick=False):
        import_file(file_of(f"{customer.customer_number};;;;;2026-12-01;DVV;;yes"), by=clerk)
    assert Ban.objects.in_force().count() == 1


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_a_ban_dated_ahead_starts_today(clerk):
    customer = CustomerFactory()
    import_file(file_of(f"{customer.customer_number};;;;;2026-12-24;DVV;;1"), by=clerk)
    assert Ban.objects.get().started_on == date(2026, 11, 20)


def test_bad_values_are_reported_with_their_row_and_skipped(clerk):
    customer = CustomerFactory()
    report = import_file(
        file_of(
            f"{customer.customer_number};;;;;2026-11-01;DVV;;maybe",
            f"{customer.customer_number};;;;;2026-11-01;DVV;;",
        ),
        by=clerk,
    )
    assert [(row.number, row.error) for row in report.errors] == [
        (
            2,
            "Tuntematon suoramarkkinointikiellon arvo maybe; käytä arvoa yes, kyllä tai 1 tai "
            "jätä tyhjäksi.",
        ),
        (3, "Rivillä ei ole uutta osoitetta, tilaa eikä suoramarkkinointikieltoa."),
    ]
    assert not Ban.objects.exists()


def test_a_file_without_the_column_still_imports(clerk):
    customer = CustomerFactory()
    content = (
        "customer_number;street_address;postal_code;city;country;effective_date;source;status\n"
        f"{customer.customer_number};Uusikatu 1;80200;Joensuu;FI;2026-11-01;DVV;\n"
    ).encode()
    report = import_file(content, by=clerk)
    assert report.errors == [] and len(report.changing) == 1
    assert not Ban.objects.exists()


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_the_command_reports_a_ban_as_a_change(tmp_path):
    customer = CustomerFactory()
    path = tmp_path / "paivitys.csv"
    path.write_bytes(file_of(f"{customer.customer_number};;;;;2026-11-01;DVV;;kyllä"))
    out = StringIO()
    call_command("import_address_updates", str(path), "--dry-run", stdout=out, stderr=StringIO())
    assert "marketing_ban" in out.getvalue()
    assert not Ban.objects.exists()
    call_command("import_address_updates", str(path), stdout=StringIO(), stderr=StringIO())
    assert Ban.objects.get().channel == Channel.ADDRESS_SERVICE


@time_machine.travel("2026-11-20 12:00 +0200", tick=False)
def test_a_restricted_persons_row_is_left_to_the_privacy_officer_but_its_ban_is_kept(
    clerk, privacy_officer
):
    customer = CustomerFactory(street_address="Vanhatie 1")
    restriction_set(customer=customer, reason="Osoite kiistetty", by=privacy_officer)
    report = import_file(
        file_of(f"{customer.customer_number};Uusikatu 1;80200;Joensuu;FI;2026-11-01;DVV;;kyllä"),
        by=clerk,
    )
    assert [(row.number, row.error) for row in report.errors] == [
        (2, "Henkilön tietojen käsittelyä on rajoitettu: tietosuojavastaava käsittelee rivin itse.")
    ]
    customer.refresh_from_db()
    assert customer.street_address == "Vanhatie 1" and customer.version == 1
    assert Ban.objects.get(customer=customer).channel == Channel.ADDRESS_SERVICE
