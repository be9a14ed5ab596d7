# ruff: noqa: S608 (SQL is composed from model metadata, quoted; every value is a parameter)
"""Retention policies and the engine that enforces them (DESIGN.md, contract 2).

A policy is data declared in code by the app that owns the model, as the `retention` of its
personal-data declaration (which registers it here), or with `policies.register(...)`:

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
anonymises) the rows, deletes their CASCADE dependents, their change-history events and the
access-log entries about them (contract 3), and queues their stored files in
PendingFileDeletion. Files are deleted only after that transaction has committed, and their queue
rows only after the files are gone, so a killed run or a refusing storage leaves a queue that the
next run finishes, and no row ever points to a deleted file. A PostgreSQL advisory lock keyed by
the policy name keeps two runs of one policy from overlapping; the second one exits.

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

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.declarations import Anonymise, Delete

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10_000
FILE_CHUNK = 5_000
PREVIEW_DAYS = 7


@dataclass(frozen=True)
class RetentionPolicy:
    """How long rows of one model are kept, and what happens to them afterwards."""

    name: str
    model: str  # "app_label.ModelName"
    age_field: str  # a DateTimeField or DateField; a row is due `period` after it
    # A timedelta, or a calendar period (relativedelta of years, months, days) counted in whole
    # local days: a row of day D is kept through the day D + period and goes the day after.
    # A period ending on a day its month lacks ends on the month's last day (Finnish law on
    # computing time limits, 150/1930): a year from 29 February ends on 28 February.
    period: timedelta | relativedelta
    action: Delete | Anonymise = field(default_factory=Delete)
    batch_size: int = DEFAULT_BATCH_SIZE
    # The name of a QuerySet method that leaves out rows kept past the period (a hold, say).
    scope: str = ""
    description: str = ""
    # Whether a run first erases, whole (privacy.erasure), each person whose due rows of this
    # policy were their last reason to be in the register, while those rows still say who.
    erase_people: bool = False

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def is_calendar(self) -> bool:
        return isinstance(self.period, relativedelta)

    def cutoff(self, now: datetime | None = None) -> datetime:
        """Return the moment before which a row's age field makes it due."""
        now = now or timezone.now()
        if not self.is_calendar:
            return now - self.period
        # The start of the first day whose period has not ended yet. Subtracting clamps at a
        # month's end (29.2. - 1 year is 28.2.), so step forward past days already due.
        today = timezone.localtime(now).date()
        first_kept = today - self.period
        while first_kept + self.period < today:
            first_kept += timedelta(days=1)
        return _start_of(first_kept)

    def expiry_of(self, moment: datetime | date) -> datetime:
        """Return when a row whose age field holds `moment` becomes due."""
        if not self.is_calendar:
            return moment + self.period
        day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
        return _start_of(day + self.period + timedelta(days=1))

    def candidates(self, now: datetime | None = None) -> QuerySet:
        """Return the rows that are due now (or at `now`)."""
        queryset = self.model_class._default_manager.all()
        if self.scope:
            queryset = getattr(queryset, self.scope)()
        queryset = queryset.filter(**{f"{self.age_field}__lt": self.cutoff(now)})
        if isinstance(self.action, Anonymise):
            queryset = queryset.exclude(self._anonymised())
        return queryset

    def describe(self) -> str:
        """Return the rule in words, for the privacy notice and the admin."""
        action = self.action.describe()
        field_name = self.model_class._meta.get_field(self.age_field).verbose_name
        if self.is_calendar and not self.period.days:
            months = self.period.years * 12 + self.period.months
            if months % 12 == 0:
                return str(
                    _("%(action)s %(years)d calendar years after %(field)s")
                    % {"action": action, "years": months // 12, "field": field_name}
                )
            return str(
                _("%(action)s %(months)d calendar months after %(field)s")
                % {"action": action, "months": months, "field": field_name}
            )
        days = self.period.days
        return str(
            _("%(action)s %(days)d days after %(field)s")
            % {"action": action, "days": days, "field": field_name}
        )

    def problems(self) -> list[str]:
        """Return what is wrong with the declaration (empty when it can run)."""
        try:
            model = self.model_class
        except (LookupError, ValueError):
            return [f"{self.name}: unknown model {self.model}."]
        found: list[str] = []
        try:
            age = model._meta.get_field(self.age_field)
        except LookupError:
            found.append(f"{self.name}: {self.model} has no field {self.age_field}.")
        else:
            if not isinstance(age, models.DateField):
                found.append(f"{self.name}: {self.age_field} is not a date or time field.")
        if self.is_calendar:
            whole_days = relativedelta(
                years=self.period.years, months=self.period.months, days=self.period.days
            )
            if self.period != whole_days:
                found.append(f"{self.name}: a calendar period is whole years, months and days.")
            elif not date(2001, 1, 1) + self.period > date(2001, 1, 1):
                found.append(f"{self.name}: the period must be positive.")
        elif self.period <= timedelta(0):
            found.append(f"{self.name}: the period must be positive.")
        if self.batch_size <= 0:
            found.append(f"{self.name}: the batch size must be positive.")
        if self.scope and not callable(getattr(model._default_manager.all(), self.scope, None)):
            found.append(f"{self.name}: {self.model}'s QuerySet has no method {self.scope}().")
        if isinstance(self.action, Anonymise):
            for name in self.action.fields:
                try:
                    target = model._meta.get_field(name)
                except LookupError:
                    found.append(f"{self.name}: {self.model} has no field {name}.")
                    continue
                if _blank_value(target) is _NO_BLANK:
                    found.append(f"{self.name}: {name} cannot be blanked (make it nullable).")
        else:
            found.extend(f"{self.name}: {problem}" for problem in _plan(model).problems)
        return found

    def _anonymised(self) -> Q:
        model = self.model_class
        condition = Q()
        for name in self.action.fields:
            blank = _blank_value(model._meta.get_field(name))
            condition &= Q(**{f"{name}__isnull": True}) if blank is None else Q(**{name: blank})
        return condition


class PolicyRegistry:
    """Every policy, by name. Apps register theirs when their personal_data module loads."""

    def __init__(self) -> None:
        self._policies: dict[str, RetentionPolicy] = {}

    def register(self, policy: RetentionPolicy) -> RetentionPolicy:
        existing = self._policies.get(policy.name)
        if existing is not None and existing is not policy:
            raise ValueError(f"Two retention policies are called {policy.name}.")
        self._policies[policy.name] = policy
        return policy

    def get(self, name: str) -> RetentionPolicy:
        try:
            return self._policies[name]
        except KeyError:
            raise LookupError(f"No retention policy is called {name}.") from None

    def __iter__(self) -> Iterator[RetentionPolicy]:
        return iter(sorted(self._policies.values(), key=lambda p: p.name))

    def names(self) -> list[str]:
        return sorted(self._policies)


policies = PolicyRegistry()


# --- What deleting a model's rows touches -------------------------------------------------------

_NO_BLANK = object()


def _blank_value(target: models.Field) -> object:
    """Return the value that blanks a field: NULL if allowed, else '' for text; _NO_BLANK."""
    if target.null:
        return None
    if isinstance(target, models.CharField | models.TextField | models.FileField):
        return ""
    return _NO_BLANK


@dataclass(frozen=True)
class _Plan:
    """The tables one model's rows live in: its own, its history, its files, its dependents."""

    model: type[models.Model]
    table: str
    pk: str
    files: tuple[tuple[str, str], ...]  # (field label, column)
    events: tuple[tuple[str, str], ...]  # (event table, column naming the tracked row)
    cascades: tuple[tuple[type[models.Model], str], ...]  # (dependent model, its FK column)
    set_nulls: tuple[tuple[str, str], ...]  # (dependent table, its FK column)
    problems: tuple[str, ...]


@cache
def _plan(model: type[models.Model]) -> _Plan:
    import pghistory

    opts = model._meta
    files = tuple(
        (f"{opts.label_lower}.{f.name}", f.column)
        for f in opts.concrete_fields
        if isinstance(f, models.FileField)
    )
    events = []
    for event_model in pghistory.core.event_models(tracks_model=model):
        obj_field = next(
            f
            for f in event_model._meta.concrete_fields
            if f.is_relation and f.related_model is model and f.name == "pgh_obj"
        )
        events.append((event_model._meta.db_table, obj_field.column))
    cascades, set_nulls, problems = [], [], []
    for relation in opts.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        on_delete = relation.on_delete
        dependent = relation.related_model
        column = relation.field.column
        if on_delete is models.CASCADE:
            cascades.append((dependent, column))
        elif on_delete is models.SET_NULL:
            set_nulls.append((dependent._meta.db_table, column))
        elif on_delete is not models.DO_NOTHING:
            problems.append(
                f"{dependent._meta.label}.{relation.field.name} refers to {opts.label} with "
                f"on_delete={on_delete.__name__}; retention deletes only with CASCADE, "
                "SET_NULL or DO_NOTHING dependents."
            )
    for dependent, _column in cascades:
        problems.extend(_plan(dependent).problems)
    return _Plan(
        model=model,
        table=opts.db_table,
        pk=opts.pk.column,
        files=files,
        events=tuple(events),
        cascades=tuple(cascades),
        set_nulls=tuple(set_nulls),
        problems=tuple(problems),
    )


def _closure(model: type[models.Model]) -> list[type[models.Model]]:
    """Return the model and every model its deletion cascades to."""
    found = [model]
    for dependent, _column in _plan(model).cascades:
        found.extend(m for m in _closure(dependent) if m not in found)
    return found


def _lifted_triggers(policy: RetentionPolicy) -> list[str]:
    """Return the URIs of the triggers a batch of this policy must lift in `ignore` mode."""
    import pghistory

    from audit.models import PROTECT_TRIGGER

    operations = ("DELETE", "UPDATE") if isinstance(policy.action, Anonymise) else ("DELETE",)
    closure = _closure(policy.model_class)
    tables = set(closure)
    for model in closure:
        tables.update(pghistory.core.event_models(tracks_model=model))
    uris = [f"audit.AccessLogEntry:{PROTECT_TRIGGER}"]
    for model, trigger in pgtrigger.registered():
        if model in tables and any(op in str(trigger.operation) for op in operations):
            uris.append(f"{model._meta.label}:{trigger.name}")
    return sorted(set(uris))


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
    due = policy.candidates(now)
    file_fields = [f for f in policy.model_class._meta.concrete_fields if _is_file(f)]
    if isinstance(policy.action, Anonymise):
        file_fields = [f for f in file_fields if f.name in policy.action.fields]
    has_file = Q()
    for file_field in file_fields:
        has_file |= ~Q(**{file_field.name: ""}) & Q(**{f"{file_field.name}__isnull": False})
    files = due.filter(has_file).count() if file_fields else 0
    people = _people_left(policy, now or timezone.now()) if policy.erase_people else 0
    return DryRun(policy=policy, rows=due.count(), files=files, people=people)


def preview(
    policy: RetentionPolicy, *, now: datetime | None = None, days: int = PREVIEW_DAYS
) -> PolicyPreview:
    """Return what the policy will remove in the next `days` days, by local day."""
    from privacy.models import PendingFileDeletion

    now = now or timezone.now()
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now, tz).date()
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


def _people_left(policy: RetentionPolicy, now: datetime) -> int:
    from privacy.erasure import people_left_by

    return people_left_by(policy, now=now).count()


def _start_of(day: date) -> datetime:
    """Return the moment a local day starts."""
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _is_file(target: models.Field) -> bool:
    return isinstance(target, models.FileField)


def _lock_key(name: str) -> int:
    """Return a stable 64-bit advisory-lock key for a policy name."""
    digest = hashlib.sha256(f"pkregister.retention:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def policy_lock(name: str) -> Iterator[bool]:
    """Hold the policy's session-level advisory lock; yield whether it was free.

    Session-level, not transaction-level: a run spans many transactions. A killed process's
    connection closes and PostgreSQL releases the lock with it.
    """
    key = _lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                logger.warning("Could not release the retention lock of %s", name)


def _replica_mode_allowed() -> bool:
    if not settings.RETENTION_REPLICA_MODE:
        return False
    with connection.cursor() as cursor:
        if connection.pg_version >= 150000:
            cursor.execute(
                "SELECT current_setting('is_superuser') = 'on' "
                "OR has_parameter_privilege('session_replication_role', 'SET')"
            )
        else:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        (allowed,) = cursor.fetchone()
    return bool(allowed)


@contextmanager
def _triggers_lifted(uris: list[str] | None) -> Iterator[None]:
    """Inside a transaction, lift triggers: all of them (uris None) or the named ones."""
    if uris is None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        # Until commit anyway; reset now so that an enclosing transaction (a test's) is unaffected.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    else:
        with pgtrigger.ignore(*uris):
            yield


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
        from privacy.models import RetentionRun

        self.policy = policy
        self.plan = _plan(policy.model_class)
        self.now = now
        self.batch_size = batch_size
        self.pause = pause
        self.lifted = None if _replica_mode_allowed() else _lifted_triggers(policy)
        self.run = RetentionRun.objects.create(policy=policy.name)
        self.messages: list[str] = []
        # People whose erasure was blocked: their due rows stay, so that they still say whom
        # the next run must try again (the run is recorded as failed meanwhile).
        self.kept: set[int] = set()

    def note(self, message: str) -> None:
        from privacy.models import MAX_RECORDED_MESSAGES

        logger.warning("Retention %s: %s", self.policy.name, message)
        if len(self.messages) < MAX_RECORDED_MESSAGES:
            self.messages.append(message)

    def execute(self):
        from privacy.models import RetentionRun, RunStatus

        self.delete_queued_files()
        failed = False
        if self.policy.erase_people:
            from privacy.erasure import erase_people_left_by

            try:
                erase_people_left_by(
                    self.policy, now=self.now, run=self.run, note=self.note, blocked=self.kept
                )
            except Exception as error:  # each person is one transaction: the rest stayed
                logger.exception("Erasure before retention of %s failed", self.policy.name)
                self.note(f"erasure failed: {type(error).__name__}: {error}"[:500])
                RetentionRun.objects.filter(pk=self.run.pk).update(errors=F("errors") + 1)
                failed = True
        if not failed:
            failed = not self.remove_due_rows()
        self.run.refresh_from_db()
        self.run.finished_at = timezone.now()
        self.run.messages = "\n".join(self.messages)
        self.run.status = RunStatus.FAILED if failed or self.run.errors else RunStatus.SUCCEEDED
        self.run.save(update_fields=["finished_at", "messages", "status"])
        return self.run

    @property
    def subject_path(self) -> str:
        from privacy.declarations import registry

        return registry.for_model(self.policy.model_class).subject_path

    def streams(self) -> int:
        """How many batches run at once, each in a thread with its own connection.

        One inside a caller's transaction (other connections could not see its rows) and when
        triggers are lifted one by one (pgtrigger.ignore is per connection state we keep
        simple). Otherwise RETENTION_WORKERS: the batches' work is PostgreSQL's, so a second
        stream puts a second core to work while this thread deletes the files."""
        if connection.in_atomic_block or self.lifted is not None:
            return 1
        return max(1, settings.RETENTION_WORKERS)

    def remove_due_rows(self) -> bool:
        """Remove every due row; return False if a batch failed."""
        streams = self.streams()
        if streams == 1:
            return self.stream(delete_files=True)
        # FOR UPDATE SKIP LOCKED hands each stream rows no other stream holds. Only this
        # thread deletes files (of committed batches), so no file is handled twice.
        with ThreadPoolExecutor(max_workers=streams) as pool:
            futures = [pool.submit(self.stream_in_thread) for _ in range(streams)]
            running = set(futures)
            while running:
                _done, running = wait(running, timeout=0.1)
                self.delete_queued_files()
        return all(future.result() for future in futures)

    def stream_in_thread(self) -> bool:
        try:
            return self.stream(delete_files=False)
        finally:
            connection.close()  # this thread's own connection

    def stream(self, *, delete_files: bool) -> bool:
        """Run batches until one comes back short; return False if one failed."""
        from privacy.models import RetentionRun

        last: object = None
        while True:
            try:
                count, last, queued = self.batch(last)
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

    def batch(self, last: object) -> tuple[int, object, int]:
        """Remove one batch in one transaction; return how many rows, the last age seen and
        how many files it queued."""
        from privacy.models import RetentionRun

        policy, plan = self.policy, self.plan
        with transaction.atomic(), _triggers_lifted(self.lifted):
            due = policy.candidates(self.now)
            if self.kept:
                due = due.exclude(**{f"{self.subject_path}__in": self.kept})
            if last is not None:
                # Keyset: start where the last batch ended instead of rescanning its dead rows.
                due = due.filter(**{f"{policy.age_field}__gte": last})
            # The row's physical address too: the rows stay locked until commit, so it cannot
            # change, and the delete then reaches them without probing the primary key.
            address = RawSQL(f"{_q(plan.table)}.ctid", ())  # noqa: S611 (metadata, no values)
            selected = (
                due.order_by(policy.age_field)
                .annotate(address=address)
                .values_list("pk", policy.age_field, "address")
                .select_for_update(skip_locked=True, of=("self",))[: self.batch_size]
            )
            select_sql, select_params = selected.query.sql_with_params()
            age_column = policy.model_class._meta.get_field(policy.age_field).column
            chain = _Chain(policy.name)
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
        from privacy.models import RetentionRun

        for pk, error in failures:
            self.note(f"file not deleted (queue #{pk}): {error}")
        RetentionRun.objects.filter(pk=self.run.pk).update(
            files=F("files") + done, errors=F("errors") + len(failures)
        )


def delete_queued_files(
    queue: str, *, reported: Callable[[int, list[tuple[int, str]]], None] | None = None
) -> int:
    """Delete the stored files queued in PendingFileDeletion under `queue` (a policy's name,
    or erasure's), chunk by chunk; return how many went. A file its storage refuses stays
    queued with the error, for the next run. `reported(done, failures)` follows each chunk."""
    from privacy.models import PendingFileDeletion

    last_pk = deleted = 0
    workers = max(1, settings.RETENTION_FILE_WORKERS)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            chunk = list(
                PendingFileDeletion.objects.for_policy(queue)
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", "field", "storage_name")[:FILE_CHUNK]
            )
            if not chunk:
                return deleted
            last_pk = chunk[-1][0]
            # Threads overlap the waits: object storage answers over the network, and a local
            # disk frees an old file's blocks (measured: 70-110 µs an unlink here, 13 µs only
            # for a file still in the page cache).
            results = list(pool.map(_delete_stored_file, chunk))
            failures = [(pk, error) for pk, error in results if error is not None]
            # By id, not by id range: a batch committing now may hold ids inside the range.
            failed_pks = {pk for pk, _error in failures}
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {_q(PendingFileDeletion._meta.db_table)} WHERE id = ANY(%s)",
                    [[pk for pk, _field, _name in chunk if pk not in failed_pks]],
                )
            for pk, error in failures:
                PendingFileDeletion.objects.filter(pk=pk).update(
                    attempts=F("attempts") + 1, last_error=error
                )
            deleted += len(chunk) - len(failures)
            if reported is not None:
                reported(len(chunk) - len(failures), failures)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class _Chain:
    """One batch as one SQL statement: data-modifying CTEs that pass the deleted rows' ids
    from one to the next inside the database, so no list of ids travels to Python and back."""

    def __init__(self, policy_name: str) -> None:
        self.policy_name = policy_name
        self.ctes: list[str] = []
        self.params: list = []
        self.queues: list[str] = []
        self.counter = 0

    def add(self, body: str, params: list | tuple = ()) -> str:
        self.counter += 1
        name = f"c{self.counter}"
        self.ctes.append(f"{name} AS ({body})")
        self.params.extend(params)
        return name

    def statement(self, head: str, head_params: list | tuple) -> tuple[str, list]:
        """Return the whole statement: it answers rows, the newest age and files queued."""
        queued = " + ".join(f"(SELECT count(*) FROM {q})" for q in self.queues) or "0"
        sql = f"{head}, {', '.join(self.ctes)} SELECT count(*), max(age), {queued} FROM {self.main}"
        return sql, [*head_params, *self.params]

    def queue_files(self, files: tuple[tuple[str, str], ...], source: str) -> None:
        from privacy.models import PendingFileDeletion

        table = _q(PendingFileDeletion._meta.db_table)
        for label, column in files:
            self.queues.append(
                self.add(
                    f"INSERT INTO {table} "
                    "(policy, field, storage_name, queued_at, attempts, last_error) "
                    f"SELECT %s, %s, f_{column}, now(), 0, '' FROM {source} "
                    f"WHERE f_{column} IS NOT NULL AND f_{column} <> '' RETURNING 1",
                    [self.policy_name, label],
                )
            )

    def delete(
        self, plan: _Plan, where: str, params: list, *, returning: list[str] | None = None
    ) -> str:
        """Delete rows and everything that holds them; return the CTE naming their ids."""
        returned = ", ".join(
            [f"t.{_q(plan.pk)} AS pk", *(returning or [])]
            + [f"t.{_q(c)} AS f_{c}" for _label, c in plan.files]
        )
        gone = self.add(f"DELETE FROM {_q(plan.table)} AS t {where} RETURNING {returned}", params)
        if returning is not None:
            self.main = gone
        self.queue_files(plan.files, gone)
        self.erase_history(plan, gone)
        self.erase_access_log(plan, gone)
        for table, column in plan.set_nulls:
            self.add(
                f"UPDATE {_q(table)} SET {_q(column)} = NULL WHERE {_q(column)} = {_ids(gone)}"
            )
        for dependent, column in plan.cascades:
            self.delete(_plan(dependent), f"WHERE t.{_q(column)} = {_ids(gone)}", [])
        return gone

    def erase_history(self, plan: _Plan, source: str) -> None:
        for table, column in plan.events:
            self.add(f"DELETE FROM {_q(table)} WHERE {_q(column)} = {_ids(source)}")

    def erase_access_log(self, plan: _Plan, source: str) -> None:
        """The rule of AccessLogEntry.objects.about_objects, in SQL: entries naming the row as
        the object, or as the subject when no person was known."""
        from django.contrib.contenttypes.models import ContentType

        from audit.models import AccessLogEntry

        opts = AccessLogEntry._meta
        column = {name: _q(opts.get_field(name).column) for name in _ACCESS_LOG_FIELDS}
        content_type = ContentType.objects.get_for_model(plan.model).pk
        self.add(
            f"DELETE FROM {_q(opts.db_table)} "
            f"WHERE ({column['object_type']} = %s AND {column['object_id']} = {_ids(source)}) "
            f"OR ({column['subject_type']} = %s AND {column['subject_id']} = {_ids(source)})",
            [content_type, content_type],
        )


def _ids(source: str) -> str:
    # An array, not IN (SELECT …): the planner then probes the index once per id, whatever it
    # guesses about the CTE's size, instead of hashing and scanning a large table.
    return f"ANY(ARRAY(SELECT pk FROM {source}))"


_ACCESS_LOG_FIELDS = ("object_type", "object_id", "subject_type", "subject_id")


def _anonymise(chain: _Chain, plan: _Plan, policy: RetentionPolicy, age_column: str) -> None:
    """Blank the batch's fields, queue the files they named and drop the rows' history; the
    rows stay, and so do the access-log entries that name them by id."""
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
        [_blank_value(t) for t in targets],
    )
    chain.queue_files(file_columns, old)
    chain.erase_history(plan, chain.main)


def _delete_stored_file(item: tuple[int, str, str]) -> tuple[int, str | None]:
    pk, label, name = item
    try:
        _storage_of(label).delete(name)
    except Exception as error:  # any storage failure is recorded; the next run retries
        return pk, f"{type(error).__name__}: {error}"[:500]
    return pk, None


@cache
def _field_of(label: str) -> models.FileField:
    app_label, model_name, field_name = label.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(field_name)


def _storage_of(label: str) -> Storage:
    return _field_of(label).storage


def enforce(
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    pause: float = 0.0,
):
    """Run a policy to the end and return its RetentionRun; None if it is already running."""
    from privacy.models import RetentionRun, RunStatus

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


def enforce_by_name(name: str, **options):
    """Run the named policy (for the Celery task and the command)."""
    return enforce(policies.get(name), **options)
