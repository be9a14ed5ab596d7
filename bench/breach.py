# ruff: noqa: S608 (SQL built from constants of this script)
"""Breach benchmark: "everyone one staff account viewed, exported, listened to or changed in 30
days", found for a breach at the register's real size, against the naive way.

1,000,000 people; an access log of 3,000,000 entries by 200 staff accounts and 2 API clients over
a year, plus the investigated account's own year (110,000 entries, about 9,000 in the last 30
days); the change history of 200,000 changes (contexts and customer events), 2,000 of them the
account's. The search runs through the service the admin page calls (breaches.services
.people_find: the access log and every tracked model's history in one INSERT … SELECT). The
naive way, in the same run: the ORM, entry by entry, a get-or-create and an update per person.

Builds its own database (pkregister_bench_breach) afresh, loads it with set-based SQL inside the
server (generate_series, triggers off: synthetic data, not changes), vacuums it as autovacuum
would, and drops it at the end (unless BENCH_KEEP=1). Final line: `breach people_s=… naive_s=… ratio=… people=…`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._database as database  # noqa: E402

BENCH_DB = "pkregister_bench_breach"
database.use(BENCH_DB)

PEOPLE = 1_000_000
STAFF = 200
LOG_ENTRIES = 3_000_000
TARGET_ENTRIES = 110_000  # a year of one busy account: about 300 a day
CHANGES = 200_000
TARGET_CHANGES = 2_000
RUNS = 5
YEAR_SECONDS = 365 * 86400


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    database.drop(BENCH_DB)


def load() -> None:
    """Load what is missing (a kept database skips the steps already done)."""
    from django.apps import apps
    from django.db import connection

    started = time.perf_counter()
    customer_event = apps.get_model("customers", "CustomerEvent")
    copied = [
        f.column for f in customer_event._meta.concrete_fields if not f.column.startswith("pgh_")
    ]
    with connection.cursor() as cursor:

        def missing(sql: str, params: list | None = None) -> bool:
            cursor.execute(f"SELECT NOT EXISTS ({sql})", params)
            return cursor.fetchone()[0]

        def one(sql: str, params: list | None = None):
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

        cursor.execute("SET session_replication_role = replica")
        if missing("SELECT 1 FROM customers_customer"):
            cursor.execute(
                "INSERT INTO customers_customer (customer_number, first_name, last_name, "
                "street_address, postal_code, city, country, email, phone, "
                "preferred_contact_method, preferred_language, wishes, interests, life_status, "
                "field_sources, version, created_at, updated_at) "
                "SELECT (2000000 + g)::text || '0', 'Etunimi', 'Sukunimi' || (g %% 5000), "
                "'Kauppakatu ' || (g %% 97 + 1), '80100', 'Joensuu', 'FI', "
                "'henkilo' || g || '@example.fi', '+3584' || lpad(g::text, 9, '0'), 'email', "
                "'fi', '', '', 'active', '{}', 1, now() - interval '2 years', "
                "now() - interval '2 years' FROM generate_series(1, %s) AS g",
                [PEOPLE],
            )
        if missing("SELECT 1 FROM auth_user WHERE username = 'bench-0'"):
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined) "
                "SELECT '!', false, 'bench-' || g, '', '', '', false, true, now() "
                "FROM generate_series(0, %s) AS g",
                [STAFF],
            )
            cursor.execute(
                "INSERT INTO accounts_apiclient (name, scopes, token_prefix, token_hash, "
                "created_at) SELECT 'bench-client-' || g, ARRAY['consents'], 'bench' || g, "
                "repeat('0', 64), now() FROM generate_series(1, 2) AS g"
            )
        target = one("SELECT id FROM auth_user WHERE username = 'bench-0'")
        first_client = one("SELECT min(id) FROM accounts_apiclient")
        customer_type = one(
            "SELECT id FROM django_content_type WHERE app_label = 'customers' "
            "AND model = 'customer'"
        )
        # Everyone else's year: views mostly, some exports and playbacks; one entry in 50 by an
        # API client. Subjects spread over the register by a multiplicative hash.
        if missing("SELECT 1 FROM audit_accesslogentry WHERE user_id <> %s", [target]):
            cursor.execute(
                "INSERT INTO audit_accesslogentry (at, user_id, api_client_id, action, purpose, "
                "subject_type_id, subject_id) "
                "SELECT now() - (g %% %s) * interval '1 second', "
                "CASE WHEN g %% 50 = 0 THEN NULL ELSE %s + 1 + g %% %s END, "
                "CASE WHEN g %% 50 = 0 THEN %s + g %% 2 END, "
                "CASE WHEN g %% 40 = 0 THEN 'export' WHEN g %% 97 = 0 THEN 'playback' "
                "ELSE 'view' END, 'customer_service', %s, 1 + (g * 7919::bigint) %% %s "
                "FROM generate_series(1, %s) AS g",
                [YEAR_SECONDS, target, STAFF, first_client, customer_type, PEOPLE, LOG_ENTRIES],
            )
        # The investigated account's year, evenly spread.
        if missing("SELECT 1 FROM audit_accesslogentry WHERE user_id = %s", [target]):
            cursor.execute(
                "INSERT INTO audit_accesslogentry (at, user_id, action, purpose, "
                "subject_type_id, subject_id) "
                "SELECT now() - (g::bigint * %s / %s) * interval '1 second', %s, "
                "CASE WHEN g %% 30 = 0 THEN 'export' ELSE 'view' END, 'customer_service', %s, "
                "1 + (g * 104729::bigint) %% %s FROM generate_series(1, %s) AS g",
                [YEAR_SECONDS, TARGET_ENTRIES, target, customer_type, PEOPLE, TARGET_ENTRIES],
            )
        # The change history: one context (a request) per change, its event a copy of the row.
        if missing("SELECT 1 FROM pghistory_context"):
            cursor.execute(
                "CREATE TEMP TABLE bench_change AS SELECT g, gen_random_uuid() AS context, "
                "now() - (g::bigint * %s / %s) * interval '1 second' AS at, "
                "CASE WHEN g %% %s = 0 THEN %s ELSE %s + 1 + g %% %s END AS user_id, "
                "1 + (g * 15485863::bigint) %% %s AS customer_id "
                "FROM generate_series(1, %s) AS g",
                [
                    YEAR_SECONDS,
                    CHANGES,
                    CHANGES // TARGET_CHANGES,
                    target,
                    target,
                    STAFF,
                    PEOPLE,
                    CHANGES,
                ],
            )
            cursor.execute(
                "INSERT INTO pghistory_context (id, metadata, created_at, updated_at) "
                "SELECT context, jsonb_build_object('user', user_id), at, at FROM bench_change"
            )
            columns = ", ".join(copied)
            values = ", ".join(f"c.{column}" for column in copied)
            cursor.execute(
                f"INSERT INTO {customer_event._meta.db_table} (pgh_created_at, pgh_label, "
                f"pgh_obj_id, pgh_context_id, {columns}) "
                f"SELECT b.at, 'update', c.id, b.context, {values} "
                "FROM bench_change b JOIN customers_customer c ON c.id = b.customer_id"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        for table in (
            "customers_customer",
            "audit_accesslogentry",
            "pghistory_context",
            customer_event._meta.db_table,
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"Loaded in {time.perf_counter() - started:.0f} s.", flush=True)


def new_breach():
    from django.contrib.auth.models import User
    from django.utils import timezone

    from breaches.models import Breach

    officer = User.objects.get(username=f"bench-{STAFF}")
    return Breach.objects.create(
        reference=f"BENCH-{time.monotonic_ns() % 10**12}",
        became_aware_at=timezone.now(),
        description="bench",
        kind="confidentiality",
        nature="access",
        created_by=officer,
    ), officer


def ours(target_pk: int, start, end) -> tuple[float, int]:
    from breaches import services
    from breaches.models import FindMethod

    breach, officer = new_breach()
    began = time.perf_counter()
    found = services.people_find(
        breach=breach,
        method=FindMethod.STAFF_ACCOUNT,
        by=officer,
        user_pk=target_pk,
        start=start,
        end=end,
    )
    return time.perf_counter() - began, found.found


def naive(target_pk: int, start, end) -> tuple[float, int]:
    """Entry by entry through the ORM, as a first version would: a get-or-create and an update
    per entry, and the history read context by context."""
    from django.contrib.contenttypes.models import ContentType
    from pghistory.models import Context

    from audit.models import AccessLogEntry
    from breaches.models import AffectedPerson
    from customers.models import Customer, CustomerEvent

    breach, officer = new_breach()
    customer_type = ContentType.objects.get_for_model(Customer)
    began = time.perf_counter()

    def add(customer_id: int, what: str) -> None:
        person, _created = AffectedPerson.objects.get_or_create(
            breach=breach, customer_id=customer_id, defaults={"found_by": officer}
        )
        if what not in person.involved:
            person.involved = sorted([*person.involved, what])
            person.save(update_fields=["involved"])

    entries = AccessLogEntry.objects.filter(user_id=target_pk, at__gte=start, at__lt=end)
    for entry in entries.iterator():
        if entry.subject_type_id == customer_type.pk:
            add(entry.subject_id, entry.action)
    for context in Context.objects.filter(metadata__user=target_pk).iterator():
        for event in CustomerEvent.objects.filter(
            pgh_context=context, pgh_created_at__gte=start, pgh_created_at__lt=end
        ):
            add(event.pgh_obj_id, "change")
    elapsed = time.perf_counter() - began
    return elapsed, AffectedPerson.objects.filter(breach=breach).count()


def main() -> None:
    print(f"Building {BENCH_DB} (dropped at the end unless BENCH_KEEP=1)...", flush=True)
    # A run with BENCH_KEEP=1 left its database: each loading step below is skipped when its
    # rows are there.
    database.create(BENCH_DB, keep=True)
    database.migrate()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.utils import timezone

    try:
        load()
        target = User.objects.get(username="bench-0")
        end = timezone.now()
        start = end - timedelta(days=30)
        timings, people = [], 0
        for _run in range(RUNS):
            seconds, people = ours(target.pk, start, end)
            timings.append(seconds)
        people_s = statistics.median(timings)
        print(
            f"ours: {people:,} people, median {people_s:.3f} s of {RUNS} "
            f"(min {min(timings):.3f}, max {max(timings):.3f})",
            flush=True,
        )
        naive_s, naive_people = naive(target.pk, start, end)
        print(f"naive: {naive_people:,} people in {naive_s:.2f} s", flush=True)
        if naive_people != people:
            raise SystemExit(f"The naive way found {naive_people}, ours {people}.")
    finally:
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 keeps it to look at the plans
            drop_database()
    print(
        f"breach people_s={people_s:.3f} naive_s={naive_s:.2f} "
        f"ratio={naive_s / people_s:.1f} people={people}"
    )


if __name__ == "__main__":
    main()
