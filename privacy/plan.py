# ruff: noqa: S608 (SQL is composed from model metadata, quoted; every value is a parameter)
"""What deleting a row takes with it, planned once for retention and erasure alike.

A row's deletion takes its CASCADE dependents (and sets SET_NULL references to NULL), the
copies of all of them in the change history, the trail entries naming any of them (the access
log, Django's admin log: every `trail` declaration) and their stored files. `deletion_plan`
reads that from the model metadata and the declarations; `Chain` turns it into one SQL
statement of data-modifying CTEs, which the retention engine runs per batch and erasure per
person. Stored files are never deleted inside the statement: their names are queued in
PendingFileDeletion in the same transaction and `delete_queued_files` deletes them after commit.

The append-only triggers to lift for a deletion (`lifted_triggers`) are computed here too, from
the same plan, so both callers lift exactly the same ones.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import pghistory
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connection, models
from django.db.models import F

from privacy.declarations import Trail, blank_value, file_fields, registry
from privacy.models import PendingFileDeletion

logger = logging.getLogger(__name__)

FILE_CHUNK = 10_000


@dataclass(frozen=True)
class DeletionPlan:
    """The tables one model's rows live in: its own, its history, its files, its dependents."""

    model: type[models.Model]
    table: str
    pk: str
    files: tuple[tuple[str, str], ...]  # (field label, column)
    events: tuple[tuple[str, str], ...]  # (event table, column naming the tracked row)
    cascades: tuple[tuple[type[models.Model], str], ...]  # (dependent model, its FK column)
    set_nulls: tuple[tuple[str, str], ...]  # (dependent table, its FK column)
    # (dependent model, its FK field name): references that forbid the deletion (PROTECT,
    # RESTRICT) unless erasure deletes the dependents first.
    guards: tuple[tuple[type[models.Model], str], ...]
    problems: tuple[str, ...]


@cache
def deletion_plan(model: type[models.Model]) -> DeletionPlan:
    """Return what deleting a row of the model takes with it (cached: metadata only)."""
    opts = model._meta
    files = tuple((f"{opts.label_lower}.{f.name}", f.column) for f in file_fields(model))
    events = []
    for event_model in pghistory.core.event_models(tracks_model=model):
        obj_field = next(
            f
            for f in event_model._meta.concrete_fields
            if f.is_relation and f.related_model is model and f.name == "pgh_obj"
        )
        events.append((event_model._meta.db_table, obj_field.column))
    cascades, set_nulls, guards, problems = [], [], [], []
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
            guards.append((dependent, relation.field.name))
            problems.append(
                f"{dependent._meta.label}.{relation.field.name} refers to {opts.label} with "
                f"on_delete={on_delete.__name__}; retention deletes only with CASCADE, "
                "SET_NULL or DO_NOTHING dependents."
            )
    for dependent, _column in cascades:
        problems.extend(deletion_plan(dependent).problems)
    return DeletionPlan(
        model=model,
        table=opts.db_table,
        pk=opts.pk.column,
        files=files,
        events=tuple(events),
        cascades=tuple(cascades),
        set_nulls=tuple(set_nulls),
        guards=tuple(guards),
        problems=tuple(problems),
    )


def closure(model: type[models.Model]) -> list[type[models.Model]]:
    """Return the model and every model its deletion cascades to."""
    found = [model]
    for dependent, _column in deletion_plan(model).cascades:
        found.extend(m for m in closure(dependent) if m not in found)
    return found


def lifted_triggers(
    *, deleting: Iterable[type[models.Model]] = (), blanking: Iterable[type[models.Model]] = ()
) -> list[str]:
    """Return the URIs of the triggers a deletion (and blanking) of these models' rows must
    lift: every DELETE trigger on them, what they cascade to and their history tables; every
    UPDATE trigger on the blanked ones, and DELETE on their history; the trails' guards.
    Every other trigger stays in force."""
    deleted: set[type[models.Model]] = set()
    for model in deleting:
        deleted.update(closure(model))
    blanked = set(blanking)
    history = {
        event_model
        for model in deleted | blanked
        for event_model in pghistory.core.event_models(tracks_model=model)
    }
    trails = {t.model_class for t in registry.trail_declarations()}
    uris = set()
    for model, trigger in pgtrigger.registered():
        operation = str(trigger.operation)
        if (model in deleted | history | trails and "DELETE" in operation) or (
            model in blanked | trails and "UPDATE" in operation
        ):
            uris.add(f"{model._meta.label}:{trigger.name}")
    return sorted(uris)


def replica_mode_allowed() -> bool:
    """Whether this connection may skip every trigger of a transaction (the fast path)."""
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
def triggers_lifted(uris: list[str] | None) -> Iterator[None]:
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


# --- One statement --------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _ids(source: str, *, as_text: bool = False) -> str:
    # An array, not IN (SELECT …): the planner then probes the index once per id, whatever it
    # guesses about the CTE's size, instead of hashing and scanning a large table.
    pk = "pk::text" if as_text else "pk"
    return f"ANY(ARRAY(SELECT {pk} FROM {source}))"


def _spanned(column: str, span: str) -> str:
    """`column` lies between the smallest and the largest id of a source (its span CTE)."""
    return f"{column} BETWEEN (SELECT lo FROM {span}) AND (SELECT hi FROM {span})"


def _guarded(table: str, condition: str, span: str | None) -> str:
    """Return the condition behind a guard the planner evaluates once per statement: whether
    the table holds any row referring into the source's id span at all (`span`, a condition
    on the table; None: no guard). A row naming one of the ids lies in the span, so the guard
    never hides one; when the span is empty of them (most batches for most dependents: holds,
    access-log entries, feedback), one index probe replaces one probe per id."""
    if span is None:
        return condition
    return f"EXISTS (SELECT FROM {table} WHERE {span}) AND ({condition})"


def integer_pk(model: type[models.Model]) -> bool:
    """Whether the model's ids are integers: their span min()..max() and modulo mean something."""
    return isinstance(model._meta.pk, models.IntegerField)


class Chain:
    """One deletion as one SQL statement: data-modifying CTEs that pass the deleted rows' ids
    from one to the next inside the database, so no list of ids travels to Python and back."""

    def __init__(self, queue: str) -> None:
        self.queue = queue  # the PendingFileDeletion queue of the files
        self.ctes: list[str] = []
        self.params: list = []
        self.queues: list[str] = []
        self.removed: list[tuple[str, str]] = []  # (model label, CTE of its deleted ids)
        self.counter = 0
        self.main = ""
        self.spans: dict[str, str] = {}

    def span(self, source: str) -> str:
        """Return the CTE holding the smallest and largest id of a source (computed once)."""
        if source not in self.spans:
            self.spans[source] = self.add(f"SELECT min(pk) AS lo, max(pk) AS hi FROM {source}")
        return self.spans[source]

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

    def removed_statement(self) -> tuple[str, list]:
        """Return the statement answering (model label, ids deleted) per deleting CTE, and
        ("", one zero per file queued) per file queue."""
        parts = [f"SELECT %s::text, ARRAY(SELECT pk FROM {cte})" for _label, cte in self.removed]
        parts += [f"SELECT ''::text, ARRAY(SELECT 0::bigint FROM {q})" for q in self.queues]
        parts = parts or ["SELECT ''::text, ARRAY[]::bigint[]"]
        labels = [label for label, _cte in self.removed]
        return f"WITH {', '.join(self.ctes)} {' UNION ALL '.join(parts)}", [*self.params, *labels]

    def queue_files(self, files: tuple[tuple[str, str], ...], source: str) -> None:
        table = _q(PendingFileDeletion._meta.db_table)
        for label, column in files:
            self.queues.append(
                self.add(
                    f"INSERT INTO {table} "
                    "(policy, field, storage_name, queued_at, attempts, last_error) "
                    f"SELECT %s, %s, f_{column}, now(), 0, '' FROM {source} "
                    f"WHERE f_{column} IS NOT NULL AND f_{column} <> '' RETURNING 1",
                    [self.queue, label],
                )
            )

    def delete(
        self, plan: DeletionPlan, where: str, params: list, *, returning: list[str] | None = None
    ) -> str:
        """Delete rows and everything that holds them; return the CTE naming their ids."""
        returned = ", ".join(
            [f"t.{_q(plan.pk)} AS pk", *(returning or [])]
            + [f"t.{_q(c)} AS f_{c}" for _label, c in plan.files]
        )
        gone = self.add(f"DELETE FROM {_q(plan.table)} AS t {where} RETURNING {returned}", params)
        self.removed.append((plan.model._meta.label_lower, gone))
        if returning is not None:
            self.main = gone
        self.queue_files(plan.files, gone)
        self.erase_history(plan, gone)
        self.erase_trails(plan, gone)
        ranged = integer_pk(plan.model)
        for table, column in plan.set_nulls:
            span = _spanned(_q(column), self.span(gone)) if ranged else None
            condition = _guarded(_q(table), f"{_q(column)} = {_ids(gone)}", span)
            self.add(f"UPDATE {_q(table)} SET {_q(column)} = NULL WHERE {condition}")
        for dependent, column in plan.cascades:
            span = _spanned(_q(column), self.span(gone)) if ranged else None
            table = _q(dependent._meta.db_table)
            condition = _guarded(table, f"t.{_q(column)} = {_ids(gone)}", span)
            self.delete(deletion_plan(dependent), f"WHERE {condition}", [])
        return gone

    def erase_history(self, plan: DeletionPlan, source: str) -> None:
        for table, column in plan.events:
            self.add(f"DELETE FROM {_q(table)} WHERE {_q(column)} = {_ids(source)}")

    def erase_trails(self, plan: DeletionPlan, source: str) -> None:
        """Delete the trail entries naming the rows (every trail's)."""
        for declaration in registry.trail_declarations():
            condition, params = self.trail_condition(declaration, plan.model, source)
            table = _q(declaration.model_class._meta.db_table)
            self.add(f"DELETE FROM {table} WHERE {condition}", params)

    def blank_trails(self, plan: DeletionPlan, source: str) -> None:
        """Blank the copied text of the trail entries naming rows that stay, anonymised."""
        for declaration in registry.trail_declarations():
            if not declaration.text_fields:
                continue
            opts = declaration.model_class._meta
            targets = [opts.get_field(name) for name in declaration.text_fields]
            assignments = ", ".join(f"{_q(t.column)} = %s" for t in targets)
            condition, params = self.trail_condition(declaration, plan.model, source)
            self.add(
                f"UPDATE {_q(opts.db_table)} SET {assignments} WHERE {condition}",
                [*(blank_value(t) for t in targets), *params],
            )

    def trail_condition(
        self, declaration: Trail, model: type[models.Model], source: str
    ) -> tuple[str, list]:
        """The rows of a trail that name one of the source's rows (the rule of
        AccessLogEntry.objects.about_objects), guarded by the source's id span when every
        reference holds integer ids (Django's admin log holds text, which sorts otherwise)."""
        opts = declaration.model_class._meta
        content_type = ContentType.objects.get_for_model(model).pk
        references = [
            (_q(opts.get_field(type_field).column), opts.get_field(id_field))
            for type_field, id_field in declaration.references
        ]
        integers = all(isinstance(target, models.IntegerField) for _type, target in references)
        condition = " OR ".join(
            f"({type_column} = %s AND {_q(target.column)} = "
            f"{_ids(source, as_text=not isinstance(target, models.IntegerField))})"
            for type_column, target in references
        )
        params = [content_type] * len(references)
        if not (integers and integer_pk(model)):
            return condition, params
        span = self.span(source)
        guard = " OR ".join(
            f"({type_column} = %s AND {_spanned(_q(target.column), span)})"
            for type_column, target in references
        )
        # The guard's parameters come first: one content type per reference, like the condition's.
        return _guarded(_q(opts.db_table), condition, guard), [*params, *params]


# --- Stored files ---------------------------------------------------------------------------


def delete_queued_files(
    queue: str, *, reported: Callable[[int, list[tuple[int, str]]], None] | None = None
) -> int:
    """Delete the stored files queued in PendingFileDeletion under `queue` (a policy's name,
    or erasure's), chunk by chunk; return how many went. A file its storage refuses stays
    queued with the error, for the next run. `reported(done, failures)` follows each chunk.

    Pipelined: while the threads delete one chunk's files, this thread removes the queue rows
    of the chunk before and reads the next one, so that the files never wait for the database
    (the bookkeeping was a fifth of the time a file took, measured)."""
    workers = max(1, settings.RETENTION_FILE_WORKERS)
    deleted = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        chunk = _queued_chunk(queue, after=0)
        done: tuple[list[tuple[int, str, str]], list[tuple[int, str]]] | None = None
        while chunk:
            _make_durable()
            # Threads overlap the waits: object storage answers over the network, and a local
            # disk frees an old file's blocks (measured: 100-300 µs an unlink of a file on disk
            # where the file system discards freed blocks at once, 15 µs for one still only in
            # the page cache). Each thread takes a slice of the chunk: a task per file would
            # cost more in the pool's locking than the unlink itself (150 µs a file, measured).
            slices = [chunk[start::workers] for start in range(workers)]
            running = [pool.submit(_delete_stored_files, part) for part in slices]
            if done is not None:
                deleted += _settle(*done, reported=reported)
            following = _queued_chunk(queue, after=chunk[-1][0])
            done = (chunk, [failure for future in running for failure in future.result()])
            chunk = following
        if done is not None:
            deleted += _settle(*done, reported=reported)
    return deleted


def _queued_chunk(queue: str, *, after: int) -> list[tuple[int, str, str]]:
    """Return the next FILE_CHUNK queue items (id, field label, stored name) after id `after`."""
    return list(
        PendingFileDeletion.objects.for_policy(queue)
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "field", "storage_name")[:FILE_CHUNK]
    )


def _settle(
    chunk: list[tuple[int, str, str]],
    failures: list[tuple[int, str]],
    *,
    reported: Callable[[int, list[tuple[int, str]]], None] | None,
) -> int:
    """Remove the queue rows of a chunk's deleted files, note the errors of those that stay
    and report; return how many went."""
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
    if reported is not None:
        reported(len(chunk) - len(failures), failures)
    return len(chunk) - len(failures)


def _make_durable() -> None:
    """Make every transaction committed so far durable before its files go: batches commit
    without waiting for their WAL flush (privacy.retention), and a crash must never bring back
    a row whose file is gone. A transaction with an id of its own commits synchronously, which
    flushes the WAL up to its commit, past every commit before it."""
    if connection.in_atomic_block:
        return  # inside a caller's transaction (a test's) nothing commits here anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()")


def _delete_stored_files(items: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """Delete the files of queue items; return the (queue id, error) of those that stay."""
    failures = []
    removers: dict[str, Callable[[str], None]] = {}
    for pk, label, name in items:
        try:
            if label not in removers:
                removers[label] = _remover(storage_of(label))
            removers[label](name)
        except Exception as error:  # any storage failure is recorded; the next run retries
            failures.append((pk, f"{type(error).__name__}: {error}"[:500]))
    return failures


def _remover(storage: Storage) -> Callable[[str], None]:
    """Return how to delete a stored file of `storage`: its delete(), or, for Django's own
    FileSystemStorage (neither delete() nor path() overridden), os.remove of the name inside
    its location. That is what its delete() does for a file, less the stat it makes of every
    name to tell a directory apart (a queued name is a file) and less normalising the location
    again for every name: 43 µs a file against 24 µs for a bare os.remove, measured with the
    engine's 16 threads on one disk; the difference is time holding the GIL that the batches
    beside it need. Asked afresh for each slice: the location may change (settings in tests)."""
    kind = storage.__class__  # the default storage is a lazy proxy: ask it for its class
    if not (
        issubclass(kind, FileSystemStorage)
        and kind.delete is FileSystemStorage.delete
        and kind.path is FileSystemStorage.path
    ):
        return storage.delete
    location = os.path.abspath(storage.location)
    inside = location + os.sep

    def remove(name: str) -> None:
        # As django.utils._os.safe_join (what FileSystemStorage.path uses): the name must lead
        # inside the location.
        path = os.path.normpath(os.path.join(location, name))
        if not name or not path.startswith(inside):
            raise SuspiciousFileOperation(f"{name!r} is not inside the storage's location")
        with contextlib.suppress(FileNotFoundError):  # already gone: what deleting wants
            os.remove(path)

    return remove


@cache
def _field_of(label: str) -> models.FileField:
    app_label, model_name, field_name = label.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(field_name)


def storage_of(label: str) -> Storage:
    """Return the storage of a file field named "app_label.model.field"."""
    return _field_of(label).storage
