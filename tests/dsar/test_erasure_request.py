"""Erasure on request: the preview from the declarations, then erase_person(reason=REQUEST);
afterwards the person's marker is nowhere but in what the preview said is kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from dsar import erasure, services
from dsar.models import DataSubjectRequest, ErasurePlan, IdentityMethod, WorkflowError
from privacy.models import ErasureRecord
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.dsar.conftest import PNG
from tests.dsar.factories import make_request
from tests.feedback.factories import FeedbackFactory

pytestmark = pytest.mark.django_db
MARKER = "Zqxmarker"


def _tables_containing(marker: str) -> set[str]:
    found = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                f'SELECT 1 FROM "{table}" t WHERE t::text ILIKE %s LIMIT 1',  # noqa: S608
                [f"%{marker}%"],
            )
            if cursor.fetchone():
                found.add(table)
    return found


def _verified(by, person, **extra):
    dsar = make_request(by=by, customer=person, types=["erasure"], **extra)
    services.verify_identity(dsar=dsar, method=IdentityMethod.ID_DOCUMENT, note="", by=by)
    return dsar


def test_the_marker_is_gone_except_in_what_the_preview_keeps(
    privacy_officer, django_capture_on_commit_callbacks, media_root
):
    person = CustomerFactory(
        first_name=MARKER, last_name=f"{MARKER}nen", email=f"{MARKER.lower()}@example.fi"
    )
    FeedbackFactory(customer=person, text=f"Palautetta {MARKER}")
    recording = CallRecordingFactory(customer=person, agent=MARKER)
    audio_name = recording.audio.name
    dsar = _verified(
        privacy_officer,
        person,
        requester_name=f"{MARKER} {MARKER}nen",
        documents=[SimpleUploadedFile("pyynto.png", PNG, content_type="image/png")],
    )
    plan = erasure.preview(dsar=dsar, by=privacy_officer)
    kept = {item["model"] for item in plan.kept()}
    assert kept == {"dsar.datasubjectrequest", "dsar.timelineentry", "dsar.requestdocument"}
    deleted = {item["model"] for item in plan.plan if item["action"] == "delete"}
    assert {"customers.customer", "feedback.feedback", "calls.callrecording"} <= deleted
    assert all(item["what"] for item in plan.plan)

    with django_capture_on_commit_callbacks(execute=True):
        erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)

    # Only the kept request's own tables (and their history) still hold the marker.
    kept_tables = {"dsar_datasubjectrequest", "dsar_datasubjectrequestevent"}
    assert _tables_containing(MARKER) <= kept_tables
    assert _tables_containing(MARKER.lower()) <= kept_tables
    assert not (media_root / audio_name).exists()
    dsar.refresh_from_db()
    assert dsar.customer is None and dsar.requester_name.startswith(MARKER)
    record = ErasureRecord.objects.get()
    assert record.reason == "request" and record.reference == dsar.reference
    assert MARKER not in str(record.counts)
    plan.refresh_from_db()
    assert plan.erasure_record == record and plan.executed_at


def test_a_blocked_erasure_erases_nothing_and_says_why(privacy_officer, monkeypatch):
    from privacy.erasure import ErasureBlocked

    person = CustomerFactory(first_name=MARKER)
    dsar = _verified(privacy_officer, person)
    plan = erasure.preview(dsar=dsar, by=privacy_officer)

    def blocked(*args, **kwargs):
        raise ErasureBlocked("still referred to by other.Thing #1")

    monkeypatch.setattr(erasure, "erase_person", blocked)
    with pytest.raises(WorkflowError, match="Thing"):
        erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)
    plan.refresh_from_db()
    assert "Thing" in plan.blocked and plan.executed_at is None
    assert DataSubjectRequest.objects.get(pk=dsar.pk).customer == person
    assert (
        dsar.timeline.filter(text__contains="blocked").exists()
        or dsar.timeline.filter(text__icontains="estetty").exists()
    )


def test_no_erasure_before_identity_or_without_a_preview(privacy_officer, client_for):
    person = CustomerFactory()
    dsar = make_request(by=privacy_officer, customer=person, types=["erasure"])
    with pytest.raises(WorkflowError):
        erasure.preview(dsar=dsar, by=privacy_officer)
    services.verify_identity(
        dsar=dsar, method=IdentityMethod.STRONG_EID, note="", by=privacy_officer
    )
    response = client_for(privacy_officer).post(
        reverse("admin:dsar_datasubjectrequest_step", args=[dsar.pk, "poista"]), {"confirm": "on"}
    )
    assert response.status_code == 200
    assert not ErasurePlan.objects.exists()
    assert not ErasureRecord.objects.exists()


def test_data_changed_since_the_preview_is_refused(privacy_officer):
    person = CustomerFactory()
    dsar = _verified(privacy_officer, person)
    plan = erasure.preview(dsar=dsar, by=privacy_officer)
    FeedbackFactory(customer=person)
    with pytest.raises(WorkflowError, match="esikatsele uudelleen"):
        erasure.execute(dsar=dsar, plan=plan, by=privacy_officer)
    assert not ErasureRecord.objects.exists()


def test_the_privacy_officer_sees_erasure_records(privacy_officer, client_for):
    response = client_for(privacy_officer).get(reverse("admin:privacy_erasurerecord_changelist"))
    assert response.status_code == 200
