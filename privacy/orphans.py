"""The orphan sweep: stored files no row refers to, and rows whose file is missing.

Retention deletes files with their rows, so orphans come only from elsewhere: a process killed
between writing an upload and committing its row, or a file restored from a backup. The sweep
deletes such files once they are older than a grace period (an upload in flight is not an
orphan), and reports rows whose file is gone; it never touches names queued for deletion.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.core.files.storage import Storage
from django.db import connection, models
from django.utils import timezone

from privacy.declarations import file_fields
from privacy.models import (
    MAX_RECORDED_MESSAGES,
    ORPHAN_SWEEP,
    PendingFileDeletion,
    RetentionRun,
    RunStatus,
)
from privacy.retention import policy_lock

logger = logging.getLogger(__name__)

SWEEP_NAME = ORPHAN_SWEEP
DEFAULT_GRACE = timedelta(hours=1)
CHUNK = 1_000


@dataclass
class SweepResult:
    orphans: int = 0
    deleted: int = 0
    missing: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        logger.warning("Orphan sweep: %s", message)
        if len(self.messages) < MAX_RECORDED_MESSAGES:
            self.messages.append(message)


def live_file_fields() -> list[models.FileField]:
    """Return every file field of a model that holds live rows (history copies excluded)."""
    from pghistory.models import Event

    return [
        f
        for model in apps.get_models()
        if not issubclass(model, Event) and model._meta.managed and not model._meta.proxy
        for f in file_fields(model)
    ]


def stored_names(storage: Storage, path: str = "") -> Iterator[str]:
    """Yield the name of every file in the storage (under `path`)."""
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from stored_names(storage, f"{path}/{directory}" if path else directory)


def _chunks(names: Iterator[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for name in names:
        chunk.append(name)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _referenced(fields: list[models.FileField], names: list[str]) -> set[str]:
    found = set(
        PendingFileDeletion.objects.filter(storage_name__in=names).values_list(
            "storage_name", flat=True
        )
    )
    with connection.cursor() as cursor:
        for target in fields:
            table = connection.ops.quote_name(target.model._meta.db_table)
            column = connection.ops.quote_name(target.column)
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)",  # noqa: S608
                [names],
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def sweep(
    *, dry_run: bool = False, grace: timedelta = DEFAULT_GRACE, now: datetime | None = None
) -> SweepResult:
    """Delete orphan files older than `grace` and report rows whose file is missing."""
    now = now or timezone.now()
    result = SweepResult()
    by_storage: dict[int, tuple[Storage, list[models.FileField]]] = {}
    for target in live_file_fields():
        by_storage.setdefault(id(target.storage), (target.storage, []))[1].append(target)
    for storage, fields in by_storage.values():
        for names in _chunks(stored_names(storage)):
            referenced = _referenced(fields, names)
            for name in names:
                if name in referenced:
                    continue
                try:
                    if storage.get_modified_time(name) > now - grace:
                        continue
                    result.orphans += 1
                    if not dry_run:
                        storage.delete(name)
                        result.deleted += 1
                except Exception as error:  # recorded; the next sweep tries again
                    result.errors += 1
                    result.note(f"{name}: {type(error).__name__}: {error}"[:500])
        for target in fields:
            rows = (
                target.model._default_manager.exclude(**{target.name: ""})
                .values_list("pk", target.name)
                .order_by("pk")
            )
            for pk, name in rows.iterator(chunk_size=2_000):
                if not storage.exists(name):
                    result.missing += 1
                    result.note(f"{target.model._meta.label} #{pk}: stored file missing")
    return result


def sweep_and_record(*, dry_run: bool = False, grace: timedelta = DEFAULT_GRACE):
    """Run the sweep under its lock and record it as a RetentionRun (not in a dry run)."""
    with policy_lock(SWEEP_NAME) as acquired:
        if not acquired:
            return None
        if dry_run:
            return sweep(dry_run=True, grace=grace)
        RetentionRun.objects.filter(policy=SWEEP_NAME, status=RunStatus.RUNNING).update(
            status=RunStatus.INTERRUPTED
        )
        run = RetentionRun.objects.create(policy=SWEEP_NAME)
        result = sweep(grace=grace)
        run.finished_at = timezone.now()
        run.files = result.deleted
        run.missing_files = result.missing
        run.errors = result.errors
        run.messages = "\n".join(result.messages)
        run.status = RunStatus.FAILED if result.errors or result.missing else RunStatus.SUCCEEDED
        run.save()
        return run
