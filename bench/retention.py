"""Retention benchmark: the 30-day call-recording policy on a million expired recordings.

1,000,000 expired recordings (100,000 of them with a small real file on disk, every one with its
insert event in the change history, 100,000 with an access-log entry) beside 1,000,000 that are
not due. The policy runs through the Celery task beat uses, in a child process whose peak RSS is
measured. Then, for comparison, the usual Django way on a fresh 100,000-row slice (10% with
files): `QuerySet.delete()` with a `post_delete` receiver deleting each file.

Builds its own database (pkregister_bench_retention) afresh on every run, and its files in a
temporary directory. Final line: `retention rows_per_s=… purge_rows_per_s=… rss_mb=…
django_rows_per_s=… ratio=… unlink_floor_s=…`: rows_per_s over the whole run, which ends only
when the files are gone too; purge_rows_per_s until its last batch committed (every due row, its
history and access-log entries gone, the files queued), which never waits for the files; and
unlink_floor_s, what deleting the run's files alone takes on this disk with a plain parallel
os.unlink (the run cannot end sooner).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import wave
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._database as database  # noqa: E402
from bench._memory import measured_in_child, peak_rss_mb  # noqa: E402

BENCH_DB = "pkregister_bench_retention"
database.use(BENCH_DB)

EXPIRED = 1_000_000
WITH_FILES = 100_000
NOT_DUE = 1_000_000
LOGGED = 100_000
SLICE = 100_000
SLICE_FILES = 10_000
PORTABLE = 100_000


def tiny_wav() -> bytes:
    buffer = BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 16)
    return buffer.getvalue()


def load(cursor, *, first: int, count: int, files: int, days_old: str, media: Path) -> None:
    """Insert recordings numbered first.., one a second, the oldest first (ids follow time, as
    they do when calls arrive), the first `files` of them with a file on disk, and their
    history as the insert trigger writes it: one event a recording, in the order of the
    recordings (a join's hash order would scatter each batch's events over thousands of pages
    that the trigger never scatters)."""
    cursor.execute("ALTER TABLE calls_callrecording DISABLE TRIGGER USER")
    cursor.execute(
        f"""
        INSERT INTO calls_callrecording (call_id, caller_number, customer_id, agent, queue,
            direction, started_at, duration_seconds, audio, content_type, size, sha256,
            expires_at, received_at)
        SELECT 'bench-' || g, '+358401234567', NULL, 'agent-1', 'Asiakaspalvelu', 'inbound',
            now() - {days_old} - (%s - g) * interval '1 second', 60,
            CASE WHEN g < %s THEN 'calls/bench/' || (g / 1000) || '/' || g || '.wav' ELSE '' END,
            'audio/wav', 76, repeat('0', 64),
            now() - {days_old} - (%s - g) * interval '1 second' + interval '30 days', now()
        FROM generate_series(%s, %s) AS g
        """,  # noqa: S608
        [first + count, first + files, first + count, first, first + count - 1],
    )
    cursor.execute("ALTER TABLE calls_callrecording ENABLE TRIGGER USER")
    cursor.execute(
        """
        INSERT INTO calls_callrecordingevent (pgh_created_at, pgh_label, pgh_obj_id, id, call_id,
            caller_number, customer_id, agent, queue, direction, started_at, duration_seconds,
            audio, content_type, size, sha256, expires_at, received_at)
        SELECT now(), 'insert', id, id, call_id, caller_number, customer_id, agent, queue,
            direction, started_at, duration_seconds, audio, content_type, size, sha256,
            expires_at, received_at
        FROM calls_callrecording WHERE call_id = ANY(SELECT 'bench-' || g
            FROM generate_series(%s, %s) AS g)
        ORDER BY id
        """,
        [first, first + count - 1],
    )
    content = tiny_wav()
    for number in range(first, first + files):
        directory = media / "calls" / "bench" / str(number // 1000)
        if number % 1000 == 0 or number == first:
            directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{number}.wav").write_bytes(content)


def log_playbacks(cursor, *, first: int, count: int) -> None:
    cursor.execute(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
        "email, is_staff, is_active, date_joined) VALUES "
        "('!', false, 'bench', '', '', '', false, true, now()) ON CONFLICT DO NOTHING"
    )
    cursor.execute(
        """
        INSERT INTO audit_accesslogentry (at, user_id, action, purpose, subject_type_id,
            subject_id, object_type_id, object_id)
        SELECT now(), (SELECT id FROM auth_user WHERE username = 'bench'), 'playback', 'training',
            ct.id, r.id, ct.id, r.id
        FROM calls_callrecording r,
            (SELECT id FROM django_content_type WHERE app_label = 'calls'
             AND model = 'callrecording') ct
        WHERE r.call_id = ANY(SELECT 'bench-' || g FROM generate_series(%s, %s) AS g)
        """,
        [first, first + count - 1],
    )


def setup(media: Path) -> None:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        load(
            cursor,
            first=0,
            count=EXPIRED,
            files=WITH_FILES,
            days_old="interval '31 days'",
            media=media,
        )
        log_playbacks(cursor, first=0, count=LOGGED)
        load(
            cursor,
            first=EXPIRED,
            count=NOT_DUE,
            files=0,
            days_old="interval '1 day'",
            media=media,
        )
        cursor.execute("VACUUM ANALYZE calls_callrecording")
        cursor.execute("VACUUM ANALYZE calls_callrecordingevent")
        cursor.execute("VACUUM ANALYZE audit_accesslogentry")
        # Write the load out now, so that the checkpoint it calls for does not fall in the
        # timed run (a steady-state server checkpoints on its own schedule, not ours).
        cursor.execute("CHECKPOINT")


def child_retention() -> dict:
    """The beat task's code path: privacy.tasks.enforce_retention(policy name)."""
    import django

    django.setup()
    from privacy.models import RetentionRun
    from privacy.tasks import enforce_retention

    started = time.perf_counter()
    result = enforce_retention("call-recordings")
    elapsed = time.perf_counter() - started
    run = RetentionRun.objects.get(pk=result["run"])
    return {
        **result,
        "seconds": elapsed,
        # When the last batch committed (rows, history and access log gone, files queued).
        "rows_seconds": (run.rows_finished_at - run.started_at).total_seconds(),
        "rss_mb": peak_rss_mb(),
    }


def child_django() -> dict:
    """The usual Django way: QuerySet.delete() and a post_delete receiver for the files."""
    from datetime import timedelta

    import django

    django.setup()
    from django.db.models.signals import post_delete
    from django.utils import timezone

    from calls.models import CallRecording

    def delete_file(sender, instance, **kwargs):
        if instance.audio:
            instance.audio.delete(save=False)

    post_delete.connect(delete_file, sender=CallRecording)
    started = time.perf_counter()
    deleted, _by_model = CallRecording.objects.filter(
        started_at__lt=timezone.now() - timedelta(days=30)
    ).delete()
    elapsed = time.perf_counter() - started
    return {
        "rows": _by_model.get("calls.CallRecording", 0),
        "seconds": elapsed,
        "rss_mb": peak_rss_mb(),
    }


def child_portable() -> dict:
    """The engine with trigger-by-trigger lifting, for a role that may not set the replica mode."""
    import django
    from django.conf import settings

    django.setup()
    settings.RETENTION_REPLICA_MODE = False
    from privacy.tasks import enforce_retention

    started = time.perf_counter()
    result = enforce_retention("call-recordings")
    return {**result, "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb()}


def unlink_floor(media: Path, count: int = 20_000) -> float:
    """Seconds a plain parallel os.unlink, with the engine's thread count, takes per file here:
    small files written out to this disk, then deleted (a file system that discards freed
    blocks at once makes each unlink wait for the disk)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    directory = media / "floor"
    directory.mkdir()
    paths = [directory / f"{number}.wav" for number in range(count)]
    content = tiny_wav()
    for path in paths:
        path.write_bytes(content)
    os.sync()
    workers = settings.RETENTION_FILE_WORKERS

    def unlink_all(part: list[Path]) -> None:
        for path in part:
            path.unlink()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(unlink_all, [paths[start::workers] for start in range(workers)]))
    return (time.perf_counter() - started) / count


def in_child(name: str, media: Path) -> dict:
    env = {"DJANGO_MEDIA_ROOT": str(media), "DJANGO_LOG_LEVEL": "WARNING"}
    return measured_in_child(__file__, "--child", name, env=env)


def verify(media: Path) -> None:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE started_at < now() - interval '30 days'), count(*) "
            "FROM calls_callrecording"
        )
        due, total = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM calls_callrecordingevent")
        (events,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM audit_accesslogentry")
        (entries,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM privacy_pendingfiledeletion")
        (pending,) = cursor.fetchone()
    files = sum(1 for _path in media.rglob("*.wav"))
    print(
        f"after the run: {due} due rows, {total} rows, {events} history events, "
        f"{entries} access-log entries, {files} files, {pending} queued deletions"
    )
    problems = []
    if due or total != NOT_DUE:
        problems.append("due rows are left")
    if events != NOT_DUE:
        problems.append("history of deleted rows is left (or kept rows lost theirs)")
    if entries or files or pending:
        problems.append("access-log entries, files or queued deletions are left")
    if problems:
        sys.exit("retention benchmark: " + "; ".join(problems))


def main() -> None:
    media = Path(tempfile.mkdtemp(prefix="pkregister-bench-media-"))
    os.environ["DJANGO_MEDIA_ROOT"] = str(media)
    try:
        started = time.perf_counter()
        database.create(BENCH_DB)
        database.migrate()
        setup(media)
        print(
            f"loaded {EXPIRED:,} due recordings ({WITH_FILES:,} with files, {LOGGED:,} with an "
            f"access-log entry) and {NOT_DUE:,} not due in {time.perf_counter() - started:.0f} s"
        )
        ours = in_child("retention", media)
        rows_per_s = ours["rows"] / ours["seconds"]
        purge_rows_per_s = ours["rows"] / ours["rows_seconds"]
        print(
            f"retention: {ours['rows']:,} rows and {ours['files']:,} files in "
            f"{ours['seconds']:.2f} s, {ours['errors']} errors, peak RSS {ours['rss_mb']:.0f} MB; "
            f"its batches (rows, history, access log) ended after {ours['rows_seconds']:.2f} s"
        )
        verify(media)
        per_file = unlink_floor(media)
        print(
            f"a plain parallel os.unlink of files on this disk: {per_file * 1e6:.0f} µs a file, "
            f"{per_file * WITH_FILES:.1f} s for the run's {WITH_FILES:,} files alone"
        )

        from django.db import connection

        with connection.cursor() as cursor:
            load(
                cursor,
                first=10_000_000,
                count=PORTABLE,
                files=PORTABLE // 10,
                days_old="interval '32 days'",
                media=media,
            )
            cursor.execute("VACUUM ANALYZE calls_callrecording")
            cursor.execute("CHECKPOINT")
        portable = in_child("portable", media)
        print(
            f"retention with pgtrigger.ignore instead of replica mode: {portable['rows']:,} rows "
            f"at {portable['rows'] / portable['seconds']:,.0f} rows/s"
        )

        with connection.cursor() as cursor:
            load(
                cursor,
                first=20_000_000,
                count=SLICE,
                files=SLICE_FILES,
                days_old="interval '33 days'",
                media=media,
            )
            cursor.execute("VACUUM ANALYZE calls_callrecording")
            cursor.execute("CHECKPOINT")
        theirs = in_child("django", media)
        django_rows_per_s = theirs["rows"] / theirs["seconds"]
        print(
            f"Django QuerySet.delete() + post_delete: {theirs['rows']:,} rows in "
            f"{theirs['seconds']:.2f} s, peak RSS {theirs['rss_mb']:.0f} MB "
            "(history and access log left behind)"
        )
        print(
            f"retention rows_per_s={rows_per_s:.0f} purge_rows_per_s={purge_rows_per_s:.0f} "
            f"rss_mb={ours['rss_mb']:.0f} django_rows_per_s={django_rows_per_s:.0f} "
            f"ratio={rows_per_s / django_rows_per_s:.1f} "
            f"unlink_floor_s={per_file * WITH_FILES:.1f}"
        )
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        task = {"retention": child_retention, "django": child_django, "portable": child_portable}
        print(json.dumps(task[sys.argv[2]]()))
    else:
        main()
