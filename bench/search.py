"""Search benchmark: typical staff searches over a million people, through the code the search
page uses, against Django admin's default search (an OR of icontains) on the same data.

Builds a separate database (pkregister_bench) once and keeps it between runs.
Final line: `search p95_ms=… admin_p95_ms=… ratio=…`.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pkregister")
BENCH_DB = "pkregister_bench"
os.environ["DATABASE_URL"] = BASE_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pkregister.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from customers.models import Customer, KnownName, customer_number_check_digit  # noqa: E402
from customers.search import search_customers  # noqa: E402

PEOPLE = 1_000_000
RUNS = 60
ADMIN_RUNS = 12

LAST_NAMES = """Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen
Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen Salo Laitinen
Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen Ojala Leppänen Kallio
Hiltunen Väisänen Leinonen Miettinen Aaltonen Pitkänen Manninen Hirvonen Anttila Karppinen Lehto
Huttunen Laaksonen Räsänen Peltonen Kettunen Lindholm Kärkkäinen Tikkanen Halonen Koivisto Mustonen
Toivonen Rinne Ahola Hakala Lindqvist Pesonen Virta Koponen Oksanen Seppälä Vainio Heino Nurmi
Pelkonen Lindroos Hyvönen Parviainen Kauppinen Honkanen Mäkipää Suominen Rautio Koivula Jääskeläinen
Kokkonen Turpeinen Sirviö Ikonen Ruotsalainen Harju Vartiainen Lampinen Nyman Moilanen Kangas Partanen
Koskela Lappalainen Backman Tiainen Heikkilä Asikainen Soininen Hakkarainen Kivelä Eskola""".split()
# Most Finns share their surname with few others: Korhonen, the commonest, is about 0.4 % of the
# population. Common surnames above are mixed with a long tail built from typical name parts.
_PARTS = """Mäki Koski Lahti Järvi Niemi Salo Kallio Rinne Vaara Lehto Lampi Korpi Harju Mänty Koivu
Kuusi Paju Haapa Leppä Tammi Saari Ranta Suo Aho Oja Joki Kivi Hiili Halla Pelto Vuori Kangas
Kaarlo Heikki Antti Mikko Pekka Juho Hannu Olli Matti Lauri Tuomi Honka Kataja Kontio Karhu Susi
Kettu Ilves Hirvi Joutsen Kurki Lintu Varis Sorsa Kala Hauki Lohi Ahven Särki Tähti Kuu Päivä
Talvi Kesä Kevät Syys Laakso Kumpu Mutka Nummi Pelkko Raja Rauta Teräs Kulta Hopea""".split()
_SUFFIXES = [
    "nen",
    "lä",
    "la",
    "ola",
    "ainen",
    "kangas",
    "mäki",
    "niemi",
    "salo",
    "koski",
    "lahti",
    "vaara",
    "järvi",
    "lampi",
    "rinne",
    "mo",
    "ström",
    "berg",
    "lund",
    "dahl",
]


def surnames() -> tuple[list[str], list[float]]:
    """About 1,800 surnames with weights so that the commonest is roughly 0.4 %."""
    names = list(dict.fromkeys(LAST_NAMES + [p + s for p in _PARTS for s in _SUFFIXES]))
    weights = [1 / (i + 150) for i in range(len(names))]
    return names, weights


FIRST_NAMES = """Juhani Johannes Mikael Olavi Onni Matias Elias Oliver Ilmari Eemeli Antero Tapani Kalevi
Mikko Timo Matti Pekka Jari Kari Jukka Markku Antti Janne Heikki Ville Tuomas Sami Petri Maria Helena
Johanna Anneli Kaarina Marjatta Anna Sofia Aino Emilia Tuula Päivi Riitta Leena Anne Pirjo Sari Minna
Tiina Laura Elina Hanna Kirsi Satu Eveliina Aurora Olivia Venla Helmi Ella Iida Sanna Noora""".split()
DOMAINS = ["esimerkki.fi", "posti.example", "mail.example", "pkterveys.example", "karjala.example"]


def _mangle(rng: random.Random, name: str) -> str:
    """A realistic typo: two neighbouring letters swapped, or one dropped."""
    i = rng.randrange(1, len(name) - 2)
    if rng.random() < 0.5:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + name[i + 1 :]


def _swap(rng: random.Random, name: str) -> str:
    """Two neighbouring letters swapped ("Ahnoen"), never two equal ones."""
    positions = [i for i in range(1, len(name) - 1) if name[i] != name[i + 1]]
    i = rng.choice(positions)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def ensure_database() -> None:
    import psycopg

    settings_db = connection.settings_dict
    with psycopg.connect(
        host=settings_db["HOST"] or None,
        port=settings_db["PORT"] or None,
        user=settings_db["USER"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    call_command("migrate", verbosity=0)


def load(rng: random.Random) -> None:
    have = Customer.objects.count()
    if have >= PEOPLE:
        KnownName.objects.add_missing()  # a database loaded by an older version of this script
        return
    print(
        f"Loading {PEOPLE - have:,} people into {BENCH_DB} (once; kept between runs)...", flush=True
    )
    started = time.perf_counter()
    last_names, weights = surnames()
    columns = (
        "customer_number, first_name, last_name, street_address, postal_code, city, country, "
        "email, phone, preferred_contact_method, preferred_language, wishes, interests, "
        "life_status, field_sources, version, created_at, updated_at"
    )
    buffer = io.StringIO()
    for n in range(have, PEOPLE):
        base = str(2_000_000 + n)
        first, last = rng.choice(FIRST_NAMES), rng.choices(last_names, weights)[0]
        email = f"{first}.{last}{n}@{rng.choice(DOMAINS)}".lower().translate(
            str.maketrans("äöå", "aoa")
        )
        buffer.write(
            "\t".join(
                [
                    base + customer_number_check_digit(base),
                    first,
                    last,
                    f"Kauppakatu {n % 97 + 1}",
                    "80100",
                    "Joensuu",
                    "FI",
                    email,
                    f"+3584{n % 10}{n:07d}"[:13],
                    "email",
                    "fi",
                    "",
                    "",
                    "active",
                    "{}",
                    "1",
                    "2026-01-01 00:00:00+00",
                    "2026-01-01 00:00:00+00",
                ]
            )
            + "\n"
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        # Bulk load without the history triggers: this is synthetic data, not a change.
        cursor.execute("SET session_replication_role = replica")
        with cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SET session_replication_role = DEFAULT")
    # The trigger that keeps the name dictionary was off; the daily job's step does the same.
    KnownName.objects.add_missing()
    with connection.cursor() as cursor:
        # The steady state of a live register, where autovacuum has run: statistics current,
        # the visibility map set (index-only scans).
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE customers_knownname")
    print(f"Loaded in {time.perf_counter() - started:.0f} s.", flush=True)


def queries(rng: random.Random) -> dict[str, list[str]]:
    sample = list(
        Customer.objects.filter(
            pk__in=[rng.randint(1, PEOPLE) for _ in range(RUNS * 2)]
        ).values_list("customer_number", "last_name", "email", "phone", "first_name")
    )[:RUNS]
    national, partial = [], []
    for _n, _l, _e, phone, _f in sample:
        digits = str(phone).replace("+358", "0")
        national.append(f"{digits[:3]} {digits[3:6]} {digits[6:]}")
        # The beginning of the number, 6 or 7 digits, as said on the phone: "040 809".
        partial.append(f"{digits[:3]} {digits[3 : rng.randint(6, 7)]}")
    return {
        "surname_fragment": [last[: rng.randint(4, 6)].lower() for _n, last, *_r in sample],
        "misspelt_surname": [_mangle(rng, last) for _n, last, *_r in sample],
        "phone_national": national,
        "email_fragment": [
            email.split("@")[0][-rng.randint(8, 12) :] for _n, _l, email, *_r in sample
        ],
        "customer_number": [number for number, *_rest in sample],
        # Two words: first name and the start of the last name, then last name and first name.
        "two_words_first_last": [
            f"{first.lower()} {last[: rng.randint(1, 3)].lower()}"
            for _n, last, _e, _p, first in sample
        ],
        "two_words_last_first": [f"{last} {first}" for _n, last, _e, _p, first in sample],
        # Two names that nobody bears together: no result, approximate matches offered.
        "two_words_nobody": [
            f"{last} {FIRST_NAMES[(FIRST_NAMES.index(first) + 1) % len(FIRST_NAMES)]}"
            for _n, last, _e, _p, first in sample
        ][: RUNS // 2]
        + [f"{_mangle(rng, last)} {first}" for _n, last, _e, _p, first in sample][: RUNS // 2],
        "transposition": [_swap(rng, last) for _n, last, _e, _p, _f in sample],
        "partial_phone": partial,
    }


def prewarm() -> None:
    """Read the register and the search's indexes into memory, as a working server holds them:
    staff search all day. Without it a run right after another benchmark (which evicted them)
    measures the disk, not the search (p95 30 ms cold against 11-13 ms warm, measured here)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        for relation in (
            "customers_customer",
            "customer_name_order",
            "customer_first_name",
            "customer_email_trgm",
            "customer_phone",
            "customers_customer_customer_number_key",
            "knownname_trgm",
        ):
            # Into the operating system's cache: together they exceed shared_buffers.
            cursor.execute("SELECT pg_prewarm(%s::regclass, 'read')", [relation])


def timed(function, argument) -> float:  # noqa: ANN001
    started = time.perf_counter()
    function(argument)
    return (time.perf_counter() - started) * 1000


def ours(query: str) -> None:
    result = search_customers(query)
    _ = result.count, list(result.page.object_list), result.near


def admin_default(query: str) -> None:
    """What ModelAdmin does with search_fields = [first_name, last_name, email, phone,
    customer_number]: an OR of icontains, one page of 100 and its count."""
    fields = ["first_name", "last_name", "email", "phone", "customer_number"]
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    queryset = Customer.objects.filter(condition).order_by("last_name", "first_name", "pk")
    _ = queryset.count(), list(queryset[:100])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    rng = random.Random(2018)  # noqa: S311
    ensure_database()
    load(rng)
    kinds = queries(rng)
    prewarm()
    for query_list in kinds.values():  # warm the caches once, as a working server would be
        ours(query_list[0])
    ours_p95, admin_p95 = {}, {}
    for kind, query_list in kinds.items():
        ours_ms = [timed(ours, q) for q in query_list]
        admin_ms = [timed(admin_default, q) for q in query_list[:ADMIN_RUNS]]
        ours_p95[kind], admin_p95[kind] = p95(ours_ms), p95(admin_ms)
        print(
            f"search_kind kind={kind} p95_ms={ours_p95[kind]:.1f} "
            f"median_ms={statistics.median(ours_ms):.1f} admin_p95_ms={admin_p95[kind]:.0f}",
            flush=True,
        )
    worst, admin_worst = max(ours_p95.values()), max(admin_p95.values())
    ratio = min(admin_p95[k] / ours_p95[k] for k in kinds)
    print(f"search p95_ms={worst:.1f} admin_p95_ms={admin_worst:.0f} ratio={ratio:.0f}")


if __name__ == "__main__":
    main()
