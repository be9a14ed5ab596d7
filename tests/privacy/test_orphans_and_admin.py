"""The orphan sweep, and the privacy officer's admin pages for runs, the preview and holds."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from calls.models import RecordingHold
from privacy import retention
from privacy.models import PendingFileDeletion, RetentionRun, RunStatus
from privacy.orphans import SWEEP_NAME
from tests.calls.factories import CallRecordingFactory, RecordingHoldFactory, wav_bytes

pytestmark = pytest.mark.django_db


def age(path, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_the_sweep_deletes_old_orphans_keeps_young_and_referenced_files_and_reports_missing(
    media_root,
):
    kept = CallRecordingFactory()
    lost = CallRecordingFactory()
    (media_root / lost.audio.name).unlink()
    orphan = media_root / "calls" / "2026" / "01" / "02" / "deadbeef.wav"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(wav_bytes())
    age(orphan, 2)
    young = media_root / "calls" / "young.wav"
    young.write_bytes(wav_bytes())
    queued = media_root / "calls" / "queued.wav"
    queued.write_bytes(wav_bytes())
    age(queued, 5)
    PendingFileDeletion.objects.create(
        policy="call-recordings", field="calls.callrecording.audio", storage_name="calls/queued.wav"
    )
    age(media_root / kept.audio.name, 48)

    dry = StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=dry)
    assert "would delete 1 orphan files; 1 rows have no file" in dry.getvalue()
    assert orphan.exists()

    out = StringIO()
    call_command("sweep_orphan_files", stdout=out)

    assert not orphan.exists()
    assert young.exists() and queued.exists() and (media_root / kept.audio.name).exists()
    run = RetentionRun.objects.get(policy=SWEEP_NAME)
    assert (run.files, run.missing_files, run.errors) == (1, 1, 0)
    assert run.status == RunStatus.FAILED  # a missing file is something to look into
    assert f"calls.CallRecording #{lost.pk}: stored file missing" in run.messages
    assert f"calls.CallRecording #{lost.pk}" in out.getvalue()


def test_the_sweep_runs_as_a_scheduled_job(settings, media_root):
    from privacy.tasks import sweep_orphan_files

    assert settings.SCHEDULED_JOBS["sweep-orphan-files"]["task"] == (
        "privacy.tasks.sweep_orphan_files"
    )
    assert sweep_orphan_files.apply().get() == {
        "run": RetentionRun.objects.get().pk,
        "files": 0,
        "missing": 0,
        "errors": 0,
    }


def test_the_privacy_officer_sees_the_runs(privacy_officer, client_for, media_root):
    CallRecordingFactory(started_at=timezone.now() - timedelta(days=31))
    run = retention.enforce(retention.policies.get("call-recordings"))
    client = client_for(privacy_officer)

    listing = client.get("/admin/privacy/retentionrun/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "call-recordings" in body and "Onnistui" in body
    assert "Mitä poistuu seuraavien 7 päivän aikana" in body
    assert client.get(f"/admin/privacy/retentionrun/{run.pk}/change/").status_code == 200
    # Read-only: nobody deletes the record of a run.
    client.post(f"/admin/privacy/retentionrun/{run.pk}/delete/", {"post": "yes"})
    assert RetentionRun.objects.filter(pk=run.pk).exists()


def test_the_privacy_officer_sees_what_goes_in_the_next_7_days(
    privacy_officer, client_for, media_root
):
    now = timezone.now()
    CallRecordingFactory(started_at=now - timedelta(days=31))
    for _ in range(3):
        CallRecordingFactory(started_at=now - timedelta(days=27))
    CallRecordingFactory(started_at=now - timedelta(days=10))

    response = client_for(privacy_officer).get("/admin/privacy/retentionrun/ennuste/")

    assert response.status_code == 200
    (preview,) = [p for p in response.context["previews"] if p.policy.name == "call-recordings"]
    assert preview.overdue == 1
    assert preview.total == 4
    body = response.content.decode()
    assert "poistetaan, kun 30 päivää on kulunut (puhelu alkoi)" in body
    assert preview.people_now is None  # recordings erase nobody whole


def test_the_preview_counts_the_people_an_ended_role_leaves_without_reason(
    privacy_officer, client_for
):
    from datetime import date

    from tests.customers.factories import ContactRoleFactory

    ended = timezone.localdate() - timedelta(days=400)
    ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=ended)
    ContactRoleFactory(started_on=date(2020, 1, 1), ended_on=ended)

    response = client_for(privacy_officer).get("/admin/privacy/retentionrun/ennuste/")

    (preview,) = [p for p in response.context["previews"] if p.policy.name == "ended-contact-roles"]
    assert (preview.overdue, preview.people_now) == (2, 2)
    assert "2 henkilöä poistetaan kokonaan" in response.content.decode()


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_other_roles_do_not_see_runs_or_the_preview(cast, role, client_for):
    client = client_for(cast[role])
    for path in ("/admin/privacy/retentionrun/", "/admin/privacy/retentionrun/ennuste/"):
        assert client.get(path).status_code in (302, 403)


def test_a_staff_user_without_the_permission_is_refused_the_preview(client_for, db):
    from tests.conftest import make_user

    staff = make_user("staff-no-role", None, is_staff=True)
    assert client_for(staff).get("/admin/privacy/retentionrun/ennuste/").status_code == 403


def test_the_privacy_officer_places_and_releases_a_hold_in_the_admin(
    privacy_officer, client_for, media_root
):
    import pghistory

    from tests.dsar.factories import make_request

    recording = CallRecordingFactory(started_at=timezone.now() - timedelta(days=31))
    client = client_for(privacy_officer)
    # A hold cites an open request of the register.
    reference = make_request(by=privacy_officer, types=["access"]).reference

    added = client.post(
        "/admin/calls/recordinghold/add/",
        {
            "recording": recording.pk,
            "request_reference": reference,
            "reason": "Tietopyyntö koskee tallennetta.",
        },
    )
    assert added.status_code == 302, added.content.decode()
    hold = RecordingHold.objects.get()
    assert (hold.placed_by, hold.request_reference, hold.is_open) == (
        privacy_officer,
        reference,
        True,
    )
    assert retention.enforce(retention.policies.get("call-recordings")).rows == 0

    listing = client.get("/admin/calls/recordinghold/").content.decode()
    assert reference in listing
    client.post(
        "/admin/calls/recordinghold/",
        {"action": "release", "_selected_action": [hold.pk]},
    )
    hold.refresh_from_db()
    assert hold.released_by == privacy_officer and hold.released_at is not None
    # The placing and the release are both in the change history, attributed.
    labels = [
        (event.pgh_label, event.pgh_context["user"])
        for event in pghistory.models.Events.objects.tracks(hold).order_by("pgh_created_at")
    ]
    assert labels == [("insert", privacy_officer.pk), ("update", privacy_officer.pk)]
    assert client.get(f"/admin/calls/callrecording/{recording.pk}/change/").status_code == 200

    assert retention.enforce(retention.policies.get("call-recordings")).rows == 1


def test_a_second_open_hold_for_the_same_request_is_refused(
    privacy_officer, client_for, media_root
):
    hold = RecordingHoldFactory(placed_by=privacy_officer, request_reference="TP-1")
    response = client_for(privacy_officer).post(
        "/admin/calls/recordinghold/add/",
        {"recording": hold.recording.pk, "request_reference": "TP-1", "reason": ""},
    )
    assert response.status_code == 200
    assert RecordingHold.objects.count() == 1


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_only_the_privacy_officer_manages_holds(cast, role, client_for, media_root):
    recording = CallRecordingFactory()
    client = client_for(cast[role])
    response = client.post(
        "/admin/calls/recordinghold/add/",
        {"recording": recording.pk, "request_reference": "TP-9", "reason": ""},
    )
    assert response.status_code in (302, 403)
    assert not RecordingHold.objects.exists()
