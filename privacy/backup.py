"""Backups of the register, and restores that never bring back a person who was erased (§16).

A backup is one directory: `database.dump` (pg_dump, custom format, with the tables' owners
and grants, so the application's role gets its rights back), `files.tar` (every stored
file) and `manifest.json` (when, which database, the applied migrations, row counts, and the
SHA-256 of the dump, of the tar and of each file in it). The dump and the counts read one
snapshot, so they agree with each other.

A restore first checks the whole backup against its manifest and refuses it, with the live
register untouched, if anything differs. It then restores into a staging database and a staging
media directory, migrates them, and, before anything is swapped in, applies again what was
removed since the backup was taken: everyone in the erasure ledger (the ErasedPerson rows: an
internal id and when, nothing else) is erased again, and every retention policy is run. Only
then does the staging database take the live database's name, so the register never opens on
a restored copy that still holds an erased person.

The ledger comes from the live database just before it is replaced, or, when that database is
lost, from a file written by `export_erasure_ledger` and kept apart from the backups. It holds
the ErasedPerson rows and their ErasureRecords (internal ids, times, reasons and counts); the
records are copied into the restored database so that the proof of each erasure survives too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg import sql

from privacy.declarations import registry
from privacy.models import ErasedPerson, ErasureReason, ErasureRecord
from privacy.orphans import stored_names

logger = logging.getLogger(__name__)

FORMAT = 1
DUMP = "database.dump"
FILES = "files.tar"
MANIFEST = "manifest.json"
PREFIX = "pkregister-"
LEDGERS = "ledgers"
CHUNK = 1024 * 1024


class BackupInvalid(Exception):
    """The backup does not match its manifest, or cannot be restored here; nothing changed."""


class RestoreFailed(Exception):
    """Restoring or re-applying failed; the live register was left as it was."""


# --- Shared helpers -------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _database() -> dict:
    return settings.DATABASES["default"]


def _pg_env() -> dict[str, str]:
    """Return the environment that points pg_dump and pg_restore at the register's server."""
    db = _database()
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
    ):
        if value:
            env[key] = str(value)
    return env


def _server(dbname: str = "postgres") -> psycopg.Connection:
    """Connect, with autocommit, to a database of the register's server (by default the
    maintenance database, from which others can be created, renamed and dropped)."""
    db = _database()
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _run(command: list[str], *, env: dict[str, str] | None = None) -> str:
    """Run a program; raise RestoreFailed with its output if it fails."""
    result = subprocess.run(  # noqa: S603 (fixed programs, arguments from settings)
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-2000:]
        raise RestoreFailed(f"{Path(command[0]).name} failed: {output}")
    return result.stdout


def backups(root: Path | None = None) -> list[Path]:
    """Return the complete backups under `root` (default BACKUP_DIR), oldest first."""
    root = Path(root or settings.BACKUP_DIR)
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.iterdir() if p.name.startswith(PREFIX) and (p / MANIFEST).is_file()
    )


# --- Backing up -----------------------------------------------------------------------------------


class _HashingReader:
    """A file wrapper that hashes what tarfile reads through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _counts() -> dict[str, int]:
    """Count the rows of every model with personal data, and of the erasure proof."""
    models = [d.model_class for d in registry.declarations()] + [ErasureRecord, ErasedPerson]
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in sorted(set(models), key=lambda m: m._meta.label_lower)
    }


def _applied_migrations() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        applied: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


def _storage_description() -> dict[str, str]:
    storage = default_storage
    described = {"backend": f"{type(storage).__module__}.{type(storage).__qualname__}"}
    if isinstance(storage, FileSystemStorage):
        described["location"] = str(storage.location)
    elif getattr(settings, "S3_BUCKET", ""):
        described["bucket"] = settings.S3_BUCKET
    return described


def create_backup(*, root: Path | None = None, now: datetime | None = None) -> Path:
    """Write a backup of the database and the stored files under `root` (default BACKUP_DIR);
    return its directory.

    The directory appears under its final name only when complete (it is written as
    `<name>.partial` first), so a backup killed halfway is never taken for a whole one.
    """
    root = Path(root or settings.BACKUP_DIR)
    root.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    name = f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}"
    partial = root / f"{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(mode=0o700)
    database = _database()["NAME"]
    # One snapshot for the dump and for everything the manifest says about the database.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), now()")
        snapshot, taken_at = cursor.fetchone()
        counts = _counts()
        migrations = _applied_migrations()
        _run(
            [
                shutil.which("pg_dump") or "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={partial / DUMP}",
                f"--dbname={database}",
            ],
            env=_pg_env(),
        )
    files: dict[str, str] = {}
    size = 0
    names = (
        sorted(stored_names(default_storage))
        if not isinstance(default_storage, FileSystemStorage)
        or Path(default_storage.location).is_dir()
        else []
    )
    with tarfile.open(partial / FILES, "w") as archive:
        for stored in names:
            info = tarfile.TarInfo(stored)
            info.size = default_storage.size(stored)
            info.mtime = int(default_storage.get_modified_time(stored).timestamp())
            info.mode = 0o600
            with default_storage.open(stored, "rb") as handle:
                reader = _HashingReader(handle)
                archive.addfile(info, reader)
            files[stored] = reader.digest.hexdigest()
            size += info.size
    manifest = {
        "format": FORMAT,
        "name": name,
        "created_at": taken_at.isoformat(),
        "database": database,
        "migrations": migrations,
        "counts": counts,
        "storage": _storage_description(),
        "files": {"count": len(files), "bytes": size, "sha256": files},
        "checksums": {DUMP: _sha256(partial / DUMP), FILES: _sha256(partial / FILES)},
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.rename(root / name)
    return root / name


def prune_backups(*, root: Path | None = None, now: datetime | None = None) -> list[Path]:
    """Delete the backups older than BACKUP_RETENTION_DAYS (and leftovers of killed ones), and
    the ledgers restores saved once past the ledger's window; return what was deleted.
    Erasures leave the backups within that window."""
    root = Path(root or settings.BACKUP_DIR)
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BACKUP_RETENTION_DAYS)
    deleted = []
    for path in backups(root):
        try:
            created = parse_datetime(json.loads((path / MANIFEST).read_text())["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not ours to judge; a person looks at it
        if created is not None and created < cutoff:
            shutil.rmtree(path)
            deleted.append(path)
    if root.is_dir():
        for leftover in root.glob(f"{PREFIX}*.partial"):
            if _modified(leftover) < cutoff:
                shutil.rmtree(leftover)
                deleted.append(leftover)
    # The ledgers restores saved hold erased people's ids: they go with the ledger's window.
    for ledger in sorted((root / LEDGERS).glob("ledger-*.json")):
        if _modified(ledger) < ledger_window(now):
            ledger.unlink()
            deleted.append(ledger)
    return deleted


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


# --- Checking a backup ----------------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def verify_backup(path: Path) -> dict:
    """Return the backup's manifest if the dump, the tar and every file in it match it; raise
    BackupInvalid saying what does not."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupInvalid(f"{path}: no {MANIFEST}; this is not a complete backup.") from None
    except (OSError, ValueError) as error:
        raise BackupInvalid(f"{path}: {MANIFEST} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupInvalid(f"{path}: unknown backup format; this code reads format {FORMAT}.")
    checksums = manifest.get("checksums") or {}
    for part in (DUMP, FILES):
        if not (path / part).is_file():
            raise BackupInvalid(f"{path}: {part} is missing.")
        if _sha256(path / part) != checksums.get(part):
            raise BackupInvalid(
                f"{path}: {part} does not match its checksum in the manifest; the backup is "
                "corrupted or was changed, and is not restored."
            )
    expected = dict((manifest.get("files") or {}).get("sha256") or {})
    try:
        with tarfile.open(path / FILES, "r") as archive:
            for member in archive:
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupInvalid(f"{path}: {FILES} holds an unexpected entry.")
                wanted = expected.pop(member.name, None)
                digest = hashlib.sha256()
                handle = archive.extractfile(member)
                for block in iter(lambda h=handle: h.read(CHUNK), b""):
                    digest.update(block)
                if wanted != digest.hexdigest():
                    raise BackupInvalid(
                        f"{path}: the stored file {member.name} does not match its checksum in "
                        "the manifest; the backup is not restored."
                    )
    except tarfile.TarError as error:
        raise BackupInvalid(f"{path}: {FILES} cannot be read: {error}") from None
    if expected:
        raise BackupInvalid(
            f"{path}: {len(expected)} stored files listed in the manifest are not in {FILES}."
        )
    if parse_datetime(str(manifest.get("created_at"))) is None:
        raise BackupInvalid(f"{path}: the manifest has no valid created_at.")
    return manifest


def check_restorable(manifest: dict, *, now: datetime | None = None) -> None:
    """Raise BackupInvalid if this code and these settings cannot restore the backup safely."""
    now = now or timezone.now()
    created = parse_datetime(manifest["created_at"])
    if created < now - timedelta(days=settings.BACKUP_RETENTION_DAYS):
        raise BackupInvalid(
            f"The backup was taken {created:%Y-%m-%d %H:%M} UTC, more than "
            f"{settings.BACKUP_RETENTION_DAYS} days ago (BACKUP_RETENTION_DAYS): the erasure "
            "ledger no longer reaches back that far, so restoring it could bring back people "
            "who were erased. It is not restored."
        )
    known = {
        (app, name)
        for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    }
    unknown = sorted(
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        raise BackupInvalid(
            "The backup was taken by a newer version of the register (migrations unknown to "
            f"this code: {', '.join(unknown[:5])}); restore it with that version."
        )
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupInvalid(
            "Stored files are in object storage (DJANGO_S3_BUCKET); a restore writes files to "
            "a local MEDIA_ROOT only. Restore the bucket from its own versioning (README, "
            "Backups), then run reapply_erasures with the erasure ledger."
        )


# --- The erasure ledger ---------------------------------------------------------------------------


def ledger_window(now: datetime | None = None) -> datetime:
    """Return the oldest erasure a restore may have to apply again."""
    now = now or timezone.now()
    days = settings.BACKUP_RETENTION_DAYS + settings.BACKUP_LEDGER_MARGIN_DAYS
    return now - timedelta(days=days)


def export_ledger(*, now: datetime | None = None) -> dict:
    """Return the erasure ledger: the erased people's internal ids and the erasure records of
    the window (ids, times, reasons, references and counts; no name, nothing else)."""
    since = ledger_window(now)
    people = list(
        ErasedPerson.objects.order_by("pk").values("id", "person_id", "erasure_id", "erased_at")
    )
    record_ids = {p["erasure_id"] for p in people}
    records = list(
        ErasureRecord.objects.filter(pk__in=record_ids)
        .union(ErasureRecord.objects.filter(erased_at__gte=since))
        .order_by("pk")
        .values(
            "id",
            "erased_at",
            "reason",
            "reference",
            "erased_by_id",
            "erased_by_client_id",
            "counts",
        )
    )
    for row in [*people, *records]:
        row["erased_at"] = row["erased_at"].isoformat()
    return {
        "format": FORMAT,
        "exported_at": (now or timezone.now()).isoformat(),
        "database": _database()["NAME"],
        "erasures": records,
        "erased_people": people,
    }


def write_ledger(ledger: dict, path: Path) -> Path:
    """Write the ledger to `path` (readable by its owner only) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump(ledger, out, indent=1, sort_keys=True)
    partial.rename(path)
    return path


def read_ledger(path: Path) -> dict:
    try:
        ledger = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise BackupInvalid(f"The erasure ledger {path} cannot be read: {error}") from None
    if not isinstance(ledger, dict) or ledger.get("format") != FORMAT:
        raise BackupInvalid(f"{path} is not an erasure ledger of format {FORMAT}.")
    return ledger


@dataclass
class Reapplied:
    records_copied: int = 0
    people_erased: int = 0
    retention_rows: int = 0
    retention_files: int = 0


def _copy_ledger(ledger: dict) -> int:
    """Copy into this database the ledger's erasure records and erased people it lacks, with
    their own ids; return how many records were copied."""
    from django.contrib.auth import get_user_model

    from accounts.models import ApiClient

    have = set(ErasureRecord.objects.values_list("pk", flat=True))
    users = set(get_user_model()._base_manager.values_list("pk", flat=True))
    clients = set(ApiClient._base_manager.values_list("pk", flat=True))
    missing = [r for r in ledger["erasures"] if r["id"] not in have]
    ErasureRecord.objects.bulk_create(
        ErasureRecord(
            pk=r["id"],
            erased_at=parse_datetime(r["erased_at"]),
            reason=r["reason"],
            reference=r["reference"],
            # A user or client added after the backup is not in it: the record keeps the rest.
            erased_by_id=r["erased_by_id"] if r["erased_by_id"] in users else None,
            erased_by_client_id=(
                r["erased_by_client_id"] if r["erased_by_client_id"] in clients else None
            ),
            counts=r["counts"],
        )
        for r in missing
    )
    have_people = set(ErasedPerson.objects.values_list("pk", flat=True))
    records = set(ErasureRecord.objects.values_list("pk", flat=True))
    ErasedPerson.objects.bulk_create(
        ErasedPerson(
            pk=p["id"],
            person_id=p["person_id"],
            erasure_id=p["erasure_id"],
            erased_at=parse_datetime(p["erased_at"]),
        )
        for p in ledger["erased_people"]
        if p["id"] not in have_people and p["erasure_id"] in records
    )
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [ErasureRecord, ErasedPerson]
        ):
            cursor.execute(statement)
    return len(missing)


def reapply_erasures(ledger: dict, *, reference: str = "") -> Reapplied:
    """Apply again, to this (restored) database, what was removed since its backup: copy the
    ledger's erasure records, erase again every person the ledger lists who is here, and run
    every retention policy. Raise RestoreFailed if a person cannot be erased or a policy fails.
    """
    from privacy import retention
    from privacy.erasure import ErasureBlocked, erase_person, person_declaration

    done = Reapplied()
    with transaction.atomic():
        done.records_copied = _copy_ledger(ledger)
    person_model = person_declaration().model_class
    ids = sorted({p["person_id"] for p in ledger["erased_people"]})
    present = list(person_model._base_manager.filter(pk__in=ids).order_by("pk"))
    for person in present:
        try:
            record = erase_person(person, reason=ErasureReason.RESTORE, reference=reference[:100])
        except ErasureBlocked as error:
            raise RestoreFailed(str(error)) from error
        done.people_erased += record is not None
    failed = []
    for policy in retention.policies:
        run = retention.enforce(policy)
        if run is None:
            failed.append(f"{policy.name} (already running)")
            continue
        done.retention_rows += run.rows
        done.retention_files += run.files
        if run.errors:
            failed.append(f"{policy.name} ({run.errors} errors, run #{run.pk})")
    if failed:
        raise RestoreFailed(f"Retention could not finish: {', '.join(failed)}.")
    return done


# --- Restoring ------------------------------------------------------------------------------------


def _database_url(name: str) -> str:
    """Return DATABASE_URL with the database name replaced."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _others_connected(conn: psycopg.Connection, name: str) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    ).fetchone()
    return row[0]


def _drop(conn: psycopg.Connection, name: str) -> None:
    """Drop one of the restore's own databases (a staging copy, or the replaced one)."""
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@dataclass
class Restored:
    backup: str
    created_at: str
    ledger: Path
    output: str


@contextmanager
def _staging(live: str, media: Path) -> Iterator[tuple[str, Path]]:
    """Yield a fresh staging database and media directory; drop both unless swapped in."""
    staging_db, staging_media = f"{live}__restoring", media.with_name(f"{media.name}.restoring")
    with _server() as conn:
        _drop(conn, staging_db)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(staging_db)))
    shutil.rmtree(staging_media, ignore_errors=True)
    staging_media.mkdir(parents=True)
    try:
        yield staging_db, staging_media
    finally:
        # After a swap these names are free (or gone); otherwise the copy holds people who
        # were erased, and must not stay.
        with _server() as conn:
            _drop(conn, staging_db)
        shutil.rmtree(staging_media, ignore_errors=True)


def restore_backup(
    path: Path, *, ledger_file: Path | None = None, now: datetime | None = None
) -> Restored:
    """Replace the live database and stored files with the backup's, erasures and retention
    applied again before the register can open on it.

    Refuse (BackupInvalid) before touching anything if the backup does not match its manifest,
    is too old or too new, if there is no ledger, or if anything else is connected to the
    live database. A failure later (RestoreFailed) drops the staging copies and leaves the live
    register as it was.
    """
    path = Path(path)
    manifest = verify_backup(path)
    check_restorable(manifest, now=now)
    live = _database()["NAME"]
    media = Path(settings.MEDIA_ROOT)
    with _server() as conn:
        live_exists = _exists(conn, live)
    if ledger_file is not None:
        ledger = read_ledger(ledger_file)
    elif live_exists:
        ledger = export_ledger(now=now)
    else:
        raise BackupInvalid(
            f"The live database {live} does not exist, so the erasure ledger cannot be read "
            "from it; give the ledger exported by export_erasure_ledger (--ledger FILE)."
        )
    stamp = f"{timezone.now():%Y%m%dT%H%M%S%fZ}"
    # Written before anything changes: if the restore dies, the ledger is not lost with it.
    saved = write_ledger(ledger, Path(settings.BACKUP_DIR) / LEDGERS / f"ledger-{stamp}.json")
    connection.close()
    with _server() as conn:
        others = _others_connected(conn, live) if live_exists else 0
    if others:
        raise BackupInvalid(
            f"{others} other connections are open to the database {live}: stop the web "
            "server, the Celery worker and beat before restoring."
        )
    with _staging(live, media) as (staging_db, staging_media):
        _run(
            [
                shutil.which("pg_restore") or "pg_restore",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={staging_db}",
                str(path / DUMP),
            ],
            env=_pg_env(),
        )
        with tarfile.open(path / FILES, "r") as archive:
            archive.extractall(staging_media, filter="data")
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(staging_db),
            "DJANGO_MEDIA_ROOT": str(staging_media),
        }
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        output = _run([*manage, "migrate", "--noinput"], env=env)
        output += _run(
            [
                *manage,
                "reapply_erasures",
                f"--ledger={saved}",
                f"--reference=restore {manifest['name']}"[:100],
            ],
            env=env,
        )
        _swap(live, live_exists, staging_db, media, staging_media, stamp)
    return Restored(
        backup=manifest["name"], created_at=manifest["created_at"], ledger=saved, output=output
    )


def _swap(
    live: str, live_exists: bool, staging_db: str, media: Path, staging_media: Path, stamp: str
) -> None:
    """Put the re-applied staging copies in place of the live ones, the database in one
    transaction, then drop the replaced ones."""
    previous = f"{live}__before_restore"
    with _server() as conn:
        _drop(conn, previous)
        if live_exists and _others_connected(conn, live):
            raise RestoreFailed(
                f"Someone connected to {live} during the restore; nothing was replaced. Stop "
                "every service and restore again."
            )
        with conn.transaction():
            if live_exists:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(live), sql.Identifier(previous)
                    )
                )
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(staging_db), sql.Identifier(live)
                )
            )
    old_media = media.with_name(f"{media.name}.before-restore-{stamp}")
    if media.exists():
        media.rename(old_media)
    staging_media.rename(media)
    shutil.rmtree(old_media, ignore_errors=True)
    with _server() as conn:
        _drop(conn, previous)
