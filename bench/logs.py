"""Log-retention benchmark: the access log and the change history at register scale.

ACCESS rows of the access log (default 20,000,000) spread evenly over the last four years, so
that half are past the access-log policy's 2 years, and HISTORY change-history events (default
10,000,000, one table: call recordings' events) spread over the last ten years, so that half are
past the history policy's 5 years. Both policies run through the Celery task beat uses
(`privacy.tasks.enforce_retention`), in a child process whose peak RSS is measured, and the run
checks that exactly the rows past their period went.

The naive way, for comparison on the same table in the same run: Django's
`QuerySet.filter(at__lt=cutoff).delete()` on a fresh slice of SLICE due access-log rows (one
statement, one transaction holding every row's lock until it ends).

Builds its own database (pkregister_bench_logs) afresh on every run; sizes from
LOGS_BENCH_ACCESS, LOGS_BENCH_HISTORY and LOGS_BENCH_SLICE. Final line:
`logs rows_per_s=… access_rows_per_s=… history_rows_per_s=… rss_mb=… django_rows_per_s=… rows=…`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._database as database  # noqa: E402
from bench._memory import measured_in_child, peak_rss_mb  # noqa: E402

BENCH_DB = "pkregister_bench_logs"
database.use(BENCH_DB)

ACCESS = int(os.environ.get("LOGS_BENCH_ACCESS", 20_000_000))
HISTORY = int(os.environ.get("LOGS_BENCH_HISTORY", 10_000_000))
SLICE = int(os.environ.get("LOGS_BENCH_SLICE", 1_000_000))
HISTORY_POLICY = "history-calls-callrecordingevent"


def without_indexes(cursor, table: str):
    """Drop the table's secondary indexes and return the statements that recreate them (a bulk
    load then builds each index once, as a restore does)."""
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "LEFT JOIN pg_constraint c ON c.conname = i.indexname "
        "WHERE i.tablename = %s AND c.conname IS NULL",
        [table],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def load_access_log(cursor, *, count: int, span: str, offset: str) -> None:
    """`count` access-log entries, one user viewing customers, evenly over `span` ending
    `offset` ago, the oldest first (ids follow time, as they do when entries are written)."""
    cursor.execute(
        """
        INSERT INTO audit_accesslogentry (at, user_id, action, purpose, subject_type_id,
            subject_id, detail)
        SELECT now() - %s::interval - %s::interval * (1 - g::float8 / %s),
            (SELECT id FROM auth_user WHERE username = 'bench'), 'view', 'customer_service',
            (SELECT id FROM django_content_type WHERE app_label = 'customers'
             AND model = 'customer'),
            1 + g %% 1000000, ''
        FROM generate_series(1, %s) AS g
        """,
        [offset, span, count, count],
    )


def load_history(cursor, *, count: int) -> None:
    """`count` change-history events of call recordings, evenly over the last ten years."""
    cursor.execute(
        """
        INSERT INTO calls_callrecordingevent (pgh_created_at, pgh_label, pgh_obj_id, id, call_id,
            caller_number, customer_id, agent, queue, direction, started_at, duration_seconds,
            audio, content_type, size, sha256, expires_at, received_at)
        SELECT at, 'update', g, g, 'bench-' || g, '+358401234567', NULL, 'agent-1',
            'Asiakaspalvelu', 'inbound', at, 60, '', 'audio/wav', 76, repeat('0', 64),
            at + interval '30 days', at
        FROM (SELECT g, now() - interval '10 years' * (1 - g::float8 / %s) AS at
              FROM generate_series(1, %s) AS g) AS series
        """,
        [count, count],
    )


def setup() -> None:
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES "
            "('!', false, 'bench', '', '', '', false, true, now())"
        )
        for table, loader in (
            (
                "audit_accesslogentry",
                lambda: load_access_log(cursor, count=ACCESS, span="4 years", offset="1 minute"),
            ),
            ("calls_callrecordingevent", lambda: load_history(cursor, count=HISTORY)),
        ):
            recreate = without_indexes(cursor, table)
            loader()
            for statement in recreate:
                cursor.execute(statement)
            cursor.execute(f"VACUUM ANALYZE {table}")
        # Write the load out now, so that the checkpoint it calls for does not fall in the
        # timed run.
        cursor.execute("CHECKPOINT")


def counts() -> dict[str, int]:
    """How many rows each table has, and how many are past their policy's cutoff as the engine
    counts it (calendar years, from the start of a day)."""
    import django

    django.setup()
    from django.db import connection

    from privacy.declarations import policies

    access_cutoff = policies.get("access-log").cutoff()
    history_cutoff = policies.get(HISTORY_POLICY).cutoff()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE at < %s) FROM audit_accesslogentry",
            [access_cutoff],
        )
        access, access_due = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE pgh_created_at < %s) "
            "FROM calls_callrecordingevent",
            [history_cutoff],
        )
        history, history_due = cursor.fetchone()
    return {
        "access": access,
        "access_due": access_due,
        "history": history,
        "history_due": history_due,
    }


def child_engine() -> dict:
    """The beat task's code path, one policy after the other."""
    import django

    django.setup()
    from privacy.tasks import enforce_retention

    results = {}
    for name in ("access-log", HISTORY_POLICY):
        started = time.perf_counter()
        result = enforce_retention(name)
        results[name] = {**result, "seconds": time.perf_counter() - started}
    return {**results, "rss_mb": peak_rss_mb()}


def child_django() -> dict:
    """The usual Django way: one QuerySet.delete() of every due row."""
    import django

    django.setup()
    import pgtrigger

    from audit.models import PROTECT_TRIGGER, AccessLogEntry
    from privacy.declarations import policies

    cutoff = policies.get("access-log").cutoff()
    started = time.perf_counter()
    # The append-only trigger lifted for the statement, as the engine lifts it for its batches.
    with pgtrigger.ignore(f"audit.AccessLogEntry:{PROTECT_TRIGGER}"):
        deleted, _by_model = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    return {"rows": deleted, "seconds": time.perf_counter() - started, "rss_mb": peak_rss_mb()}


def in_child(name: str) -> dict:
    return measured_in_child(__file__, "--child", name, env={"DJANGO_LOG_LEVEL": "WARNING"})


def main() -> None:
    started = time.perf_counter()
    database.create(BENCH_DB)
    database.migrate()
    setup()
    before = counts()
    print(
        f"loaded {before['access']:,} access-log entries ({before['access_due']:,} past the 2 years) "
        f"and {before['history']:,} history events ({before['history_due']:,} past the 5 years) in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    ours = in_child("engine")
    after = counts()
    access, history = ours["access-log"], ours[HISTORY_POLICY]
    for name, result in (("access log", access), ("change history", history)):
        print(
            f"{name}: {result['rows']:,} rows in {result['seconds']:.1f} s "
            f"({result['rows'] / result['seconds']:,.0f} rows/s), {result['errors']} errors"
        )
    print(f"after the run: {json.dumps(after)}; peak RSS {ours['rss_mb']:.0f} MB")
    problems = []
    if after["access_due"] or after["access"] != before["access"] - before["access_due"]:
        problems.append("the access log kept rows past its period, or lost newer ones")
    if after["history_due"] or after["history"] != before["history"] - before["history_due"]:
        problems.append("the change history kept rows past its period, or lost newer ones")
    if problems:
        sys.exit("logs benchmark: " + "; ".join(problems))

    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        load_access_log(cursor, count=SLICE, span="1 year", offset="3 years")
        cursor.execute("VACUUM ANALYZE audit_accesslogentry")
        cursor.execute("CHECKPOINT")
    theirs = in_child("django")
    django_rows_per_s = theirs["rows"] / theirs["seconds"]
    print(
        f"Django QuerySet.delete(): {theirs['rows']:,} access-log rows in "
        f"{theirs['seconds']:.1f} s in one transaction, peak RSS {theirs['rss_mb']:.0f} MB"
    )
    rows = access["rows"] + history["rows"]
    seconds = access["seconds"] + history["seconds"]
    print(
        f"logs rows_per_s={rows / seconds:.0f} "
        f"access_rows_per_s={access['rows'] / access['seconds']:.0f} "
        f"history_rows_per_s={history['rows'] / history['seconds']:.0f} "
        f"rss_mb={ours['rss_mb']:.0f} django_rows_per_s={django_rows_per_s:.0f} rows={rows}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        task = {"engine": child_engine, "django": child_django}[sys.argv[2]]
        print(json.dumps(task()))
    else:
        main()
