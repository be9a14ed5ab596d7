"""Backups and restores (notice §16): a restore never brings back a person who was erased."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pgtrigger
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg import sql

from customers.models import Customer
from privacy import backup, retention
from privacy.erasure import erase_person
from privacy.models import (
    ERASURE_RECORD_PROTECT_TRIGGER,
    ErasedPerson,
    ErasureReason,
    ErasureRecord,
)
from privacy.personal_data import ERASED_PEOPLE_LEDGER
from tests.customers.factories import CustomerFactory

ROOT = Path(__file__).resolve().parents[2]


# --- The erasure ledger -------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_keeps_the_internal_id_and_nothing_else_about_the_person():
    person = CustomerFactory(first_name="Erkki", last_name="Esimerkki")
    record = erase_person(person, reason=ErasureReason.REQUEST, reference="PK-2026-1")
    entry = ErasedPerson.objects.get()
    assert (entry.person_id, entry.erasure, entry.erased_at) == (
        person.pk,
        record,
        record.erased_at,
    )
    ledger = json.dumps(backup.export_ledger(), default=str)
    assert f'"person_id": {person.pk}' in ledger
    for personal in (person.first_name, person.last_name, person.customer_number, person.email):
        assert personal not in ledger


@pytest.mark.django_db
def test_reapplying_the_ledger_erases_a_restored_person_again_and_keeps_the_proof():
    person = CustomerFactory()
    stays = CustomerFactory()
    erase_person(person, reason=ErasureReason.REQUEST, reference="PK-2026-2")
    ledger = json.loads(json.dumps(backup.export_ledger(), default=str))
    # What a backup taken before the erasure holds: the person, and no proof of the erasure.
    ErasedPerson.objects.all().delete()
    with pgtrigger.ignore(f"privacy.ErasureRecord:{ERASURE_RECORD_PROTECT_TRIGGER}"):
        ErasureRecord.objects.all().delete()
    restored = CustomerFactory(pk=person.pk, customer_number=person.customer_number)

    done = backup.reapply_erasures(ledger, reference="restore pkregister-test")

    assert done.records_copied == 1 and done.people_erased == 1
    assert not Customer.objects.filter(pk=restored.pk).exists()
    assert Customer.objects.filter(pk=stays.pk).exists()
    assert list(ErasureRecord.objects.order_by("pk").values_list("reason", "reference")) == [
        (ErasureReason.REQUEST, "PK-2026-2"),
        (ErasureReason.RESTORE, "restore pkregister-test"),
    ]
    assert set(ErasedPerson.objects.values_list("person_id", flat=True)) == {person.pk}
    # Applying it twice changes nothing more.
    again = backup.reapply_erasures(ledger, reference="restore pkregister-test")
    assert (again.records_copied, again.people_erased) == (0, 0)


@pytest.mark.django_db
def test_an_erased_persons_id_goes_when_no_kept_backup_can_hold_them():
    old, recent = CustomerFactory(), CustomerFactory()
    erase_person(old, reason=ErasureReason.REQUEST)
    erase_person(recent, reason=ErasureReason.REQUEST)
    window = settings.BACKUP_RETENTION_DAYS + settings.BACKUP_LEDGER_MARGIN_DAYS
    ErasedPerson.objects.filter(person_id=old.pk).update(
        erased_at=timezone.now() - timedelta(days=window, hours=1)
    )
    run = retention.enforce(ERASED_PEOPLE_LEDGER)
    assert run.rows == 1
    assert list(ErasedPerson.objects.values_list("person_id", flat=True)) == [recent.pk]
    assert ErasureRecord.objects.count() == 2  # the proof stays; only the id goes


# --- Checking a backup --------------------------------------------------------------------------


def _handmade_backup(path: Path, *, files: dict[str, bytes], created_at=None) -> Path:
    """Write a backup directory as `create_backup` would, without a database."""
    path.mkdir()
    (path / backup.DUMP).write_bytes(b"PGDMP not a real dump")
    with tarfile.open(path / backup.FILES, "w") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    manifest = {
        "format": backup.FORMAT,
        "name": path.name,
        "created_at": (created_at or timezone.now()).isoformat(),
        "database": "pkregister",
        "migrations": {"privacy": ["0001_initial"]},
        "counts": {},
        "files": {
            "count": len(files),
            "sha256": {n: hashlib.sha256(c).hexdigest() for n, c in files.items()},
        },
        "checksums": {
            part: hashlib.sha256((path / part).read_bytes()).hexdigest()
            for part in (backup.DUMP, backup.FILES)
        },
    }
    (path / backup.MANIFEST).write_text(json.dumps(manifest))
    return path


def _flip_byte_of(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset)
        first = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([first[0] ^ 0xFF]))


def test_a_whole_backup_passes_the_check(tmp_path):
    made = _handmade_backup(tmp_path / "pkregister-1", files={"calls/a.wav": b"RIFF1"})
    assert backup.verify_backup(made)["files"]["count"] == 1


def test_a_corrupted_dump_is_refused(tmp_path):
    made = _handmade_backup(tmp_path / "pkregister-1", files={})
    with (made / backup.DUMP).open("ab") as dump:
        dump.write(b"!")
    with pytest.raises(backup.BackupInvalid, match="database.dump does not match its checksum"):
        backup.verify_backup(made)


def test_a_changed_file_is_refused_even_when_the_tars_checksum_was_updated(tmp_path):
    made = _handmade_backup(tmp_path / "pkregister-1", files={"calls/a.wav": b"RIFF1"})
    _flip_byte_of(made / backup.FILES, "calls/a.wav")
    manifest = json.loads((made / backup.MANIFEST).read_text())
    manifest["checksums"][backup.FILES] = hashlib.sha256(
        (made / backup.FILES).read_bytes()
    ).hexdigest()
    (made / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupInvalid, match="calls/a.wav does not match its checksum"):
        backup.verify_backup(made)


def test_a_backup_without_a_manifest_or_missing_a_file_is_refused(tmp_path):
    with pytest.raises(backup.BackupInvalid, match="no manifest.json"):
        backup.verify_backup(tmp_path)
    made = _handmade_backup(tmp_path / "pkregister-1", files={"calls/a.wav": b"RIFF1"})
    manifest = json.loads((made / backup.MANIFEST).read_text())
    manifest["files"]["sha256"]["calls/b.wav"] = "0" * 64
    (made / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupInvalid, match="1 stored files listed in the manifest"):
        backup.verify_backup(made)


def test_a_backup_older_than_the_ledger_reaches_is_refused(tmp_path):
    taken = timezone.now() - timedelta(days=settings.BACKUP_RETENTION_DAYS, hours=1)
    made = _handmade_backup(tmp_path / "pkregister-1", files={}, created_at=taken)
    with pytest.raises(backup.BackupInvalid, match="could bring back people who were erased"):
        backup.check_restorable(backup.verify_backup(made))


def test_a_backup_of_a_newer_version_is_refused(tmp_path):
    made = _handmade_backup(tmp_path / "pkregister-1", files={})
    manifest = backup.verify_backup(made)
    manifest["migrations"]["privacy"].append("9999_from_the_future")
    with pytest.raises(backup.BackupInvalid, match=r"privacy\.9999_from_the_future"):
        backup.check_restorable(manifest)


def test_backups_past_the_period_are_pruned_and_newer_ones_kept(tmp_path):
    now = timezone.now()
    old = _handmade_backup(
        tmp_path / "pkregister-old",
        files={},
        created_at=now - timedelta(days=settings.BACKUP_RETENTION_DAYS, minutes=1),
    )
    new = _handmade_backup(tmp_path / "pkregister-new", files={}, created_at=now)
    (tmp_path / backup.LEDGERS).mkdir()
    stale, fresh = (tmp_path / backup.LEDGERS / f"ledger-{n}.json" for n in (1, 2))
    stale.write_text("{}")
    fresh.write_text("{}")
    window = (now - backup.ledger_window(now)).total_seconds()
    os.utime(stale, (now.timestamp() - window - 60,) * 2)
    assert backup.prune_backups(root=tmp_path, now=now) == [old, stale]
    assert backup.backups(tmp_path) == [new]
    assert fresh.exists()


# --- End to end: back up, erase, restore --------------------------------------------------------


def _url(name: str) -> str:
    return urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))


def _server() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _drop(name: str) -> None:
    with _server() as conn:
        for each in (name, f"{name}__restoring", f"{name}__before_restore"):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(each)))


@pytest.fixture
def register(django_db_setup, tmp_path):
    """A register of its own: a database copied from the (migrated) test database and named
    after it, so suites running side by side never share one; its media and backup
    directories. Dropped afterwards."""
    db = connection.settings_dict  # the test database's, once django_db_setup has run
    assert db["NAME"].startswith("test_"), db["NAME"]
    name = f"{db['NAME']}_restore"
    _drop(name)
    with _server() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db[key]:
            env[variable] = str(db[key])
    copy = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--dbname={db['NAME']}"],
        env=env,
        capture_output=True,
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={name}"],
        input=copy.stdout,
        env=env,
        capture_output=True,
        check=True,
    )
    media, backups = tmp_path / "register" / "media", tmp_path / "register" / "backups"
    media.mkdir(parents=True)
    yield {
        "media": media,
        "backups": backups,
        "env": {
            "DATABASE_URL": _url(name),
            "DJANGO_MEDIA_ROOT": str(media),
            "DJANGO_BACKUP_DIR": str(backups),
        },
    }
    _drop(name)
    shutil.rmtree(media.with_name("media.restoring"), ignore_errors=True)


def manage(register: dict, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a management command against the register of its own."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **register["env"]},
        capture_output=True,
        text=True,
        timeout=900,
    )


def in_register(register: dict, code: str) -> dict:
    """Run Python in the register's Django shell; return the JSON its last line prints."""
    result = manage(register, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


SEED = """
import json
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
erased = CustomerFactory(first_name="Erkki", last_name="Esimerkki")
kept = CustomerFactory(first_name="Kaisa", last_name="Kestilä")
print(json.dumps({
    "erased": erased.pk,
    "kept": kept.pk,
    "erased_file": CallRecordingFactory(customer=erased).audio.name,
    "kept_file": CallRecordingFactory(customer=kept).audio.name,
}))
"""

ERASE = """
import json
from customers.models import Customer
from privacy.erasure import erase_person
from privacy.models import ErasureReason
record = erase_person(Customer.objects.get(pk=%d), reason=ErasureReason.REQUEST, reference="PK-1")
print(json.dumps({"record": record.pk}))
"""

STATE = """
import json
from calls.models import CallRecording
from customers.models import Customer
from privacy.models import ErasedPerson, ErasureRecord
print(json.dumps({
    "people": sorted(Customer.objects.values_list("pk", flat=True)),
    "names": sorted(Customer.objects.values_list("last_name", flat=True)),
    "recordings": sorted(CallRecording.objects.values_list("audio", flat=True)),
    "erasures": list(ErasureRecord.objects.order_by("pk").values_list("reason", "reference")),
    "ledger": sorted(set(ErasedPerson.objects.values_list("person_id", flat=True))),
}))
"""


@pytest.mark.django_db  # so that the test database is set up, to be copied
def test_a_restore_never_brings_back_a_person_erased_after_the_backup(register):
    seeded = in_register(register, SEED)
    media = register["media"]
    kept_bytes = (media / seeded["kept_file"]).read_bytes()

    taken = manage(register, "backup")
    assert taken.returncode == 0, taken.stderr
    [made] = backup.backups(register["backups"])
    manifest = json.loads((made / backup.MANIFEST).read_text())
    assert manifest["counts"]["customers.customer"] >= 2
    assert set(manifest["files"]["sha256"]) == {seeded["erased_file"], seeded["kept_file"]}

    in_register(register, ERASE % seeded["erased"])
    assert not (media / seeded["erased_file"]).exists()
    # The disk is lost too: everything must come from the backup.
    shutil.rmtree(media)

    restored = manage(register, "restore", "--noinput", str(made))
    assert restored.returncode == 0, restored.stderr
    assert "1 people erased again" in restored.stdout

    state = in_register(register, STATE)
    assert seeded["erased"] not in state["people"] and "Esimerkki" not in state["names"]
    assert seeded["kept"] in state["people"]
    assert state["recordings"] == [seeded["kept_file"]]
    assert (media / seeded["kept_file"]).read_bytes() == kept_bytes
    assert not (media / seeded["erased_file"]).exists()
    # The proof of the erasure survived the restore, and the second erasure is recorded.
    assert [reason for reason, _ in state["erasures"]] == ["request", "restore"]
    assert state["ledger"] == [seeded["erased"]]

    # A restore that is refused leaves the register as it was: a person added since stays.
    in_register(
        register,
        "import json; from tests.customers.factories import CustomerFactory\n"
        'print(json.dumps({"pk": CustomerFactory(last_name="Jälkeen").pk}))',
    )
    # While the register is in use (a web server still connected), nothing is restored.
    with psycopg.connect(register["env"]["DATABASE_URL"]):
        busy = manage(register, "restore", "--noinput", str(made))
    assert busy.returncode != 0
    assert "other connections are open" in busy.stderr and "Not restored" in busy.stderr
    assert "Jälkeen" in in_register(register, STATE)["names"]
    _flip_byte_of(made / backup.FILES, seeded["kept_file"])
    refused = manage(register, "restore", "--noinput", str(made))
    assert refused.returncode != 0
    assert "Not restored" in refused.stderr and "does not match its checksum" in refused.stderr
    after = in_register(register, STATE)
    assert "Jälkeen" in after["names"]
    assert (media / seeded["kept_file"]).read_bytes() == kept_bytes
