# ruff: noqa: S608 (SQL is composed from querysets Django compiled; every value is a parameter)
"""Finding the people a breach involved from the register's own records.

Each way of finding yields pairs (customer id, what was involved) as one SQL query:
- a staff account or an API client in a time window: whom it viewed, exported, downloaded or
  played (the access log) and whose data it changed (the change history's context names the
  user or client of every change);
- a disclosure or an audience export: the people whose data it handed over;
- a lost file: the person whose recording, evidence or copy it was, found through the
  personal-data declarations' file fields and paths to the person.

The pairs are merged into the breach's affected-people list by one INSERT … SELECT inside the
database, so a search that names half a million people never travels through Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pghistory
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import CharField, Value
from pghistory.models import Context

from audit.models import AccessLogEntry
from breaches.models import AffectedPerson, Involvement
from customers.models import Customer
from privacy.declarations import file_fields, registry

# A history context is one request or one service call, seconds long, and its time is when it
# began: a context begun this much before the window still catches changes made inside it.
CONTEXT_MARGIN = timedelta(days=1)

Pairs = list[models.QuerySet]


@dataclass(frozen=True)
class Found:
    found: int  # people this search named
    new: int  # of whom not already on the list


def _literal(what: str) -> Value:
    return Value(what, output_field=CharField())


def access_log_pairs(*, actor_field: str, actor_pk: int, start: datetime, end: datetime) -> Pairs:
    """Whom the actor viewed, exported, downloaded or played in [start, end)."""
    entries = AccessLogEntry.objects.filter(
        **{actor_field: actor_pk},
        at__gte=start,
        at__lt=end,
        subject_type=ContentType.objects.get_for_model(Customer),
    ).order_by()
    return [entries.values_list("subject_id", "action")]


def _subject_of_event(event_model: type[models.Model], subject_path: str) -> str:
    """The lookup from a history event to the person: the event's own copy of the tracked
    row's reference where it has one, else through the tracked row."""
    if not subject_path:
        return "pgh_obj_id"
    first = subject_path.split("__", 1)[0]
    try:
        event_model._meta.get_field(first)
    except LookupError:
        return f"pgh_obj__{subject_path}__pk"
    return f"{subject_path}__pk"


def history_pairs(*, context_key: str, actor_pk: int, start: datetime, end: datetime) -> Pairs:
    """Whose data the actor changed in [start, end), from every tracked personal-data model."""
    contexts = Context.objects.filter(
        **{f"metadata__{context_key}": actor_pk},
        created_at__gte=start - CONTEXT_MARGIN,
        created_at__lt=end,
    ).values("id")
    pairs: Pairs = []
    for declaration in registry.declarations():
        model = declaration.model_class
        # The breach register's own rows are written by whoever searches it, not by the breach.
        if not declaration.history or model._meta.app_label == AffectedPerson._meta.app_label:
            continue
        for event_model in pghistory.core.event_models(tracks_model=model):
            subject = _subject_of_event(event_model, declaration.subject_path)
            events = (
                event_model._base_manager.filter(
                    pgh_context_id__in=contexts, pgh_created_at__gte=start, pgh_created_at__lt=end
                )
                .filter(**{f"{subject}__isnull": False})
                .order_by()
            )
            pairs.append(events.values_list(subject, _literal(Involvement.CHANGE)))
    return pairs


def disclosure_pairs(*, disclosure_pk: int) -> Pairs:
    from consents.models import DisclosureSubject

    subjects = DisclosureSubject.objects.filter(disclosure_id=disclosure_pk).order_by()
    return [subjects.values_list("customer_id", _literal(Involvement.DISCLOSED))]


def file_pairs(*, name: str) -> Pairs:
    """Whose the stored file was: every declared model's file fields, matched by the storage
    name (or, given a bare file name, by its last part)."""
    name = name.strip()
    pairs: Pairs = []
    for declaration in registry.declarations():
        model = declaration.model_class
        for target in file_fields(model):
            lookup = (
                {target.name: name} if "/" in name else {f"{target.name}__endswith": "/" + name}
            )
            path = f"{declaration.subject_path}__pk" if declaration.subject_path else "pk"
            rows = (
                model._base_manager.filter(**lookup).exclude(**{f"{path}__isnull": True}).order_by()
            )
            pairs.append(rows.values_list(path, _literal(Involvement.FILE)))
    return pairs


def store(*, breach_pk: int, pairs: Pairs, by_pk: int) -> Found:
    """Merge the pairs into the breach's affected-people list in one statement; return how
    many people they named and how many were new."""
    if not pairs:
        return Found(found=0, new=0)
    parts, params = [], []
    for queryset in pairs:
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(part_params)
    table = AffectedPerson._meta.db_table
    people = Customer._meta.db_table
    sql = (
        f"WITH stored AS (INSERT INTO {table} (breach_id, customer_id, involved, found_at, "
        "found_by_id) "
        "SELECT %s, f.customer_id, array_agg(DISTINCT f.what::varchar ORDER BY f.what::varchar), "
        f"now(), %s FROM ({' UNION ALL '.join(parts)}) AS f (customer_id, what) "
        # A change event may outlive a person deleted by hand: nobody to tell.
        f"WHERE EXISTS (SELECT 1 FROM {people} p WHERE p.id = f.customer_id) "
        "GROUP BY f.customer_id "
        "ON CONFLICT (breach_id, customer_id) DO UPDATE SET involved = ARRAY("
        f"SELECT DISTINCT x FROM unnest({table}.involved || EXCLUDED.involved) AS x ORDER BY x) "
        "RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*), count(*) FILTER (WHERE inserted) FROM stored"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [breach_pk, by_pk, *params])
        found, new = cursor.fetchone()
    return Found(found=found, new=new)
