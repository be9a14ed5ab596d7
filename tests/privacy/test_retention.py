"""The retention engine, run on the 30-day call-recording policy and on test policies."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pghistory
import pglock
import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from calls.models import CallRecording, RecordingHold
from calls.personal_data import RECORDINGS_30_DAYS
from calls.services import hold_release
from privacy import retention
from privacy.declarations import Anonymise, Delete, registry
from privacy.models import PendingFileDeletion, RetentionRun, RunStatus
from privacy.retention import RetentionPolicy, policies
from tests.calls.factories import CallRecordingFactory, RecordingHoldFactory
from tests.customers.factories import CustomerFactory
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(params=["replica", "ignore"])
def trigger_mode(request, settings):
    """Run a test with both ways of lifting triggers: session_replication_role, and
    pgtrigger.ignore trigger by trigger (for a database role that may not set the former)."""
    settings.RETENTION_REPLICA_MODE = request.param == "replica"
    return request.param


def expired(**kwargs) -> CallRecording:
    return CallRecordingFactory(started_at=timezone.now() - 31 * DAY, **kwargs)


def fresh(**kwargs) -> CallRecording:
    return CallRecordingFactory(started_at=timezone.now() - 29 * DAY, **kwargs)


def stored(recording: CallRecording, media_root: Path) -> Path:
    return media_root / recording.audio.name


def history_of(model, pk: int) -> int:
    (event_model,) = pghistory.core.event_models(tracks_model=model)
    return event_model.objects.filter(pgh_obj_id=pk).count()


def test_the_recording_policy_is_declared_with_the_personal_data_and_registered():
    declaration = registry.personal["calls.callrecording"]
    assert declaration.retention is RECORDINGS_30_DAYS
    assert policies.get("call-recordings") is RECORDINGS_30_DAYS
    assert RECORDINGS_30_DAYS.period == 30 * DAY
    assert RECORDINGS_30_DAYS.problems() == []


def test_an_expired_recording_goes_with_its_file_history_and_access_log(
    trigger_mode, media_root, supervisor
):
    customer = CustomerFactory()
    old, kept = expired(customer=customer), fresh(customer=customer)
    unmatched = expired(customer=None)
    old.start_playback(by=supervisor, purpose=AccessPurpose.TRAINING)
    kept.start_playback(by=supervisor, purpose=AccessPurpose.COMPLAINT)
    unmatched.start_playback(by=supervisor, purpose=AccessPurpose.TRAINING)
    AccessLogEntry.record(
        actor=supervisor,
        action=AccessAction.VIEW,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=customer,
    )
    old_file, kept_file = stored(old, media_root), stored(kept, media_root)
    assert old_file.exists() and history_of(CallRecording, old.pk) == 1

    run = retention.enforce(RECORDINGS_30_DAYS)

    assert set(CallRecording.objects.values_list("pk", flat=True)) == {kept.pk}
    assert not old_file.exists() and kept_file.exists()
    assert not stored(unmatched, media_root).exists()
    # Contract 3: no copy left in the history, and no delete event written by the deletion.
    assert history_of(CallRecording, old.pk) == 0
    assert history_of(CallRecording, unmatched.pk) == 0
    assert history_of(CallRecording, kept.pk) == 1
    recording_type = ContentType.objects.get_for_model(CallRecording)
    about_recordings = AccessLogEntry.objects.filter(object_type=recording_type)
    assert list(about_recordings.values_list("object_id", flat=True)) == [kept.pk]
    assert not AccessLogEntry.objects.filter(subject_type=recording_type).exists()
    # The view of the person's page is about the person, who stays.
    assert AccessLogEntry.objects.filter(action=AccessAction.VIEW).count() == 1
    assert (run.rows, run.files, run.errors, run.status) == (2, 2, 0, RunStatus.SUCCEEDED)
    assert run.finished_at >= run.started_at
    assert not PendingFileDeletion.objects.exists()


def test_the_boundary_is_exactly_thirty_days_by_a_frozen_clock(media_root):
    with time_machine.travel(timezone.now(), tick=False):
        now = timezone.now()
        stays = CallRecordingFactory(started_at=now - 30 * DAY + timedelta(seconds=1))
        goes = CallRecordingFactory(started_at=now - 30 * DAY - timedelta(seconds=1))
        run = retention.enforce(RECORDINGS_30_DAYS)
    assert list(CallRecording.objects.values_list("pk", flat=True)) == [stays.pk]
    assert run.rows == 1
    assert not CallRecording.objects.filter(pk=goes.pk).exists()
    assert stored(stays, media_root).exists() and not stored(goes, media_root).exists()


def test_the_day_31_clock_deletes_what_day_30_kept(media_root):
    started = timezone.now()
    recording = CallRecordingFactory(started_at=started)
    with time_machine.travel(started + 30 * DAY, tick=False):
        assert retention.enforce(RECORDINGS_30_DAYS).rows == 0
    with time_machine.travel(started + 30 * DAY + timedelta(hours=1), tick=False):
        assert retention.enforce(RECORDINGS_30_DAYS).rows == 1
    assert not CallRecording.objects.filter(pk=recording.pk).exists()


def test_a_dry_run_counts_and_deletes_nothing(media_root):
    old = [expired() for _ in range(3)]
    fresh()
    out = StringIO()
    call_command("enforce_retention", "--policy", "call-recordings", "--dry-run", stdout=out)
    assert "call-recordings: would remove 3 rows and 3 files (dry run)" in out.getvalue()
    assert CallRecording.objects.count() == 4
    assert all(stored(r, media_root).exists() for r in old)
    assert not RetentionRun.objects.exists()


def test_a_hold_keeps_a_recording_past_30_days_until_it_is_released(
    trigger_mode, media_root, privacy_officer
):
    held = expired()
    hold = RecordingHoldFactory(recording=held, placed_by=privacy_officer)
    assert retention.enforce(RECORDINGS_30_DAYS).rows == 0
    assert CallRecording.objects.filter(pk=held.pk).exists()
    assert stored(held, media_root).exists()

    hold_release(hold=hold, by=privacy_officer)
    run = retention.enforce(RECORDINGS_30_DAYS)

    assert run.rows == 1
    assert not CallRecording.objects.filter(pk=held.pk).exists()
    # The hold went with its recording, and so did the history of both.
    assert not RecordingHold.objects.exists()
    assert history_of(RecordingHold, hold.pk) == 0
    assert not stored(held, media_root).exists()


def test_a_released_hold_of_a_fresh_recording_changes_nothing(media_root, privacy_officer):
    recording = fresh()
    hold = RecordingHoldFactory(recording=recording, placed_by=privacy_officer)
    hold_release(hold=hold, by=privacy_officer)
    assert retention.enforce(RECORDINGS_30_DAYS).rows == 0
    assert RecordingHold.objects.get().released_by == privacy_officer


def test_one_run_clears_a_backlog_of_days_of_downtime(trigger_mode, media_root):
    now = timezone.now()
    backlog = [
        CallRecordingFactory(started_at=now - (31 + day) * DAY - timedelta(minutes=minute))
        for day in range(12)
        for minute in range(3)
    ]
    kept = fresh()
    run = retention.enforce(RECORDINGS_30_DAYS, batch_size=5)
    assert run.rows == len(backlog) == 36
    assert run.files == 36
    assert list(CallRecording.objects.values_list("pk", flat=True)) == [kept.pk]
    assert sorted(p.name for p in media_root.rglob("*.wav")) == [Path(kept.audio.name).name]


def test_rows_with_equal_times_across_a_batch_boundary_all_go(media_root):
    moment = timezone.now() - 40 * DAY
    for _ in range(7):
        CallRecordingFactory(started_at=moment)
    assert retention.enforce(RECORDINGS_30_DAYS, batch_size=3).rows == 7
    assert not CallRecording.objects.exists()


def test_a_second_run_exits_while_the_policy_is_locked(media_root):
    """The lock is held from another database session, as a concurrent run would hold it."""
    import psycopg

    expired()
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    key = pglock.advisory(retention.lock_name("call-recordings")).int_lock_id
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        assert retention.enforce(RECORDINGS_30_DAYS) is None
        assert CallRecording.objects.count() == 1
        out = StringIO()
        call_command("enforce_retention", "--policy", "call-recordings", stdout=out)
        assert "already running elsewhere; skipped" in out.getvalue()
        # Released in so many words: a closed connection's server process lets go of its
        # locks a moment later, which made the run below race it.
        other.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        other.close()
    assert retention.enforce(RECORDINGS_30_DAYS).rows == 1


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(media_root):
    stale = RetentionRun.objects.create(policy="call-recordings")
    retention.enforce(RECORDINGS_30_DAYS)
    stale.refresh_from_db()
    assert stale.status == RunStatus.INTERRUPTED
    assert RetentionRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1


def test_a_file_the_storage_refuses_to_delete_is_recorded_and_a_later_run_removes_it(
    media_root, undeletable
):
    recording = expired()
    path = stored(recording, media_root)
    with undeletable(path.parent):
        with pytest.raises(CommandError, match="Errors in call-recordings"):
            call_command("enforce_retention", "--policy", "call-recordings", stdout=StringIO())
        run = RetentionRun.objects.get()
        assert (run.rows, run.files, run.errors, run.status) == (1, 0, 1, RunStatus.FAILED)
        assert "file not deleted" in run.messages
        assert path.exists()
        # The row is gone, so no row points to the file; the queue remembers it.
        assert not CallRecording.objects.exists()
        pending = PendingFileDeletion.objects.get()
        assert (pending.storage_name, pending.attempts) == (recording.audio.name, 1)
        assert pending.last_error

    later = retention.enforce(RECORDINGS_30_DAYS)
    assert (later.rows, later.files, later.errors) == (0, 1, 0)
    assert not path.exists()
    assert not PendingFileDeletion.objects.exists()


def test_the_command_reports_each_run_and_refuses_an_unknown_policy(media_root):
    expired()
    out = StringIO()
    call_command("enforce_retention", stdout=out)
    assert "call-recordings: 1 rows, 1 files, 0 errors" in out.getvalue()
    with pytest.raises(CommandError, match="No retention policy is called nothing"):
        call_command("enforce_retention", "--policy", "nothing", stdout=StringIO())


def test_the_beat_task_runs_a_policy_by_name(media_root):
    from privacy.tasks import enforce_retention

    expired()
    result = enforce_retention.apply(args=["call-recordings"]).get()
    assert result["rows"] == 1 and result["files"] == 1 and result["errors"] == 0
    assert not CallRecording.objects.exists()


def test_beat_runs_every_policy_at_least_hourly(settings):
    job = settings.SCHEDULED_JOBS["enforce-retention"]
    assert job["task"] == "privacy.tasks.enforce_retention_policies"
    assert job["schedule"].minute == {7} and len(job["schedule"].hour) == 24


def test_an_anonymise_policy_blanks_fields_queues_files_and_drops_history(trigger_mode, media_root):
    policy = RetentionPolicy(
        name="test-anonymise-numbers",
        model="calls.CallRecording",
        age_field="started_at",
        period=10 * DAY,
        action=Anonymise(fields=("caller_number", "agent", "audio")),
        batch_size=2,
    )
    assert policy.problems() == []
    old = [CallRecordingFactory(started_at=timezone.now() - 11 * DAY) for _ in range(3)]
    young = CallRecordingFactory(started_at=timezone.now() - 9 * DAY)
    paths = [stored(r, media_root) for r in old]

    run = retention.enforce(policy)

    assert run.rows == 3 and run.files == 3
    for recording, path in zip(old, paths, strict=True):
        recording.refresh_from_db()
        assert (str(recording.caller_number), recording.agent, recording.audio.name) == (
            "",
            "",
            "",
        )
        assert not path.exists()
        assert history_of(CallRecording, recording.pk) == 0
    young.refresh_from_db()
    assert young.agent == "agent-7" and stored(young, media_root).exists()
    # Anonymised rows are not anonymised again.
    assert retention.enforce(policy).rows == 0


def test_a_policy_that_cannot_run_is_reported_by_the_system_check():
    broken = RetentionPolicy(
        name="test-broken",
        model="calls.CallRecording",
        age_field="call_id",
        period=timedelta(0),
        scope="nonexistent",
        action=Anonymise(fields=("size",)),
    )
    problems = broken.problems()
    assert any("not a date or time field" in p for p in problems)
    assert any("period must be positive" in p for p in problems)
    assert any("no method nonexistent()" in p for p in problems)
    assert any("size cannot be blanked" in p for p in problems)
    policies.register(broken)
    try:
        from privacy.checks import retention_policies_are_runnable

        assert len(retention_policies_are_runnable()) == len(problems)
    finally:
        registry.policies.pop("test-broken")


def test_two_policies_cannot_share_a_name():
    twin = RetentionPolicy(
        name="call-recordings",
        model="calls.CallRecording",
        age_field="started_at",
        period=DAY,
        action=Delete(),
    )
    with pytest.raises(ValueError, match="Two retention policies"):
        policies.register(twin)


def test_the_preview_counts_what_goes_each_day_of_the_next_week(media_root):
    noon = datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    with time_machine.travel(noon, tick=False):
        expired()
        for days_left in (0.25, 2.1, 2.3, 6.4, 9):
            CallRecordingFactory(started_at=noon - 30 * DAY + days_left * DAY)
        held = CallRecordingFactory(started_at=noon - 29 * DAY)
        RecordingHoldFactory(recording=held, placed_by=_user())
        preview = retention.preview(RECORDINGS_30_DAYS)
    assert preview.overdue == 1
    assert [day.day.day for day in preview.days] == list(range(10, 18))
    assert [day.rows for day in preview.days] == [1, 0, 2, 0, 0, 0, 1, 0]
    assert preview.total == 5


def _user():
    from django.contrib.auth.models import User

    return User.objects.create_user("hold-placer")


def test_a_run_inside_a_transaction_keeps_to_one_stream(settings):
    settings.RETENTION_WORKERS = 4
    runner = retention._Runner(RECORDINGS_30_DAYS, now=timezone.now(), batch_size=10, pause=0)
    assert connection.in_atomic_block
    assert runner.streams() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_streams_remove_every_due_row_and_file_once(settings, media_root, supervisor):
    settings.RETENTION_REPLICA_MODE = True
    settings.RETENTION_WORKERS = 3
    due = [expired() for _ in range(37)]
    for recording in due[:12]:
        recording.start_playback(by=supervisor, purpose=AccessPurpose.TRAINING)
    kept = [fresh() for _ in range(4)]
    files = [stored(recording, media_root) for recording in due + kept]
    assert all(path.exists() for path in files)
    runner = retention._Runner(RECORDINGS_30_DAYS, now=timezone.now(), batch_size=4, pause=0)
    assert runner.streams() == 3
    run = runner.execute()
    assert (run.status, run.rows, run.files, run.errors) == (RunStatus.SUCCEEDED, 37, 37, 0)
    assert set(CallRecording.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert [path.exists() for path in files] == [False] * 37 + [True] * 4
    assert not PendingFileDeletion.objects.exists()
    assert not AccessLogEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(CallRecording)
    ).exists()
    assert all(history_of(CallRecording, r.pk) == 0 for r in due)
    assert all(history_of(CallRecording, r.pk) == 1 for r in kept)


def test_retention_takes_the_admin_log_of_the_rows_it_deletes(
    trigger_mode, media_root, privacy_officer
):
    """The deletion plan retention shares with erasure: a deleted recording's hold goes with it,
    and the admin-log entries of both (a hold's label holds its free text) go too."""
    from django.contrib.admin.models import CHANGE, LogEntry

    recording = expired()
    hold = RecordingHoldFactory(recording=recording, placed_by=privacy_officer)
    hold_release(hold=hold, by=privacy_officer)
    kept = CallRecordingFactory(started_at=timezone.now() - 2 * DAY)
    for row in (recording, hold, kept):
        LogEntry.objects.log_actions(
            privacy_officer.pk, [row], CHANGE, change_message="muutettu", single_object=True
        )

    retention.enforce(RECORDINGS_30_DAYS)

    assert not RecordingHold.objects.filter(pk=hold.pk).exists()
    remaining = set(LogEntry.objects.values_list("content_type__model", "object_id"))
    assert remaining == {("callrecording", str(kept.pk))}


def test_erasure_and_retention_lift_the_same_triggers_for_the_same_rows():
    from privacy.plan import lifted_triggers

    lifted = lifted_triggers(deleting=[CallRecording])
    # The recording's and its hold's history and delete trackers, and the trails' guards.
    assert "audit.AccessLogEntry:accesslog_append_only" in lifted
    assert any(uri.startswith("calls.RecordingHoldEvent:") for uri in lifted)
    assert not any(uri.startswith("consents.") for uri in lifted)


@pytest.mark.django_db(transaction=True)
def test_the_batches_do_not_wait_for_the_files_and_the_run_ends_only_when_they_are_gone(
    trigger_mode, media_root, monkeypatch
):
    """Issue 14: a storage slow to delete files never holds the row purge back (two streams,
    or the one stream of trigger-by-trigger lifting), and the run does not end before the
    files are gone. The storage here deletes nothing until the test lets it."""
    from privacy import plan

    let_go = threading.Event()
    real_storage_of = plan.storage_of

    class HeldStorage:
        def __init__(self, storage):
            self.storage = storage

        def delete(self, name):
            let_go.wait()
            self.storage.delete(name)

    monkeypatch.setattr(plan, "storage_of", lambda label: HeldStorage(real_storage_of(label)))
    due = [expired() for _ in range(9)]
    kept = fresh()
    files = [stored(recording, media_root) for recording in due]
    runs: list[RetentionRun] = []

    def enforce():
        try:
            runs.append(retention.enforce(RECORDINGS_30_DAYS, batch_size=2))
        finally:
            connection.close()

    runner = threading.Thread(target=enforce)
    runner.start()
    try:
        handled = wait_until(
            lambda: RetentionRun.objects.filter(rows_finished_at__isnull=False).first(),
            what="the run's batches to end",
        )
        assert list(CallRecording.objects.values_list("pk", flat=True)) == [kept.pk]
        assert handled.rows == 9 and handled.finished_at is None
        assert all(path.exists() for path in files)
        assert runner.is_alive()
    finally:
        let_go.set()
        runner.join()
    (run,) = runs
    assert (run.status, run.rows, run.files) == (RunStatus.SUCCEEDED, 9, 9)
    assert run.started_at <= run.rows_finished_at <= run.finished_at
    assert not any(path.exists() for path in files)
    assert not PendingFileDeletion.objects.exists()


def test_a_trail_entry_between_due_rows_stays_with_its_kept_row(media_root, supervisor):
    """Dependents and trails are guarded by the span of the batch's ids: a row kept inside the
    span keeps its access-log entries and hold, the due rows around it lose theirs."""
    first = expired()
    held = expired()
    RecordingHoldFactory(recording=held, placed_by=supervisor)
    middle = fresh()
    last = expired()
    for recording in (first, held, middle, last):
        recording.start_playback(by=supervisor, purpose=AccessPurpose.TRAINING)
    assert first.pk < held.pk < middle.pk < last.pk

    run = retention.enforce(RECORDINGS_30_DAYS)

    assert run.rows == 2
    assert set(CallRecording.objects.values_list("pk", flat=True)) == {held.pk, middle.pk}
    logged = AccessLogEntry.objects.filter(
        object_type=ContentType.objects.get_for_model(CallRecording)
    )
    assert set(logged.values_list("object_id", flat=True)) == {held.pk, middle.pk}
    assert RecordingHold.objects.filter(recording=held).exists()
