"""Faults with real processes: a worker killed mid-run, and two runs started at once.

These tests commit their data (transactional_db) so that `manage.py enforce_retention` in a
child process sees it, in the same test database. Their order of events is held by a gate, not
by pauses: a statement trigger on the recordings' table that makes a batch wait, inside its
transaction, for an advisory lock the test holds (enabled ALWAYS, so the replica mode of the
batches does not skip it). The test knows a run is at the gate when PostgreSQL shows it waiting
for that lock, however slow the machine is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from calls.models import CallRecording
from calls.personal_data import RECORDINGS_30_DAYS
from privacy import retention
from privacy.models import PendingFileDeletion, RetentionRun, RunStatus
from tests.calls.factories import CallRecordingFactory
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent.parent


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_run(media_root: Path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "enforce_retention", "--policy", "call-recordings", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


GATE_KEY = 7_300_001


@contextmanager
def gate(*, after_rows: int) -> Iterator[None]:
    """Make every batch that starts once a run has committed `after_rows` rows wait at the
    gate until the block ends (the test holds the gate's lock meanwhile)."""
    holder = psycopg.connect(database_url(), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [GATE_KEY])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_retention_gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM privacy_retentionrun WHERE rows >= {int(after_rows)})
                THEN
                    PERFORM pg_advisory_lock_shared({GATE_KEY});
                    PERFORM pg_advisory_unlock_shared({GATE_KEY});
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER test_retention_gate BEFORE DELETE ON calls_callrecording
                FOR EACH STATEMENT EXECUTE FUNCTION test_retention_gate();
            ALTER TABLE calls_callrecording ENABLE ALWAYS TRIGGER test_retention_gate;
            """  # noqa: S608 (two integer constants)
        )
    try:
        yield
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", [GATE_KEY])
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER IF EXISTS test_retention_gate ON calls_callrecording;"
                "DROP FUNCTION IF EXISTS test_retention_gate()"
            )


def someone_at_the_gate() -> bool:
    # pg_locks lists every database's locks: another suite's gate on the same server is not ours.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = 0 AND objid = %s",
            [GATE_KEY],
        )
        return cursor.fetchone()[0] > 0


def rows_committed() -> int:
    run = RetentionRun.objects.filter(policy="call-recordings").first()
    return run.rows if run else 0


def expired_recordings(count: int) -> list[CallRecording]:
    started = timezone.now() - timedelta(days=40)
    return [CallRecordingFactory(started_at=started + timedelta(seconds=n)) for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_mid_way_is_finished_by_the_next_and_no_row_loses_its_file(media_root):
    recordings = expired_recordings(60)
    kept = CallRecordingFactory(started_at=timezone.now() - timedelta(days=2))

    with gate(after_rows=5):
        worker = start_run(media_root, "--batch-size", "5")
        try:
            # A batch committed, and the next one waits inside its transaction.
            wait_until(someone_at_the_gate, what="a run at the gate")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=300)
    assert worker.returncode == -signal.SIGKILL

    left = CallRecording.objects.count()
    assert 1 < left < 61, "the kill came after the first batch and before the last"
    for recording in CallRecording.objects.all():
        assert (media_root / recording.audio.name).exists()
    killed = RetentionRun.objects.get()
    assert killed.status == RunStatus.RUNNING and killed.finished_at is None
    assert killed.rows >= 5

    run = retention.enforce(RECORDINGS_30_DAYS)

    assert run.status == RunStatus.SUCCEEDED
    assert killed.rows + run.rows == 60
    assert list(CallRecording.objects.values_list("pk", flat=True)) == [kept.pk]
    assert (media_root / kept.audio.name).exists()
    for recording in recordings:
        assert not (media_root / recording.audio.name).exists()
    assert not PendingFileDeletion.objects.exists()
    killed.refresh_from_db()
    assert killed.status == RunStatus.INTERRUPTED


@pytest.mark.django_db(transaction=True)
def test_of_two_runs_started_at_once_one_does_the_work_and_the_other_exits(media_root):
    expired_recordings(30)

    with gate(after_rows=0):
        first = start_run(media_root, "--batch-size", "5")
        # The first run holds the policy's lock and waits at the gate for the second to try.
        wait_until(someone_at_the_gate, what="a run at the gate")
        second = start_run(media_root, "--batch-size", "5")
        second_out, _err = second.communicate(timeout=300)
    first_out, first_err = first.communicate(timeout=300)

    assert second.returncode == 0
    assert "already running elsewhere; skipped" in second_out
    assert first.returncode == 0, first_err
    assert "30 rows, 30 files, 0 errors" in first_out
    run = RetentionRun.objects.get()
    assert (run.rows, run.status) == (30, RunStatus.SUCCEEDED)
    assert not CallRecording.objects.exists()
    assert not list(media_root.rglob("*.wav"))
