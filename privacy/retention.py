# ruff: noqa: S608 (SQL is composed from model metadata, quoted; every value is a parameter)
"""The engine that enforces retention policies (DESIGN.md, contract 2).

A policy (privacy.declarations.RetentionPolicy, re-exported here) is data declared in code by
the app that owns the model, as the `retention` of its personal-data declaration (which
registers it), or with `policies.register(...)`:

    RECORDINGS = RetentionPolicy(
        name="call-recordings",
        model="calls.CallRecording",
        age_field="started_at",
        period=timedelta(days=30),
        action=Delete(),
        scope="not_on_hold",
    )

A run (`enforce`) removes every row that is due, in bounded batches, until none is left: a run
after days of downtime clears the whole backlog. Each batch is one transaction that deletes (or
anonymises) the rows and what the deletion plan says goes with them (privacy.plan: CASCADE
dependents, change-history events, the access-log and admin-log entries about them; contract 3),
and queues their stored files in PendingFileDeletion. Files are deleted only after that
transaction has committed, and their queue rows only after the files are gone, so a killed run
or a refusing storage leaves a queue that the next run finishes, and no row ever points to a
deleted file. A PostgreSQL advisory lock (django-pglock) named after the policy keeps two runs of
one policy from overlapping; the second one exits.

History and access-log rows are append-only through triggers, and every tracked table has
history triggers that fire per row. Lifting them with `pgtrigger.ignore` still calls a PL/pgSQL
function for every row, which costs more than the deletes themselves (about 10 µs a row, measured
in bench/retention.py). When the database role may set it, a batch therefore runs with
`SET LOCAL session_replication_role = replica`, which skips every trigger for that transaction
only; the engine itself does what the skipped triggers would otherwise guard (it deletes the
dependents and the copies). Otherwise, or with RETENTION_REPLICA_MODE off, it uses
`pgtrigger.ignore` on exactly the triggers it must lift.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pglock
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Mod, TruncDate
from django.utils import timezone

from privacy.declarations import (
    DEFAULT_BATCH_SIZE,
    Anonymise,
    Delete,
    RetentionPolicy,
    blank_value,
    file_fields,
    policies,
    registry,
    start_of,
)
from privacy.erasure import ERASURE_QUEUE, erase_people_left_by, is_person_policy, people_left_by
from privacy.models import MAX_RECORDED_MESSAGES, PendingFileDeletion, RetentionRun, RunStatus
from privacy.plan import (
    Chain,
    DeletionPlan,
    delete_queued_files,
    deletion_plan,
    integer_pk,
    lifted_triggers,
    replica_mode_allowed,
    triggers_lifted,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Delete",
    "RetentionPolicy",
    "dry_run",
    "enforce",
    "enforce_by_name",
    "policies",
    "policy_lock",
    "preview",
]

logger = logging.getLogger(__name__)

PREVIEW_DAYS = 7
# Whether a batch commits without waiting for its WAL flush (see _Runner.batch).
ASYNC_COMMIT = True
# The advisory locks of retention runs (and of the orphan sweep) are named under this prefix.
LOCK_PREFIX = "pkregister.retention:"


def deletion_problems(policy: RetentionPolicy) -> list[str]:
    """Return what stands in the way of deleting the policy's rows (its deletion plan's)."""
    if isinstance(policy.action, Anonymise):
        return []
    try:
        model = policy.model_class
    except (LookupError, ValueError):
        return []
    if is_person_policy(policy):
        return []  # it erases people through the declarations, never deletes rows itself
    return [f"{policy.name}: {problem}" for problem in deletion_plan(model).problems]


# --- Running a policy ---------------------------------------------------------------------------


@dataclass
class DryRun:
    """What a run would remove now."""

    policy: RetentionPolicy
    rows: int
    files: int
    # People the run would erase whole (policies that erase people left with no reason).
    people: int = 0


@dataclass
class PreviewDay:
    day: date
    rows: int


@dataclass
class PolicyPreview:
    """What a policy will remove: overdue now, then day by day."""

    policy: RetentionPolicy
    overdue: int
    days: list[PreviewDay]
    pending_files: int
    # People the next run would erase whole (None: the policy erases nobody whole).
    people_now: int | None = None

    @property
    def total(self) -> int:
        return self.overdue + sum(day.rows for day in self.days)


def dry_run(policy: RetentionPolicy, *, now: datetime | None = None) -> DryRun:
    """Count what a run would remove now, without removing anything."""
    if is_person_policy(policy):
        people = _people_left(policy, now or timezone.now())
        return DryRun(policy=policy, rows=people, files=0, people=people)
    due = policy.candidates(now)
    targets = file_fields(policy.model_class)
    if isinstance(policy.action, Anonymise):
        targets = [f for f in targets if f.name in policy.action.fields]
    has_file = Q()
    for target in targets:
        has_file |= ~Q(**{target.name: ""}) & Q(**{f"{target.name}__isnull": False})
    files = due.filter(has_file).count() if targets else 0
    people = _people_left(policy, now or timezone.now()) if policy.erase_people else 0
    return DryRun(policy=policy, rows=due.count(), files=files, people=people)


def preview(
    policy: RetentionPolicy, *, now: datetime | None = None, days: int = PREVIEW_DAYS
) -> PolicyPreview:
    """Return what the policy will remove in the next `days` days, by local day."""
    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now, tz).date()
    if is_person_policy(policy):
        return _preview_people(policy, now=now, today=today, days=days)
    horizon = datetime.combine(today + timedelta(days=days + 1), datetime.min.time(), tzinfo=tz)
    age = policy.age_field
    upcoming = policy.candidates(horizon).filter(**{f"{age}__gte": policy.cutoff(now)})
    counts: dict[date, int] = {}
    is_datetime = isinstance(policy.model_class._meta.get_field(age), models.DateTimeField)
    if policy.is_calendar:
        day_of = TruncDate(age, tzinfo=tz) if is_datetime else F(age)
        rows = upcoming.annotate(age_day=day_of).values("age_day")
        for row in rows.annotate(n=Count("pk")).order_by():
            day = timezone.localtime(policy.expiry_of(row["age_day"]), tz).date()
            counts[day] = counts.get(day, 0) + row["n"]
    elif is_datetime:
        due = ExpressionWrapper(F(age) + policy.period, output_field=DateTimeField())
        rows = upcoming.annotate(due_day=TruncDate(due, tzinfo=tz)).values("due_day")
        for row in rows.annotate(n=Count("pk")).order_by():
            counts[row["due_day"]] = row["n"]
    else:
        for row in upcoming.values(age).annotate(n=Count("pk")).order_by():
            day = row[age] + policy.period
            counts[day] = counts.get(day, 0) + row["n"]
    return PolicyPreview(
        policy=policy,
        overdue=policy.candidates(now).count(),
        days=[
            PreviewDay(day=day, rows=counts.get(day, 0))
            for day in (today + timedelta(days=offset) for offset in range(days + 1))
        ],
        pending_files=PendingFileDeletion.objects.for_policy(policy.name).count(),
        people_now=_people_left(policy, now) if policy.erase_people else None,
    )


def _preview_people(
    policy: RetentionPolicy, *, now: datetime, today: date, days: int
) -> PolicyPreview:
    """Preview a policy whose rows are people: who is left without reason now, then on each
    coming day (everyone's reasons weighed as they will stand that day, nothing else
    changing). One count a day: the days are few and each count is one statement."""
    overdue = _people_left(policy, now)
    counts, before = [], overdue
    for offset in range(days + 1):
        end_of_day = start_of(today + timedelta(days=offset + 1)) - timedelta(microseconds=1)
        upto = _people_left(policy, end_of_day)
        counts.append(PreviewDay(day=today + timedelta(days=offset), rows=max(upto - before, 0)))
        before = max(upto, before)
    return PolicyPreview(
        policy=policy,
        overdue=overdue,
        days=counts,
        pending_files=PendingFileDeletion.objects.for_policy(ERASURE_QUEUE).count(),
        people_now=overdue,
    )


def _people_left(policy: RetentionPolicy, now: datetime) -> int:
    return people_left_by(policy, now=now).count()


@contextmanager
def policy_lock(name: str) -> Iterator[bool]:
    """Hold the policy's session-level advisory lock (django-pglock); yield whether it was free.

    Session-level, not transaction-level: a run spans many transactions. A killed process's
    connection closes and PostgreSQL releases the lock with it.
    """
    lock = pglock.advisory(lock_name(name), timeout=0, side_effect=pglock.Return)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except DatabaseError:
                logger.warning("Could not release the retention lock of %s", name)


def lock_name(name: str) -> str:
    """Return the advisory lock's name of a policy (pglock turns it into the 64-bit key)."""
    return f"{LOCK_PREFIX}{name}"


class _Runner:
    """One run of one policy: batches, then the files they queued, recorded as it goes."""

    def __init__(
        self,
        policy: RetentionPolicy,
        *,
        now: datetime,
        batch_size: int,
        pause: float,
    ) -> None:
        self.policy = policy
        self.plan = deletion_plan(policy.model_class)
        self.now = now
        self.batch_size = batch_size
        self.pause = pause
        model = policy.model_class
        blanking = isinstance(policy.action, Anonymise)
        self.lifted = (
            None
            if replica_mode_allowed()
            else lifted_triggers(
                deleting=() if blanking else (model,), blanking=(model,) if blanking else ()
            )
        )
        self.run = RetentionRun.objects.create(policy=policy.name)
        self.lock = threading.Lock()
        self.streams_left = 0
        self.messages: list[str] = []
        # People whose erasure was blocked: their due rows stay, so that they still say whom
        # the next run must try again (the run is recorded as failed meanwhile).
        self.kept: set[int] = set()

    def note(self, message: str) -> None:
        logger.warning("Retention %s: %s", self.policy.name, message)
        if len(self.messages) < MAX_RECORDED_MESSAGES:
            self.messages.append(message)

    def execute(self) -> RetentionRun:
        self.delete_queued_files()
        failed = False
        if self.policy.erase_people:
            try:
                erase_people_left_by(
                    self.policy, now=self.now, run=self.run, note=self.note, blocked=self.kept
                )
            except Exception as error:  # each person is one transaction: the rest stayed
                logger.exception("Erasure before retention of %s failed", self.policy.name)
                self.note(f"erasure failed: {type(error).__name__}: {error}"[:500])
                RetentionRun.objects.filter(pk=self.run.pk).update(errors=F("errors") + 1)
                failed = True
        if not failed and not is_person_policy(self.policy):
            failed = not self.remove_due_rows()
        self.run.refresh_from_db()
        self.run.finished_at = timezone.now()
        self.run.messages = "\n".join(self.messages)
        self.run.status = RunStatus.FAILED if failed or self.run.errors else RunStatus.SUCCEEDED
        self.run.save(update_fields=["finished_at", "messages", "status"])
        return self.run

    @property
    def subject_path(self) -> str:
        return registry.for_model(self.policy.model_class).subject_path

    def streams(self) -> int:
        """How many batches run at once, each in a thread with its own connection.

        One inside a caller's transaction (other connections could not see its rows) and when
        triggers are lifted one by one (pgtrigger.ignore is per connection state we keep
        simple). Otherwise RETENTION_WORKERS: the batches' work is PostgreSQL's, so a second
        stream puts a second core to work."""
        if connection.in_atomic_block or self.lifted is not None:
            return 1
        return max(1, settings.RETENTION_WORKERS)

    def remove_due_rows(self) -> bool:
        """Remove every due row and delete the files of their batches; return False if a batch
        failed. The batches never wait for the files: they run in threads of their own while
        this thread deletes the files each committed batch queued, and the run ends once the
        last of those is gone too."""
        if connection.in_atomic_block:
            # Other connections could not see the caller's rows, nor the files queued.
            succeeded = self.stream(delete_files=True)
            self.rows_removed()
            return succeeded
        streams = self.streams()
        self.streams_left = streams
        # Only this thread deletes files (of committed batches): no file is handled twice.
        with ThreadPoolExecutor(max_workers=streams) as pool:
            futures = [
                pool.submit(self.stream_in_thread, (index, streams) if streams > 1 else None)
                for index in range(streams)
            ]
            running = set(futures)
            while running:
                self.delete_queued_files()
                _done, running = wait(running, timeout=0.1)
            self.delete_queued_files()
        return all(future.result() for future in futures)

    def rows_removed(self) -> None:
        """Record when the last batch committed: the rows are gone, files may still be going."""
        RetentionRun.objects.filter(pk=self.run.pk).update(rows_finished_at=timezone.now())

    def stream_in_thread(self, share: tuple[int, int] | None) -> bool:
        try:
            return self.stream(delete_files=False, share=share)
        finally:
            with self.lock:
                self.streams_left -= 1
                last = self.streams_left == 0
            if last:  # the last stream to end says when the rows were gone
                self.rows_removed()
            connection.close()  # this thread's own connection

    def stream(self, *, delete_files: bool, share: tuple[int, int] | None = None) -> bool:
        """Run batches of the stream's share of the rows (None: all of them) until one comes
        back short; return False if one failed."""
        last: object = None
        while True:
            try:
                count, last, queued = self.batch(last, share)
            except Exception as error:  # a batch is one transaction: nothing of it stayed
                logger.exception("Retention batch of %s failed", self.policy.name)
                self.note(f"batch failed: {type(error).__name__}: {error}"[:500])
                RetentionRun.objects.filter(pk=self.run.pk).update(errors=F("errors") + 1)
                return False
            if delete_files and queued:
                self.delete_queued_files()
            if count < self.batch_size:
                return True
            if self.pause:
                time.sleep(self.pause)

    def batch(self, last: object, share: tuple[int, int] | None = None) -> tuple[int, object, int]:
        """Remove one batch in one transaction; return how many rows, the last age seen and
        how many files it queued. `share` (index, streams) takes only the rows of one stream."""
        policy, plan = self.policy, self.plan
        with transaction.atomic(), triggers_lifted(self.lifted):
            if ASYNC_COMMIT:
                # The batch's commit does not wait for its WAL to reach the disk: a crash may
                # undo the last batches, which the next run does again. Their files are safe:
                # the file deleter makes the batches durable before it unlinks anything
                # (privacy.plan.delete_queued_files).
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            due = policy.candidates(self.now)
            if self.kept:
                due = due.exclude(**{f"{self.subject_path}__in": self.kept})
            if last is not None:
                # Keyset: start where the last batch ended instead of rescanning its dead rows.
                due = due.filter(**{f"{policy.age_field}__gte": last})
            due = _share_of(due, share)
            # The delete reaches the rows by their physical address, without probing the
            # primary key. A row another transaction changes meanwhile has a new address: the
            # delete skips it (and the next run weighs it again).
            address = RawSQL(f"{_q(plan.table)}.ctid", ())  # noqa: S611 (metadata, no values)
            selected = (
                due.order_by(policy.age_field)
                .annotate(address=address)
                .values_list("pk", policy.age_field, "address")[: self.batch_size]
            )
            if share is not None and not integer_pk(policy.model_class):
                # Ids that are no integers are shared out by locks: each stream takes the rows
                # no other stream holds.
                selected = selected.select_for_update(skip_locked=True, of=("self",))
            select_sql, select_params = selected.query.sql_with_params()
            age_column = policy.model_class._meta.get_field(policy.age_field).column
            chain = Chain(policy.name)
            if isinstance(policy.action, Anonymise):
                _anonymise(chain, plan, policy, age_column)
            else:
                chain.delete(
                    plan,
                    "WHERE t.ctid = ANY(ARRAY(SELECT address FROM batch))",
                    [],
                    returning=[f"t.{_q(age_column)} AS age"],
                )
            sql, params = chain.statement(
                f"WITH batch (pk, age, address) AS ({select_sql})", select_params
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                count, newest, queued = cursor.fetchone()
            RetentionRun.objects.filter(pk=self.run.pk).update(rows=F("rows") + count)
        return count, newest if count else last, queued

    def delete_queued_files(self) -> None:
        """Delete the files queued by committed batches (and earlier runs) of this policy."""
        delete_queued_files(self.policy.name, reported=self.files_deleted)

    def files_deleted(self, done: int, failures: list[tuple[int, str]]) -> None:
        for pk, error in failures:
            self.note(f"file not deleted (queue #{pk}): {error}")
        RetentionRun.objects.filter(pk=self.run.pk).update(
            files=F("files") + done, errors=F("errors") + len(failures)
        )


def _share_of(due: models.QuerySet, share: tuple[int, int] | None) -> models.QuerySet:
    """Return the rows of one stream's share: ids modulo the streams, when ids are integers.
    The streams then never meet on a row, and no row is locked before its delete (a lock
    writes the row once more, about a tenth of a batch's work)."""
    if share is None or not integer_pk(due.model):
        return due
    index, streams = share
    return due.alias(retention_share=Mod("pk", streams)).filter(retention_share=index)


def _anonymise(chain: Chain, plan: DeletionPlan, policy: RetentionPolicy, age_column: str) -> None:
    """Blank the batch's fields, queue the files they named and drop the rows' history; the
    rows stay, and so do the trail entries that name them by id (their copied text blanked)."""
    targets = [plan.model._meta.get_field(name) for name in policy.action.fields]
    file_columns = tuple(
        (label, column) for label, column in plan.files if any(t.column == column for t in targets)
    )
    old_columns = ", ".join(
        [f"t.{_q(plan.pk)} AS pk"] + [f"t.{_q(c)} AS f_{c}" for _label, c in file_columns]
    )
    # Sub-statements see the table as it was before the statement: `old` has the file names.
    old = chain.add(
        f"SELECT {old_columns} FROM {_q(plan.table)} AS t JOIN batch ON t.{_q(plan.pk)} = batch.pk"
    )
    assignments = ", ".join(f"{_q(t.column)} = %s" for t in targets)
    chain.main = chain.add(
        f"UPDATE {_q(plan.table)} AS t SET {assignments} FROM batch "
        f"WHERE t.{_q(plan.pk)} = batch.pk RETURNING t.{_q(plan.pk)} AS pk, "
        f"t.{_q(age_column)} AS age",
        [blank_value(t) for t in targets],
    )
    chain.queue_files(file_columns, old)
    chain.erase_history(plan, chain.main)
    chain.blank_trails(plan, chain.main)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def enforce(
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    pause: float = 0.0,
) -> RetentionRun | None:
    """Run a policy to the end and return its RetentionRun; None if it is already running."""
    with policy_lock(policy.name) as acquired:
        if not acquired:
            logger.info("Retention %s is already running; this run exits.", policy.name)
            return None
        # We hold the lock, so a run of this policy still marked running was killed.
        RetentionRun.objects.filter(policy=policy.name, status=RunStatus.RUNNING).update(
            status=RunStatus.INTERRUPTED
        )
        runner = _Runner(
            policy,
            now=now or timezone.now(),
            batch_size=batch_size or policy.batch_size,
            pause=pause,
        )
        return runner.execute()


def enforce_by_name(name: str, **options: object) -> RetentionRun | None:
    """Run the named policy (for the Celery task and the command)."""
    return enforce(policies.get(name), **options)
