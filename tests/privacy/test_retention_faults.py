"""Faults with real processes: a worker killed mid-run, and two runs started at once.

These tests commit their data (transactional_db) so that `manage.py enforce_retention` in a
child process sees it, in the same test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from calls.models import CallRecording
from calls.personal_data import RECORDINGS_30_DAYS
from privacy import retention
from privacy.models import PendingFileDeletion, RetentionRun, RunStatus
from tests.calls.factories import CallRecordingFactory

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


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


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

    worker = start_run(media_root, "--batch-size", "5", "--pause", "0.5")
    try:
        wait_until(lambda: rows_committed() >= 5)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    left = CallRecording.objects.count()
    assert 1 < left < 61, "the kill came after the first batch and before the last"
    for recording in CallRecording.objects.all():
        assert (media_root / recording.audio.name).exists()
    killed = RetentionRun.objects.get()
    assert killed.status == RunStatus.RUNNING and killed.finished_at is None

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

    first = start_run(media_root, "--batch-size", "5", "--pause", "0.3")
    wait_until(lambda: RetentionRun.objects.exists())
    second = start_run(media_root, "--batch-size", "5")
    second_out, _err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=120)

    assert second.returncode == 0
    assert "already running elsewhere; skipped" in second_out
    assert first.returncode == 0, first_err
    assert "30 rows, 30 files, 0 errors" in first_out
    run = RetentionRun.objects.get()
    assert (run.rows, run.status) == (30, RunStatus.SUCCEEDED)
    assert not CallRecording.objects.exists()
    assert not list(media_root.rglob("*.wav"))
