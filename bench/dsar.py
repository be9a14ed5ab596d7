"""Data-subject request benchmark: one person with 10,000 related rows among many other people.

The person has call recordings with real files, feedback, website visits and access-log entries
(10,000 rows together) among OTHERS (default 1,000,000) other people. Measured, each in a child
process whose peak RSS is read: the access package built by its job (`dsar.access.build`), and
the erasure on request (`dsar.erasure.execute`, i.e. `erase_person(reason=REQUEST)`). The query
counts of both are measured too, for this person and for one with a tenth of the rows: they
should not grow with the rows (the package reads in chunks of 2,000). The naive ways run on a
third person with the same rows: Django's JSON serializer with every row and file in memory
(no PDF, no labels, no withholding), and QuerySet.delete() per model (history and access log
left behind). Peak RSS is each child's own (VmHWM), not the loading parent's.

Builds its own database (pkregister_bench_dsar) afresh on every run. Final line:
`dsar access_s=… erase_s=… rss_mb=… access_queries=… access_queries_small=… erase_queries=…`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._database as database  # noqa: E402
from bench._memory import measured_in_child, peak_rss_mb  # noqa: E402

BENCH_DB = "pkregister_bench_dsar"
database.use(BENCH_DB)

OTHERS = int(os.environ.get("DSAR_BENCH_OTHERS", 1_000_000))
# The person's 10,000 rows.
RECORDINGS = 1_000
FEEDBACK = 4_000
VISITS = 3_000
LOG_ENTRIES = 2_000


def setup_django(media: str) -> None:
    os.environ["DJANGO_MEDIA_ROOT"] = media
    import django

    django.setup()


def load_others(connection) -> None:
    from customers.models import customer_number_check_digit

    columns = (
        "customer_number, first_name, last_name, street_address, postal_code, city, country, "
        "email, phone, preferred_contact_method, preferred_language, wishes, interests, "
        "life_status, field_sources, version, created_at, updated_at"
    )
    buffer = io.StringIO()
    for n in range(OTHERS):
        base = str(3_000_000 + n)
        row = [
            base + customer_number_check_digit(base),
            "Muu",
            f"Henkilö{n}",
            "Kauppakatu 1",
            "80100",
            "Joensuu",
            "FI",
            f"muu{n}@example.fi",
            f"+3585{n:08d}"[:13],
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
        buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        with cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM ANALYZE customers_customer")


def make_person(scale: int, officer, *, name: str = "Benchmark") -> int:
    """Create the person with their rows (divided by `scale`) and a verified access and
    erasure request; return the request's id."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from audit.models import AccessAction, AccessLogEntry, AccessPurpose
    from calls.models import CallRecording
    from customers.models import Customer
    from dsar import services
    from feedback.models import Feedback, WebsiteVisit

    person = Customer.objects.create(first_name=name, last_name=f"Henkilö{scale}")
    now = timezone.now()
    audio = b"RIFF" + b"\0" * 2044
    recordings = []
    for n in range(RECORDINGS // scale):
        stored = default_storage.save(f"calls/bench-{name}-{scale}-{n}.wav", ContentFile(audio))
        recordings.append(
            CallRecording(
                call_id=f"bench-{name}-{scale}-{n}",
                customer=person,
                agent="agent",
                queue="Asiakaspalvelu",
                direction="inbound",
                started_at=now - timedelta(days=1),
                duration_seconds=60,
                audio=stored,
                content_type="audio/wav",
                size=len(audio),
                sha256="0" * 64,
                expires_at=now + timedelta(days=29),
                received_at=now,
            )
        )
    CallRecording.objects.bulk_create(recordings, batch_size=1_000)
    Feedback.objects.bulk_create(
        [
            Feedback(customer=person, channel="web", topic="other", text=f"Palaute {n}")
            for n in range(FEEDBACK // scale)
        ],
        batch_size=2_000,
    )
    from accounts.models import ApiClient
    from consents.models import AnalyticsConsent

    client, _token = ApiClient.issue(name=f"bench-{name}-{scale}", scopes=["visits"])
    consent = AnalyticsConsent.objects.create(
        visitor_id=uuid.uuid4(), banner_version="bench", customer=person, given_through=client
    )
    WebsiteVisit.objects.bulk_create(
        [
            WebsiteVisit(
                visited_at=now,
                ip_address="192.0.2.1",
                customer=person,
                consent=consent,
                received_from=client,
            )
            for _n in range(VISITS // scale)
        ],
        batch_size=2_000,
    )
    for _n in range(LOG_ENTRIES // scale):
        AccessLogEntry.record(
            actor=officer,
            action=AccessAction.VIEW,
            purpose=AccessPurpose.CUSTOMER_SERVICE,
            subject=person,
        )
    dsar = services.register_request(
        types=["access", "erasure"],
        channel="letter",
        requester_name="Benchmark Henkilö",
        received_on=timezone.localdate(),
        customer=person,
        by=officer,
    ).request
    services.verify_identity(dsar=dsar, method="strong_eid", note="", by=officer)
    return dsar.pk


def measure(what: str, request_pk: int) -> dict:
    """Run in a child process: build the package or erase the person (our way, or the naive
    way); time, RSS, queries."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dsar import access, erasure
    from dsar.models import AccessPackage, DataSubjectRequest

    officer = User.objects.get(username="bench-officer")
    dsar = DataSubjectRequest.objects.get(pk=request_pk)
    before = peak_rss_mb()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        if what == "access":
            package = AccessPackage.objects.create(request=dsar, created_by=officer)
            access.build(package.pk)
        elif what == "erase":
            plan = erasure.preview(dsar=dsar, by=officer)
            erasure.execute(dsar=dsar, plan=plan, by=officer)
        elif what == "naive_access":
            naive_access(dsar.customer_id)
        else:
            naive_erase(dsar.customer_id)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
        "rss_before_mb": before,
        "queries": len(queries.captured_queries),
    }


def naive_access(customer_pk: int) -> None:
    """The naive way: Django's JSON serializer over each declared model's rows, every row and
    file read into memory, then one zip."""
    from django.core import serializers
    from django.db import models

    from dsar.access import declared_rows
    from privacy.declarations import registry

    parts, files = {}, {}
    for declaration in registry.declarations():
        rows = list(declared_rows(declaration, customer_pk))
        parts[declaration.model] = serializers.serialize("json", rows)
        for row in rows:
            for target in row._meta.fields:
                stored = (
                    getattr(row, target.attname) if isinstance(target, models.FileField) else None
                )
                if stored:
                    with stored.open("rb") as source:
                        files[f"{declaration.model}/{row.pk}"] = source.read()
    with zipfile.ZipFile(io.BytesIO(), "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(f"{name}.json", text)
        for name, content in files.items():
            archive.writestr(name, content)


def naive_erase(customer_pk: int) -> None:
    """The naive way: Django's QuerySet.delete() on each declared model's rows of the person
    (passes until no protected reference is left), then the person; a post_delete receiver
    deletes each file. The change history and the access log about them are left behind."""
    from django.db import DatabaseError, transaction
    from django.db.models import ProtectedError
    from django.db.models.signals import post_delete

    from calls.models import CallRecording
    from customers.models import Customer
    from dsar.access import declared_rows
    from privacy.declarations import registry

    def delete_file(sender, instance, **kwargs):
        if instance.audio:
            instance.audio.delete(save=False)

    post_delete.connect(delete_file, sender=CallRecording)
    left = [d for d in registry.declarations() if d.model_class is not Customer]
    for _attempt in range(5):
        blocked = []
        for declaration in left:
            try:
                with transaction.atomic():
                    declared_rows(declaration, customer_pk).delete()
            except (ProtectedError, DatabaseError):
                blocked.append(declaration)
        left = blocked
    Customer.objects.filter(pk=customer_pk).delete()


def child(what: str, request_pk: int, media: str) -> dict:
    return measured_in_child(__file__, "--measure", what, str(request_pk), media)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        setup_django(sys.argv[4])
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    media = tempfile.mkdtemp(prefix="pkregister-bench-dsar-")
    database.create(BENCH_DB)
    setup_django(media)
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"Loading {OTHERS:,} other people...", flush=True)
    started = time.perf_counter()
    load_others(connection)
    print(f"Loaded in {time.perf_counter() - started:.0f} s.", flush=True)
    officer = User.objects.create_user("bench-officer", password="x" * 20)
    big = make_person(1, officer)
    small = make_person(10, officer)
    naive = make_person(1, officer, name="Naiivi")
    connection.close()

    access_big = child("access", big, media)
    access_small = child("access", small, media)
    access_naive = child("naive_access", naive, media)
    erase_big = child("erase", big, media)
    erase_small = child("erase", small, media)
    try:
        erase_naive = child("naive_erase", naive, media)
    except subprocess.CalledProcessError as refused:
        erase_naive = {
            "seconds": float("nan"),
            "rss_mb": float("nan"),
            "refused": refused.stderr[-300:],
        }
    print(
        json.dumps(
            {
                "access": access_big,
                "access_small": access_small,
                "access_naive": access_naive,
                "erase": erase_big,
                "erase_small": erase_small,
                "erase_naive": erase_naive,
            },
            indent=1,
        )
    )
    print(
        f"naive ways on a person with the same rows: Django's serializer {access_naive['seconds']:.2f} s, "
        f"peak RSS {access_naive['rss_mb']:.0f} MB; Django's QuerySet.delete() per model "
        f"{erase_naive['seconds']:.2f} s, peak RSS {erase_naive['rss_mb']:.0f} MB "
        "(history and access log left behind)"
    )
    print(
        f"dsar access_s={access_big['seconds']:.2f} erase_s={erase_big['seconds']:.2f} "
        f"rss_mb={max(access_big['rss_mb'], erase_big['rss_mb']):.0f} "
        f"access_queries={access_big['queries']} access_queries_small={access_small['queries']} "
        f"erase_queries={erase_big['queries']} erase_queries_small={erase_small['queries']} "
        f"naive_access_s={access_naive['seconds']:.2f} naive_access_rss_mb={access_naive['rss_mb']:.0f} "
        f"naive_erase_s={erase_naive['seconds']:.2f} others={OTHERS}"
    )


if __name__ == "__main__":
    main()
