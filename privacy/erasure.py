"""Erasing a person, everywhere, from the personal-data declarations (DESIGN.md, contracts 1, 3).

`erase_person` applies each declaration's `erasure` to the rows about one person, in one
transaction: Delete removes them (dependents before what they refer to, so PROTECT foreign keys
between declared models never stand in the way) with everything the deletion plan says goes with
them (privacy.plan: CASCADE dependents, change history, access-log and admin-log entries, stored
files); Anonymise blanks the named fields and every other free-text field of the row, drops the
row's history and blanks the text the trails copied from it, after the declaration's
`takes_person_out` (if any) has taken the person out of rows shared with others (their lines out
of a shared copy); Keep leaves the rows alone. Stored files are queued in PendingFileDeletion
and deleted only after commit. What is left is an ErasureRecord: when, why, by whom and how many
rows of each model, nothing about the person; and, for as long as a backup may still hold the
person, an ErasedPerson row with their internal id, so that a restore erases them again. A
relation the declarations do not cover (an
undeclared PROTECT, a kept row that still points at the person) rolls the whole erasure back
with ErasureBlocked; nothing is ever half erased.

`people_without_reason` answers who has no row left that keeps them in the register (each
declaration's `keeps_person`); `erase_people_left_by` is the step a retention policy with
`erase_people` runs first: everyone whose due rows were their last reason is erased whole.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING

import pghistory
import pgtrigger
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from privacy.declarations import (
    NO_BLANK,
    Anonymise,
    Delete,
    Keep,
    PersonalData,
    RetentionPolicy,
    blank_value,
    registry,
)
from privacy.models import ERASURE_QUEUE as ERASURE_QUEUE_NAME
from privacy.models import (
    ErasedPerson,
    ErasureReason,
    ErasureRecord,
    PendingFileDeletion,
    RetentionRun,
)
from privacy.plan import Chain, deletion_plan, lifted_triggers
from privacy.plan import delete_queued_files as delete_queue

if TYPE_CHECKING:
    from accounts.models import Actor

logger = logging.getLogger(__name__)

# The PendingFileDeletion queue of erasure's files (retention's queues are named by policy).
ERASURE_QUEUE = ERASURE_QUEUE_NAME
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


def inactivity_policy() -> RetentionPolicy | None:
    """Return the policy that erases people with no relationship and no contact (the person
    declaration's own retention), if one is declared."""
    policy = person_declaration().retention
    return policy if isinstance(policy, RetentionPolicy) else None


def is_person_policy(policy: RetentionPolicy) -> bool:
    """Whether the policy's rows are people: a run erases them whole, nothing else."""
    declaration = registry.for_model(policy.model_class)
    return declaration is not None and not declaration.subject_path


def people_without_reason(
    people: QuerySet | None = None, *, now: datetime | None = None, contact: bool = False
) -> QuerySet:
    """Return the people (of `people`, by default everyone) with no row that keeps them, and
    with `contact`, no contact within the inactivity policy's period either.

    One statement: a NOT EXISTS per declaration whose rows keep a person (or record a
    contact), each answered from the index on the row's path to the person.
    """
    now = now or timezone.now()
    if people is None:
        people = person_declaration().model_class._default_manager.all()
    inactivity = inactivity_policy() if contact else None
    for declaration in registry.declarations():
        if not declaration.subject_path:
            continue
        if declaration.keeps_person:
            rows = _keeping_rows(declaration, now).filter(
                **{declaration.subject_path: OuterRef("pk")}
            )
            people = people.filter(~Exists(rows))
        if inactivity is not None and declaration.contact_field:
            recent = declaration.model_class._default_manager.filter(
                **{
                    f"{declaration.contact_field}__gte": inactivity.cutoff(now),
                    declaration.subject_path: OuterRef("pk"),
                }
            )
            people = people.filter(~Exists(recent))
    return people


def erasure_blockers(customer_pk: int) -> list[str]:
    """Return why the person cannot be erased now (each declaration's `blocks_erasure`)."""
    reasons = []
    for declaration in registry.declarations():
        if not declaration.blocks_erasure:
            continue
        rows = declaration.model_class._default_manager.filter(
            **declaration.subject_filter(customer_pk)
        )
        count = getattr(rows, declaration.blocks_erasure)().count()
        if count:
            reasons.append(f"{declaration.blocks_erasure_reason} ({count})")
    return reasons


def kept_for_duty(customer_pk: int) -> dict[str, dict[int, object]]:
    """Return, by model label, the rows erasure would keep under a legal duty and the last day
    each is kept."""
    person = person_declaration().model_class._base_manager.get(pk=customer_pk)
    kept = {}
    for declaration in registry.declarations():
        if declaration.duty is None:
            continue
        manager = declaration.model_class._default_manager
        rows = getattr(manager.all(), declaration.duty_rows)(customer=person)
        if rows:
            kept[declaration.model_class._meta.label_lower] = rows
    return kept


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


def _lifted(declarations: list[PersonalData]) -> list[str]:
    return lifted_triggers(
        deleting=[d.model_class for d in declarations if isinstance(d.erasure, Delete)],
        blanking=[d.model_class for d in declarations if isinstance(d.erasure, Anonymise)],
    )


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


def _check_deferred_constraints() -> None:
    """Check now the foreign keys PostgreSQL would check at commit (Django declares them
    deferred), so that a row still pointing at the person fails here, inside the erasure."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _run(chain: Chain) -> tuple[dict[str, list[int]], int]:
    """Run a chain; return the ids it deleted by model label and how many files it queued."""
    sql, params = chain.removed_statement()
    removed: dict[str, list[int]] = defaultdict(list)
    files = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for label, ids in cursor.fetchall():
            if label:
                removed[label].extend(ids)
            else:
                files += len(ids)
    return {label: ids for label, ids in removed.items() if ids}, files


def _refuse_if_still_referred_to(removed: dict[str, list[int]]) -> None:
    """Raise ErasureBlocked if a row the declarations do not erase still refers, through a
    PROTECT or RESTRICT reference, to a row this erasure deleted."""
    blockers = set()
    for label, ids in removed.items():
        model = apps.get_model(label)
        for dependent, field_name in deletion_plan(model).guards:
            rows = dependent._base_manager.filter(**{f"{field_name}__in": ids})
            blockers.update(
                f"{dependent._meta.label} #{pk}" for pk in rows.values_list("pk", flat=True)[:5]
            )
    if blockers:
        raise ErasureBlocked(
            f"still referred to by {', '.join(sorted(blockers))}, which erasure does not handle"
        )


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
    files = 0
    with transaction.atomic():
        # The lock: a row written for the person meanwhile waits, then fails on its foreign key.
        locked = person_model._base_manager.select_for_update().filter(pk=customer.pk)
        if not list(locked.values_list("pk", flat=True)):
            return None
        label = f"{person_model._meta.label} #{customer.pk}"
        blockers = erasure_blockers(customer.pk)
        if blockers:
            raise ErasureBlocked(f"{label} cannot be erased: {'; '.join(blockers)}")
        person = person_model._base_manager.get(pk=customer.pk)
        # Rows kept under a legal duty are detached from the person first: the rest of the
        # erasure no longer finds them.
        for declaration in declarations:
            if declaration.keep_for_duty:
                manager = declaration.model_class._default_manager
                kept_pks = getattr(manager.all(), declaration.keep_for_duty)(customer=person)
                if kept_pks:
                    counts["kept"][declaration.model_class._meta.label_lower] = len(kept_pks)
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
            with pgtrigger.ignore(*_lifted(declarations)):
                for declaration in declarations:
                    pks = about[declaration.model]
                    name = declaration.model_class._meta.label_lower
                    if isinstance(declaration.erasure, Keep) and pks:
                        counts["kept"][name] = len(pks)
                    elif isinstance(declaration.erasure, Anonymise) and pks:
                        files += _anonymise(declaration, pks, customer)
                        counts["anonymised"][name] = len(pks)
                for declaration in _in_erasure_order(declarations):
                    pks = about[declaration.model]
                    if pks:
                        files += _delete(declaration, pks, counts["deleted"])
                _erase_history_of_person(declarations, customer.pk)
                _check_deferred_constraints()
        except ErasureBlocked as error:
            raise ErasureBlocked(f"{label} cannot be erased: {error}") from error
        except DatabaseError as error:
            raise ErasureBlocked(
                f"{label} cannot be erased: {type(error).__name__}: {error}"
            ) from error
        is_client = isinstance(actor, ApiClient)
        record = ErasureRecord.objects.create(
            reason=reason,
            reference=reference,
            erased_by=None if is_client else actor,
            erased_by_client=actor if is_client else None,
            counts={**{k: v for k, v in counts.items() if v}, "files": files},
        )
        # What a restore needs to erase the person again (privacy.backup); nothing else.
        ErasedPerson.objects.create(
            person_id=customer.pk, erasure=record, erased_at=record.erased_at
        )
        transaction.on_commit(delete_queued_files)
    return record


def _anonymise(declaration: PersonalData, pks: list[int], customer: models.Model) -> int:
    """Take the person out of rows shared with others, blank the rows' free text and files,
    drop their history and blank what their trails copied; return how many files it queued."""
    model = declaration.model_class
    targets = declaration.erased_fields()
    blanks = {target.name: blank_value(target) for target in targets}
    if any(value is NO_BLANK for value in blanks.values()):
        raise ValueError(f"{declaration.model}: erasure cannot blank {sorted(blanks)}")
    replaced: list[tuple[int, str, str]] = []
    if declaration.takes_person_out:
        rows = model._default_manager.filter(pk__in=pks)
        replaced = getattr(rows, declaration.takes_person_out)(customer=customer)
    kept = defaultdict(set)  # pk -> file fields rewritten (not blanked)
    queued = [
        PendingFileDeletion(
            policy=ERASURE_QUEUE, field=f"{model._meta.label_lower}.{field}", storage_name=name
        )
        for pk, field, name in replaced
        if name
    ]
    for pk, field, _name in replaced:
        kept[pk].add(field)
    file_targets = [t for t in targets if isinstance(t, models.FileField)]
    if file_targets:
        rows = model._base_manager.filter(pk__in=pks).values_list(
            "pk", *(t.attname for t in file_targets)
        )
        for pk, *names in rows:
            for target, name in zip(file_targets, names, strict=True):
                if name and target.name not in kept[pk]:
                    queued.append(
                        PendingFileDeletion(
                            policy=ERASURE_QUEUE,
                            field=f"{model._meta.label_lower}.{target.name}",
                            storage_name=name,
                        )
                    )
    PendingFileDeletion.objects.bulk_create(queued)
    by_kept_fields: dict[frozenset[str], list[int]] = defaultdict(list)
    for pk in pks:
        by_kept_fields[frozenset(kept[pk])].append(pk)
    for kept_fields, ids in by_kept_fields.items():
        values = {name: value for name, value in blanks.items() if name not in kept_fields}
        model._base_manager.filter(pk__in=ids).update(**values)
    chain = Chain(ERASURE_QUEUE)
    source = chain.add("SELECT unnest(%s::bigint[]) AS pk", [pks])
    chain.erase_history(deletion_plan(model), source)
    chain.blank_trails(deletion_plan(model), source)
    _run(chain)
    return len(queued)


def _delete(declaration: PersonalData, pks: list[int], deleted: dict[str, int]) -> int:
    """Delete the rows and what the deletion plan says goes with them; return how many files
    it queued."""
    plan = deletion_plan(declaration.model_class)
    chain = Chain(ERASURE_QUEUE)
    chain.delete(plan, f"WHERE t.{connection.ops.quote_name(plan.pk)} = ANY(%s)", [pks])
    removed, files = _run(chain)
    _refuse_if_still_referred_to(removed)
    for label, ids in removed.items():
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
    if declaration is None:
        raise ValueError(f"{policy.name}: {policy.model} has no path to a person to erase.")
    if not declaration.subject_path:
        # The inactivity policy: its due rows are the people themselves.
        return people_without_reason(policy.candidates(now), now=now, contact=True)
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
        again = people_without_reason(
            person_model._base_manager.filter(pk=pk), now=now, contact=is_person_policy(policy)
        )
        if is_person_policy(policy):
            again = again.filter(pk__in=policy.candidates(now).values("pk"))
        if not again.exists():
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
