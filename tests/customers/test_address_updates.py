"""Address updates (notice §8): good rows applied with their source, bad rows reported and
skipped, the same file twice changes nothing the second time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.address_updates import FileError, import_file
from customers.models import Customer, LifeStatus, customer_number_check_digit
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOBODY = "999999" + customer_number_check_digit("999999")  # valid, but nobody has it
HEADER = "customer_number;street_address;postal_code;city;country;effective_date;source;status\n"


@pytest.fixture
def people():
    return [
        CustomerFactory(street_address="Vanhatie 1", postal_code="80100", city="Joensuu")
        for _ in range(3)
    ]


def batch(people) -> bytes:
    a, b, c = people
    bad_check = a.customer_number[:-1] + str((int(a.customer_number[-1]) + 1) % 10)
    return (
        HEADER
        + f"{a.customer_number};Uusikatu 5 B 7;80200;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{b.customer_number};;;;;1.11.2026;DVV;kuollut\n"
        + f"{c.customer_number};Storgatan 1;11122;Stockholm;SE;2026-10-15;DVV;moved_abroad\n"
        + f"{bad_check};Virhekatu 1;80100;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{a.customer_number};Toinen 1;8010;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{a.customer_number};Kolmas 1;80100;Joensuu;FI;31.2.2026;DVV;\n"
        + f"{NOBODY};Neljäs 1;80100;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{b.customer_number};;;;;2026-11-01;DVV;unknown\n"
    ).encode("utf-8-sig")


def test_good_rows_are_applied_with_their_source_and_bad_rows_reported(people, clerk):
    a, b, c = people
    report = import_file(batch(people), by=clerk)
    assert [(row.number, row.error) for row in report.errors] == [
        (5, "Virheellinen asiakasnumero (tarkiste ei täsmää)."),
        (6, "Suomalainen postinumero on viisi numeroa, esim. 80100."),
        (7, "Virheellinen voimaantulopäivä; käytä muotoa 2026-11-25 tai 25.11.2026."),
        (8, "Asiakasnumerolla ei löydy asiakasta."),
        (9, "Tuntematon tila unknown."),
    ]
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.street_address, a.postal_code) == ("Uusikatu 5 B 7", "80200")
    assert a.source_of("street_address")["source"] == "address_service"
    assert a.source_of("street_address")["service"] == "DVV"
    assert a.source_of("street_address")["effective"] == "2026-11-01"
    assert (
        a.source_of("city") is None or a.source_of("city")["source"] != "address_service"
    )  # unchanged
    assert b.life_status == LifeStatus.DECEASED and not b.is_reachable
    assert c.life_status == LifeStatus.MOVED_ABROAD and str(c.country) == "SE"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(people, clerk):
    import_file(batch(people), by=clerk)
    before = list(Customer.objects.order_by("pk").values())
    second = import_file(batch(people), by=clerk)
    assert second.changing == []
    assert list(Customer.objects.order_by("pk").values()) == before


def test_an_older_update_never_overwrites_a_newer_one(people, clerk):
    a = people[0]
    import_file(
        (HEADER + f"{a.customer_number};Uusin 1;80100;Joensuu;FI;2026-11-10;DVV;\n").encode(),
        by=clerk,
    )
    import_file(
        (HEADER + f"{a.customer_number};Vanhempi 1;80100;Joensuu;FI;2026-10-01;DVV;\n").encode(),
        by=clerk,
    )
    a.refresh_from_db()
    assert a.street_address == "Uusin 1"


def test_dry_run_changes_nothing(people, clerk):
    report = import_file(batch(people), by=clerk, dry_run=True)
    assert len(report.changing) == 3
    assert not Customer.objects.filter(street_address="Uusikatu 5 B 7").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Tiedosto on tyhjä."),
        (
            b"asiakas;osoite\n1;2\n",
            "Otsikkoriviltä puuttuvat sarakkeet: customer_number, effective_date, source.",
        ),
        (
            "customer_number;effective_date;source\n".encode("utf-16"),
            "Tiedosto ei ole UTF-8-tekstiä. Tallenna se muodossa CSV UTF-8.",
        ),
    ],
)
def test_an_unreadable_file_is_refused_whole(content, message, clerk):
    with pytest.raises(FileError) as error:
        import_file(content, by=clerk)
    assert str(error.value) == message


def test_comma_separated_files_work_too(people, clerk):
    a = people[0]
    content = (
        HEADER.replace(";", ",")
        + f"{a.customer_number},Pilkkutie 2,80100,Joensuu,FI,2026-11-01,DVV,\n"
    )
    assert len(import_file(content.encode(), by=clerk).changing) == 1


def test_command_reports_rows_and_applies(people, tmp_path):
    path = tmp_path / "dvv.csv"
    path.write_bytes(batch(people))
    out, err = StringIO(), StringIO()
    call_command("import_address_updates", str(path), stdout=out, stderr=err)
    assert "8 rows: 3 changed, 0 unchanged, 5 rejected." in out.getvalue()
    assert "row 5:" in err.getvalue()
    out = StringIO()
    call_command("import_address_updates", str(path), stdout=out, stderr=StringIO())
    assert "8 rows: 0 changed, 3 unchanged, 5 rejected." in out.getvalue()


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_address_updates", str(tmp_path / "missing.csv"))


def test_admin_upload_previews_then_applies(people, privacy_officer, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(privacy_officer)
    url = "/admin/customers/customer/osoitepaivitykset/"
    assert client.get(url).status_code == 200
    preview = client.post(url, {"file": SimpleUploadedFile("dvv.csv", batch(people), "text/csv")})
    assert preview.status_code == 200
    assert preview.context["preview"] and len(preview.context["report"].changing) == 3
    assert not Customer.objects.filter(street_address="Uusikatu 5 B 7").exists()  # only a preview
    applied = client.post(url, {"payload": preview.context["payload"]})
    assert applied.status_code == 200
    assert Customer.objects.filter(street_address="Uusikatu 5 B 7").exists()
    tampered = client.post(url, {"payload": preview.context["payload"][:-3] + "abc"})
    assert tampered.status_code == 302


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer"])
def test_only_the_privacy_officer_imports_in_the_admin(cast, role, client_for):
    response = client_for(cast[role]).get("/admin/customers/customer/osoitepaivitykset/")
    assert response.status_code in (302, 403)
