"""Erasing a person, everywhere, from the personal-data declarations (DESIGN.md, contracts 1, 3).

`erase_person` applies each declaration's `erasure` to the rows about one person, in one
transaction: Delete removes them (dependents before what they refer to, so PROTECT foreign keys
between declared models never stand in the way), Anonymise blanks the named fields, Keep leaves
the rows alone. The rows' copies in the change history and the access-log entries about the
person and the rows go in the same transaction; stored files are queued in PendingFileDeletion
and deleted only after commit. What is left is an ErasureRecord: when, why, by whom and how
many rows of each model, nothing about the person. A relation the declarations do not cover
(an undeclared PROTECT, a kept row that still points at the person) rolls the whole erasure
back with ErasureBlocked; nothing is ever half erased.

`people_without_reason` answers who has no row left that keeps them in the register (each
declaration's `keeps_person`); `erase_people_left_by` is the step a retention policy with
`erase_people` runs first: everyone whose due rows were their last reason is erased whole.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING

import pghistory
import pgtrigger
from django.db import DatabaseError, connection, models, router, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from audit.models import PROTECT_TRIGGER, AccessLogEntry
from privacy.declarations import Anonymise, Delete, Keep, PersonalData, registry
from privacy.models import ErasureReason, ErasureRecord, PendingFileDeletion, RetentionRun
from privacy.retention import _NO_BLANK, RetentionPolicy, _blank_value
from privacy.retention import delete_queued_files as delete_queue

if TYPE_CHECKING:
    from accounts.models import Actor

logger = logging.getLogger(__name__)

# The PendingFileDeletion queue of erasure's files (retention's queues are named by policy).
ERASURE_QUEUE = "erasure"
# People erased per selection by a retention run; each person is one transaction.
PEOPLE_BATCH = 500


class ErasureBlocked(Exception):
    """Something the declarations do not cover still holds the person; nothing was erased."""


# --- Who has a reason to be in the register -----------------------------------------------------


def person_declaration() -> PersonalData:
    """Return the declaration of the person model itself (the one with no subject path)."""
    return next(d for d in registry.declarations() if not d.subject_path)


def _keeping_rows(declaration: PersonalData, now: datetime) -> QuerySet:
    """Return the declaration's rows that keep a person: in its scope, and not past retention."""
    rows = declaration.model_class._default_manager.all()
    if declaration.keeps_person_scope:
        rows = getattr(rows, declaration.keeps_person_scope)()
    policy = declaration.retention
    if isinstance(policy, RetentionPolicy) and policy.model_class is declaration.model_class:
        # A row its policy is about to remove is going anyway: it keeps nobody.
        if policy.scope or isinstance(policy.action, Anonymise):
            rows = rows.filter(~Exists(policy.candidates(now).filter(pk=OuterRef("pk"))))
        else:
            age = policy.age_field
            rows = rows.filter(
                Q(**{f"{age}__gte": policy.cutoff(now)}) | Q(**{f"{age}__isnull": True})
            )
    return rows


def people_without_reason(
    people: QuerySet | None = None, *, now: datetime | None = None
) -> QuerySet:
    """Return the people (of `people`, by default everyone) with no row that keeps them.

    One statement: a NOT EXISTS per declaration whose rows keep a person, each answered from
    the index on the row's path to the person.
    """
    now = now or timezone.now()
    if people is None:
        people = person_declaration().model_class._default_manager.all()
    for declaration in registry.declarations():
        if not declaration.keeps_person or not declaration.subject_path:
            continue
        rows = _keeping_rows(declaration, now).filter(**{declaration.subject_path: OuterRef("pk")})
        people = people.filter(~Exists(rows))
    return people


# --- Erasing one person -------------------------------------------------------------------------


def _in_erasure_order(declarations: list[PersonalData]) -> list[PersonalData]:
    """Return the Delete declarations with every model before the models it refers to."""
    deleting = {d.model_class: d for d in declarations if isinstance(d.erasure, Delete)}
    graph: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in deleting}
    for model in deleting:
        for target in model._meta.concrete_fields:
            related = target.related_model if target.is_relation else None
            if related in deleting and related is not model:
                # The referred-to model waits for the model that refers to it.
                graph[related].add(model)
    return [deleting[model] for model in TopologicalSorter(graph).static_order()]


def _lifted_triggers(declarations: list[PersonalData]) -> list[str]:
    """Return the append-only triggers erasure lifts: on the models it deletes from or blanks,
    their history tables and the access log. Every other trigger stays in force."""
    deleting = {d.model_class for d in declarations if isinstance(d.erasure, Delete)}
    blanking = {d.model_class for d in declarations if isinstance(d.erasure, Anonymise)}
    history = {
        event_model
        for model in deleting | blanking
        for event_model in pghistory.core.event_models(tracks_model=model)
    }
    uris = {f"audit.AccessLogEntry:{PROTECT_TRIGGER}"}
    for model, trigger in pgtrigger.registered():
        if not isinstance(trigger, pgtrigger.Protect):
            continue
        operation = str(trigger.operation)
        if (model in deleting | history and "DELETE" in operation) or (
            model in blanking and "UPDATE" in operation
        ):
            uris.add(f"{model._meta.label}:{trigger.name}")
    return sorted(uris)


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _stored_files(
    model: type[models.Model], pks: Iterable[int], fields: list[models.FileField]
) -> list[tuple[str, str]]:
    """Return (field label, storage name) of the rows' stored files."""
    if not fields:
        return []
    found = []
    rows = model._base_manager.filter(pk__in=list(pks)).values_list(*(f.attname for f in fields))
    for names in rows:
        for target, name in zip(fields, names, strict=True):
            if name:
                found.append((f"{model._meta.label_lower}.{target.name}", name))
    return found


def _erase_history(model: type[models.Model], pks: list[int]) -> None:
    """Delete the rows' copies from the model's change-history tables."""
    for event_model in pghistory.core.event_models(tracks_model=model):
        event_model._base_manager.filter(pgh_obj_id__in=pks).delete()


def _erase_history_of_person(declarations: list[PersonalData], person_pk: int) -> None:
    """Delete history copies that still name the person through a direct reference: rows
    deleted earlier, by hand, left their events behind."""
    for declaration in declarations:
        if "__" in declaration.subject_path or isinstance(declaration.erasure, Keep):
            continue
        for event_model in pghistory.core.event_models(tracks_model=declaration.model_class):
            if not declaration.subject_path:
                event_model._base_manager.filter(pgh_obj_id=person_pk).delete()
                continue
            try:
                reference = event_model._meta.get_field(declaration.subject_path)
            except LookupError:
                continue
            event_model._base_manager.filter(**{reference.attname: person_pk}).delete()


def _collected(queryset: QuerySet) -> tuple[Collector, dict[type[models.Model], list[int]]]:
    """Return Django's deletion collector for the rows and every row their deletion takes
    with it (CASCADE), by model; raise ProtectedError if something PROTECTs them."""
    collector = Collector(using=router.db_for_write(queryset.model), origin=queryset)
    collector.collect(queryset)
    removed: dict[type[models.Model], set[int]] = defaultdict(set)
    for model, instances in collector.data.items():
        removed[model].update(obj.pk for obj in instances)
    for fast in collector.fast_deletes:
        removed[fast.model].update(fast.values_list("pk", flat=True))
    return collector, {model: sorted(pks) for model, pks in removed.items() if pks}


def _check_deferred_constraints() -> None:
    """Check now the foreign keys PostgreSQL would check at commit (Django declares them
    deferred), so that a row still pointing at the person fails here, inside the erasure."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _blocked(error: Exception) -> str:
    if isinstance(error, ProtectedError | RestrictedError):
        objects = (
            error.protected_objects
            if isinstance(error, ProtectedError)
            else error.restricted_objects
        )
        blockers = sorted({f"{obj._meta.label} #{obj.pk}" for obj in objects})
        return f"still referred to by {', '.join(blockers)}, which erasure does not handle"
    return f"{type(error).__name__}: {error}"


def erase_person(
    customer: models.Model,
    *,
    reason: ErasureReason,
    actor: Actor | None = None,
    reference: str = "",
) -> ErasureRecord | None:
    """Erase the person and everything about them the declarations say erasure removes.

    Return the ErasureRecord, or None if the person was already gone. Raise ErasureBlocked,
    with nothing changed, if a relation the declarations do not cover keeps the person.
    """
    from accounts.models import ApiClient

    declarations = registry.declarations()
    person_model = person_declaration().model_class
    counts: dict[str, dict[str, int]] = {"deleted": {}, "anonymised": {}, "kept": {}}
    files: list[tuple[str, str]] = []
    with transaction.atomic():
        # The lock: a row written for the person meanwhile waits, then fails on its foreign key.
        locked = person_model._base_manager.select_for_update().filter(pk=customer.pk)
        if not list(locked.values_list("pk", flat=True)):
            return None
        # Every path is followed before anything changes: some run through rows that go.
        about = {
            d.model: list(
                d.model_class._base_manager.filter(**d.subject_filter(customer.pk))
                .order_by("pk")
                .values_list("pk", flat=True)
                .distinct()
            )
            for d in declarations
        }
        try:
            with pgtrigger.ignore(*_lifted_triggers(declarations)):
                for declaration in declarations:
                    pks = about[declaration.model]
                    label = declaration.model_class._meta.label_lower
                    if isinstance(declaration.erasure, Keep) and pks:
                        counts["kept"][label] = len(pks)
                    elif isinstance(declaration.erasure, Anonymise) and pks:
                        files += _anonymise(declaration, pks)
                        counts["anonymised"][label] = len(pks)
                for declaration in _in_erasure_order(declarations):
                    pks = about[declaration.model]
                    if pks:
                        files += _delete(declaration, pks, customer, counts["deleted"])
                _erase_history_of_person(declarations, customer.pk)
                AccessLogEntry.objects.erase_for(customer)
                _check_deferred_constraints()
        except (ProtectedError, RestrictedError, DatabaseError) as error:
            raise ErasureBlocked(
                f"{person_model._meta.label} #{customer.pk} cannot be erased: {_blocked(error)}"
            ) from error
        PendingFileDeletion.objects.bulk_create(
            PendingFileDeletion(policy=ERASURE_QUEUE, field=label, storage_name=name)
            for label, name in files
        )
        is_client = isinstance(actor, ApiClient)
        record = ErasureRecord.objects.create(
            reason=reason,
            reference=reference,
            erased_by=None if is_client else actor,
            erased_by_client=actor if is_client else None,
            counts={**{k: v for k, v in counts.items() if v}, "files": len(files)},
        )
        transaction.on_commit(delete_queued_files)
    return record


def _anonymise(declaration: PersonalData, pks: list[int]) -> list[tuple[str, str]]:
    """Blank the declared fields of the rows and drop their history; return their files."""
    model = declaration.model_class
    targets = [model._meta.get_field(name) for name in declaration.erasure.fields]
    blanks = {target.name: _blank_value(target) for target in targets}
    if any(value is _NO_BLANK for value in blanks.values()):
        raise ValueError(f"{declaration.model}: erasure cannot blank {declaration.erasure.fields}")
    files = _stored_files(model, pks, [t for t in targets if isinstance(t, models.FileField)])
    model._base_manager.filter(pk__in=pks).update(**blanks)
    _erase_history(model, pks)
    return files


def _delete(
    declaration: PersonalData,
    pks: list[int],
    customer: models.Model,
    deleted: dict[str, int],
) -> list[tuple[str, str]]:
    """Delete the rows and what goes with them, their history and the access-log entries about
    them; return their stored files. An app's own `erase_for` does the deleting where it has one
    (it knows its ledger's triggers and derived rows)."""
    model = declaration.model_class
    collector, removed = _collected(model._base_manager.filter(pk__in=pks))
    files = [pair for m, ids in removed.items() for pair in _stored_files(m, ids, _file_fields(m))]
    eraser = getattr(model._default_manager, "erase_for", None)
    if eraser is not None and declaration.subject_path and "__" not in declaration.subject_path:
        eraser(customer)
    else:
        collector.delete()
    for removed_model, ids in removed.items():
        _erase_history(removed_model, ids)
        if removed_model is not type(customer):
            AccessLogEntry.objects.erase_about_objects(removed_model, ids)
        label = removed_model._meta.label_lower
        deleted[label] = deleted.get(label, 0) + len(ids)
    return files


def delete_queued_files() -> int:
    """Delete the stored files of erased rows (after the erasure has committed); return how
    many. A file its storage refuses stays queued, and the next erasure tries it again."""
    return delete_queue(ERASURE_QUEUE, reported=_log_failures)


def _log_failures(_done: int, failures: list[tuple[int, str]]) -> None:
    for pk, error in failures:
        logger.warning("Erasure: file not deleted (queue #%s): %s", pk, error)


# --- Erasing the people a retention policy leaves without reason --------------------------------


def people_left_by(policy: RetentionPolicy, *, now: datetime) -> QuerySet:
    """The people whose rows due under `policy` are their last reason to be in the register."""
    declaration = registry.for_model(policy.model_class)
    if declaration is None or not declaration.subject_path:
        raise ValueError(f"{policy.name}: {policy.model} has no path to a person to erase.")
    person_model = person_declaration().model_class
    due = policy.candidates(now).filter(**{declaration.subject_path: OuterRef("pk")})
    return people_without_reason(person_model._default_manager.filter(Exists(due)), now=now)


def erase_people_left_by(
    policy: RetentionPolicy,
    *,
    now: datetime,
    run: RetentionRun | None = None,
    note: Callable[[str], None] = logger.warning,
    blocked: set[int] | None = None,
) -> int:
    """Erase each person whose rows due under `policy` are their last reason to be here.

    Runs before the policy's batches, while the due rows still say whom they are about. Each
    person is one transaction that re-checks, under a lock on the person, that no reason has
    appeared since; a blocked erasure is noted and counted as an error, its person's id added
    to `blocked`, and the others go on. Return how many people were erased.
    """
    left = people_left_by(policy, now=now)
    delete_queued_files()  # anything an earlier erasure's storage refused
    erased, last = 0, 0
    while True:
        batch = list(
            left.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:PEOPLE_BATCH]
        )
        if not batch:
            return erased
        last = batch[-1]
        for pk in batch:
            try:
                erased += _erase_if_left(pk, policy=policy, now=now, run=run)
            except ErasureBlocked as error:
                note(str(error)[:500])
                if blocked is not None:
                    blocked.add(pk)
                if run is not None:
                    RetentionRun.objects.filter(pk=run.pk).update(errors=F("errors") + 1)


def _erase_if_left(
    pk: int, *, policy: RetentionPolicy, now: datetime, run: RetentionRun | None
) -> int:
    person_model = person_declaration().model_class
    with transaction.atomic():
        person = person_model._base_manager.select_for_update().filter(pk=pk).first()
        if person is None:
            return 0
        # Under the lock: a reason added since the selection keeps the person.
        if not people_without_reason(person_model._base_manager.filter(pk=pk), now=now).exists():
            return 0
        record = erase_person(
            person,
            reason=ErasureReason.RETENTION,
            reference=f"{policy.name} #{run.pk}" if run is not None else policy.name,
        )
        if record is None:
            return 0
        if run is not None:
            RetentionRun.objects.filter(pk=run.pk).update(
                rows=F("rows") + record.deleted(policy.model), people=F("people") + 1
            )
    return 1
