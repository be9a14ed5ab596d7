"""Address updates (notice §8): good rows applied with their source, bad rows reported and
skipped, the same file twice changes nothing the second time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.address_updates import PENDING_DIR, FileError, import_file
from customers.models import Customer, LifeStatus, customer_number_check_digit
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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


def test_admin_upload_previews_then_applies(people, privacy_officer, client_for, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(privacy_officer)
    url = "/admin/customers/customer/osoitepaivitykset/"
    assert client.get(url).status_code == 200
    upload = client.post(url, {"file": SimpleUploadedFile("dvv.csv", batch(people), "text/csv")})
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    assert preview.context["preview"] and len(preview.context["report"].changing) == 3
    assert not Customer.objects.filter(street_address="Uusikatu 5 B 7").exists()  # only a preview
    # The file waits on the server, not in the page.
    assert b"Uusikatu" not in preview.content.split(b'name="upload"')[1][:500]
    assert len(list((media_root / PENDING_DIR).iterdir())) == 1
    applied = client.post(url, {"upload": preview.context["upload"]})
    assert applied.status_code == 200
    assert Customer.objects.filter(street_address="Uusikatu 5 B 7").exists()
    assert list((media_root / PENDING_DIR).iterdir()) == []  # gone after apply
    tampered = client.post(url, {"upload": preview.context["upload"][:-3] + "abc"})
    assert tampered.status_code == 302


def test_the_preview_rejects_what_apply_could_not_store(people, clerk):
    """What the preview accepts is exactly what apply writes: the record's own rules."""
    a, b, c = people
    content = (
        HEADER
        + f"{a.customer_number};{'K' * 300};80100;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{b.customer_number};Katu 1;{'1' * 40};Tukholma;SE;2026-11-01;DVV;\n"
        + f"{c.customer_number};Nul\x00katu 1;80100;Joensuu;FI;2026-11-01;DVV;\n"
        + f"{c.customer_number};Katu 2;80100;Joensuu;FI;2026-11-01;{'D' * 300};\n"
    ).encode()
    preview = import_file(content, by=clerk, dry_run=True)
    assert [row.number for row in preview.errors] == [2, 3, 4, 5]
    report = import_file(content, by=clerk)  # and apply writes nothing of them, no error
    assert len(report.changing) == 0
    a.refresh_from_db()
    assert a.street_address == "Vanhatie 1"


def test_a_cell_over_128_kib_is_a_file_error_not_a_crash(people):
    content = (
        HEADER + f"{people[0].customer_number};{'x' * 140_000};80100;J;FI;2026-11-01;DVV;\n"
    ).encode()
    with pytest.raises(FileError):
        import_file(content, by=None, dry_run=True)


def test_a_large_file_previews_a_bounded_page_and_applies(privacy_officer, client_for, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    person = CustomerFactory(street_address="Vanhatie 1", postal_code="80100", city="Joensuu")
    filler = f"{NOBODY};Katu 1;80100;Joensuu;FI;2026-11-01;DVV;\n"
    content = (
        HEADER
        + f"{person.customer_number};Uusi 1;80100;Joensuu;FI;2026-11-01;DVV;\n"
        + filler * 70_000
    ).encode()
    assert len(content) > 3 * 1024 * 1024
    client = client_for(privacy_officer)
    url = "/admin/customers/customer/osoitepaivitykset/"
    upload = client.post(url, {"file": SimpleUploadedFile("dvv.csv", content, "text/csv")})
    preview = client.get(upload["Location"])
    assert preview.status_code == 200
    assert len(preview.context["page_obj"].object_list) == 200
    assert len(preview.content) < 200_000
    second = client.get(upload["Location"] + "&page=2")
    assert second.context["page_obj"].number == 2
    applied = client.post(url, {"upload": preview.context["upload"]})
    assert applied.status_code == 200
    person.refresh_from_db()
    assert person.street_address == "Uusi 1"


def test_stale_uploads_are_discarded(media_root):
    import os
    import time

    from customers.address_updates import discard_stale_pending, keep_pending, pending_name

    name = pending_name(keep_pending(b"x"))
    old = time.time() - 2 * 3600
    os.utime(media_root / name, (old, old))
    assert discard_stale_pending() == 1
    assert list((media_root / PENDING_DIR).iterdir()) == []


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer"])
def test_only_the_privacy_officer_imports_in_the_admin(cast, role, client_for):
    response = client_for(cast[role]).get("/admin/customers/customer/osoitepaivitykset/")
    assert response.status_code in (302, 403)
