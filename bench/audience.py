"""Audience benchmark: every marketable person of a million streamed to CSV through the code the
export job uses, against the naive way (a consent and ban lookup per person).

Reuses the search benchmark's database (pkregister_bench) and its million people, and adds a
realistic mix of consents, withdrawals, bans, restrictions, deaths and moves abroad once, with
set-based SQL. The stream runs in a child process so that its peak RSS is its own.
Final line: `audience rows=… seconds=… rss_mb=… naive_rows_per_s=…`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import search as people_bench  # noqa: E402  (sets up Django on pkregister_bench)
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench._memory import peak_rss_mb  # noqa: E402
from consents.audiences import AudienceFilters, audience, write_audience  # noqa: E402
from consents.models import (  # noqa: E402
    Ban,
    BanKind,
    ConsentPurpose,
    ConsentState,
    ConsentWording,
    ContactChannel,
)
from customers.models import Customer, LifeStatus  # noqa: E402
from privacy.models import Restriction  # noqa: E402

NAIVE_PEOPLE = 10_000
PURPOSE = "email-marketing"

# Per mille of people, chosen by a hash of their id so that each trait falls independently.
MIX = {
    "email_consent": 620,  # gave consent to email marketing ...
    "withdrawn": 50,  # ... of whom this many later withdrew
    "sms_consent": 300,
    "direct_marketing_ban": 30,
    "objection": 5,
    "survey_ban": 20,
    "telemarketing_ban": 10,
    "restricted": 3,
    "deceased": 10,
    "moved_abroad": 5,
}


def picked(trait: str, alias: str = "c") -> str:
    """SQL: whether the person has the trait (deterministic, independent per trait)."""
    return f"mod(abs(hashtext({alias}.id::text || '{trait}')), 1000) < {MIX[trait]}"


def load_choices() -> None:
    email = ConsentPurpose.objects.get(code=PURPOSE)
    if ConsentState.objects.filter(purpose=email).exists():
        return
    print("Adding consents, bans and restrictions to the bench people (once)...", flush=True)
    started = time.perf_counter()
    sms = ConsentPurpose.objects.get(code="sms-marketing")
    user, _created = User.objects.get_or_create(username="bench")
    with transaction.atomic(), connection.cursor() as cursor:
        # Synthetic data, not changes: no history triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for purpose, trait in ((email, "email_consent"), (sms, "sms_consent")):
            wording = ConsentWording.objects.get(purpose=purpose, version=1)
            cursor.execute(
                "INSERT INTO consents_consentevent (customer_id, purpose_id, wording_id, action, "
                "channel, evidence, evidence_file, recorded_by_id, at) "
                f"SELECT c.id, %s, %s, 'give', 'web', '', '', %s, now() - interval '200 days' "
                f"FROM customers_customer c WHERE {picked(trait)}",
                [purpose.pk, wording.pk, user.pk],
            )
            cursor.execute(
                "INSERT INTO consents_consentevent (customer_id, purpose_id, wording_id, action, "
                "channel, evidence, evidence_file, recorded_by_id, at) "
                "SELECT c.id, %s, %s, 'withdraw', 'email', '', '', %s, now() - interval '20 days' "
                f"FROM customers_customer c WHERE {picked(trait)} AND {picked('withdrawn')}",
                [purpose.pk, wording.pk, user.pk],
            )
            cursor.execute(
                "INSERT INTO consents_consentstate (customer_id, purpose_id, given, wording_id, "
                "last_event_id, changed_at) "
                "SELECT DISTINCT ON (e.customer_id) e.customer_id, e.purpose_id, "
                "e.action = 'give', e.wording_id, e.id, e.at FROM consents_consentevent e "
                "WHERE e.purpose_id = %s ORDER BY e.customer_id, e.at DESC",
                [purpose.pk],
            )
        for kind, trait in (
            (BanKind.DIRECT_MARKETING, "direct_marketing_ban"),
            (BanKind.OBJECTION, "objection"),
            (BanKind.SURVEYS, "survey_ban"),
            (BanKind.TELEMARKETING, "telemarketing_ban"),
        ):
            cursor.execute(
                "INSERT INTO consents_ban (customer_id, kind, started_on, channel, note, "
                "recorded_by_id, recorded_at) SELECT c.id, %s, current_date - 30, 'phone', '', "
                f"%s, now() - interval '30 days' FROM customers_customer c WHERE {picked(trait)}",
                [kind, user.pk],
            )
        cursor.execute(
            "INSERT INTO privacy_restriction (customer_id, reason, set_at, set_by_id, "
            "lift_reason) SELECT c.id, 'bench', now(), %s, '' FROM customers_customer c "
            f"WHERE {picked('restricted')}",
            [user.pk],
        )
        for status, trait in (
            (LifeStatus.DECEASED, "deceased"),
            (LifeStatus.MOVED_ABROAD, "moved_abroad"),
        ):
            cursor.execute(
                f"UPDATE customers_customer c SET life_status = %s WHERE {picked(trait)}",
                [status],
            )
    with connection.cursor() as cursor:
        # A working database is vacuumed by autovacuum; a bulk load is not yet.
        for table in (
            "consents_consentevent",
            "consents_consentstate",
            "consents_ban",
            "privacy_restriction",
            "customers_customer",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"Added in {time.perf_counter() - started:.0f} s.", flush=True)


def people():
    return audience(purpose=PURPOSE, channel=ContactChannel.EMAIL, filters=AudienceFilters())


def child_stream() -> None:
    """Stream the audience to a CSV file as the export job does; print rows, seconds and peak
    RSS as JSON."""
    with tempfile.TemporaryFile() as handle:
        started = time.perf_counter()
        ids = write_audience(people(), channel=ContactChannel.EMAIL, fmt="csv", handle=handle)
        seconds = time.perf_counter() - started
        size = handle.tell()
    peak_mb = peak_rss_mb()
    print(json.dumps({"rows": len(ids), "seconds": seconds, "rss_mb": peak_mb, "bytes": size}))


def copy_reference() -> tuple[int, float]:
    """The same rows with PostgreSQL COPY straight to CSV: the limit to approach."""
    queryset = people().values_list(
        "customer_number", "first_name", "last_name", "preferred_language", "email"
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params)
        started = time.perf_counter()
        total = 0
        with (
            tempfile.TemporaryFile() as handle,
            cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')") as copy,
        ):
            for block in copy:
                handle.write(block)
                total += 1
        return total, time.perf_counter() - started


def naive(limit: int) -> tuple[int, float]:
    """A consent, ban and restriction lookup per person: how a loop over people would do it."""
    purpose = ConsentPurpose.objects.get(code=PURPOSE)
    blocking = purpose.blocking_bans(ContactChannel.EMAIL)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    rows = 0
    started = time.perf_counter()
    for person in Customer.objects.order_by("pk")[:limit]:
        if person.life_status != LifeStatus.ACTIVE or not person.email:
            continue
        if not ConsentState.objects.filter(customer=person, purpose=purpose, given=True).exists():
            continue
        if Ban.objects.in_force().filter(customer=person, kind__in=blocking).exists():
            continue
        if Restriction.objects.in_force().filter(customer=person).exists():
            continue
        writer.writerow(
            [
                person.customer_number,
                person.first_name,
                person.last_name,
                person.preferred_language,
                person.email,
            ]
        )
        rows += 1
    return limit, time.perf_counter() - started


def main() -> None:
    if "--child" in sys.argv:
        child_stream()
        return
    rng = random.Random(2018)  # noqa: S311
    people_bench.ensure_database()
    people_bench.load(rng)
    load_choices()
    expected = people().count()
    _blocks, copy_seconds = copy_reference()
    print(
        f"audience_copy rows={expected} seconds={copy_seconds:.2f} (PostgreSQL COPY, reference)",
        flush=True,
    )
    connection.close()
    runs = []
    for _ in range(3):  # the first run warms the caches, as a working server would be
        child = subprocess.run(
            [sys.executable, __file__, "--child"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    best = min(runs[1:], key=lambda run: run["seconds"])
    assert best["rows"] == expected, (best["rows"], expected)
    print(
        "audience_runs seconds="
        + ",".join(f"{run['seconds']:.2f}" for run in runs)
        + f" file_mb={best['bytes'] / 1e6:.0f}",
        flush=True,
    )
    checked, naive_seconds = naive(NAIVE_PEOPLE)
    print(
        f"audience rows={best['rows']} seconds={best['seconds']:.2f} rss_mb={best['rss_mb']:.0f} "
        f"naive_rows_per_s={checked / naive_seconds:.0f}"
    )


if __name__ == "__main__":
    main()
