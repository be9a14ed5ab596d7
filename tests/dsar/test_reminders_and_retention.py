"""The daily reminder (frozen clock), the declarations and the retention of closed requests,
the reports and the register's CSV export."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dsar import services
from dsar.models import (
    DataSubjectRequest,
    IdentityMethod,
    RequestDocument,
    TimelineEntry,
)
from dsar.personal_data import CLOSED_REQUESTS
from privacy import retention
from privacy.declarations import registry
from tests.customers.factories import CustomerFactory
from tests.dsar.conftest import PNG
from tests.dsar.factories import make_request, settle_all

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


def test_the_reminder_mails_references_and_links_only(privacy_officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://rekisteri.example"
    privacy_officer.email = "tietosuoja@example.fi"
    privacy_officer.save()
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=HELSINKI), tick=False):
        soon = make_request(
            by=privacy_officer, received_on=date(2027, 2, 5), requester_name="Salainen Nimi"
        )  # due 5.3.2027
        late = make_request(by=privacy_officer, received_on=date(2027, 1, 20))  # due 22.2.
        make_request(by=privacy_officer, received_on=date(2027, 2, 25))  # due 25.3.
        closed = make_request(by=privacy_officer, received_on=date(2027, 1, 10))
        services.withdraw(dsar=closed, note="", by=privacy_officer)
    with time_machine.travel(datetime(2027, 3, 1, 7, 5, tzinfo=HELSINKI), tick=False):
        from dsar.tasks import remind_request_deadlines

        assert remind_request_deadlines() == 2
    (message,) = mail.outbox
    assert message.to == ["tietosuoja@example.fi"]
    assert soon.reference in message.body and late.reference in message.body
    assert closed.reference not in message.body
    assert (
        f"https://rekisteri.example/admin/dsar/datasubjectrequest/{soon.pk}/change/" in message.body
    )
    assert "Salainen" not in message.body and "Maija" not in message.body


def test_no_mail_when_nothing_is_due(privacy_officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    privacy_officer.email = "tietosuoja@example.fi"
    privacy_officer.save()
    make_request(by=privacy_officer)
    assert services.send_deadline_reminders() == 0
    assert not mail.outbox


def test_the_reminder_is_a_scheduled_job(settings):
    job = settings.SCHEDULED_JOBS["remind-request-deadlines"]
    assert job["task"] == "dsar.tasks.remind_request_deadlines"
    assert "remind-request-deadlines" in settings.CELERY_BEAT_SCHEDULE


def test_every_request_model_is_declared_with_its_policy():
    for name in (
        "datasubjectrequest",
        "requestpause",
        "timelineentry",
        "requestdocument",
        "requestletter",
    ):
        declaration = registry.personal[f"dsar.{name}"]
        assert declaration.retention is CLOSED_REQUESTS
    assert "data-subject-requests" in retention.policies.names()
    assert CLOSED_REQUESTS.problems() == []


def test_closed_requests_are_erased_after_the_period_with_their_files(privacy_officer, media_root):
    with time_machine.travel(datetime(2021, 3, 1, 12, tzinfo=HELSINKI), tick=False):
        old = make_request(
            by=privacy_officer,
            received_on=date(2021, 2, 1),
            documents=[SimpleUploadedFile("kirje.png", PNG, content_type="image/png")],
        )
        services.verify_identity(
            dsar=old, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
        )
        settle_all(old, by=privacy_officer)
        services.complete(dsar=old, summary="Vastattu", granted_in_full=True, by=privacy_officer)
        still_open = make_request(by=privacy_officer, received_on=date(2021, 2, 1))
    with time_machine.travel(datetime(2022, 3, 1, 12, tzinfo=HELSINKI), tick=False):
        recent = make_request(by=privacy_officer, received_on=date(2022, 2, 1))
        services.withdraw(dsar=recent, note="", by=privacy_officer)
    stored = [RequestDocument.objects.get(request=old).file.name, old.letters.get().file.name]
    assert all((media_root / name).exists() for name in stored)
    # Closed 1.3.2021: kept through 1.3.2026, gone on 2.3.2026.
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=HELSINKI), tick=False):
        assert retention.dry_run(CLOSED_REQUESTS).rows == 0
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=HELSINKI), tick=False):
        retention.enforce(CLOSED_REQUESTS)
    assert not DataSubjectRequest.objects.filter(pk=old.pk).exists()
    assert not TimelineEntry.objects.filter(request_id=old.pk).exists()
    assert set(DataSubjectRequest.objects.all()) == {still_open, recent}
    assert not any((media_root / name).exists() for name in stored)


def test_erasing_the_person_keeps_the_request_unlinked(privacy_officer):
    from privacy.erasure import erase_person
    from privacy.models import ErasureReason

    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    record = erase_person(person, reason=ErasureReason.REQUEST, reference=dsar.reference)
    dsar.refresh_from_db()
    assert dsar.customer is None
    assert record.counts["kept"]["dsar.datasubjectrequest"] == 1


def test_reports_and_the_csv_export(client_for, privacy_officer, clerk):
    with time_machine.travel(datetime(2027, 3, 20, 12, tzinfo=HELSINKI), tick=False):
        on_time = make_request(
            by=privacy_officer, received_on=date(2027, 3, 5), types=["access", "erasure"]
        )
        services.verify_identity(dsar=on_time, method="strong_eid", note="", by=privacy_officer)
        settle_all(on_time, by=privacy_officer)
        services.complete(dsar=on_time, summary="Valmis", granted_in_full=True, by=privacy_officer)
        make_request(
            by=privacy_officer, received_on=date(2027, 3, 6), requester_name="=HYPERLINK()"
        )
        client = client_for(privacy_officer)
        page = client.get(reverse("dsar:reports"))
        assert page.status_code == 200
        assert page.context["figures"].closed == 1
        assert page.context["figures"].median_days == 15
        assert page.context["figures"].within_one_month == 1.0
        assert page.context["totals"][-1] == 2
        # A request of two types counts under both: access twice, erasure once this month.
        this_month = sorted(counts[-1] for _label, counts in page.context["by_type"])
        assert this_month == [0, 0, 0, 0, 0, 1, 2]
        export = client.get(reverse("dsar:register_export"))
        body = b"".join(export.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert ";" in body.splitlines()[0]
    assert on_time.reference in body
    assert "HYPERLINK" not in body  # no requester's name in the register export
    assert client_for(clerk).get(reverse("dsar:reports")).status_code == 403
