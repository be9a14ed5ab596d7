"""The audit trail in the privacy officer's words: who (staff by name, the person by name and
link) and what changed ("Sähköposti: a@x.fi → b@x.fi"), for the admin's lists.

Everything here works on one page of rows at a time, in a fixed number of queries whatever the
page holds: the people and the staff named on it are fetched once each.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from privacy.declarations import registry

EVENT_LABELS = {
    "insert": gettext_lazy("Added"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Removed"),
}

# Columns every tracked table has that say nothing to a reader.
_BOOKKEEPING = {"id", "version"}
# An added row shows at most this many of its values; the rest are counted.
MAX_VALUES_SHOWN = 6


def person_model() -> type[models.Model] | None:
    """The model of the people the register is about (declared with an empty path)."""
    return next((d.model_class for d in registry.declarations() if d.subject_path == ""), None)


def people_by_id(ids: Iterable[int]) -> dict[int, models.Model]:
    """Return the existing people among `ids`, in one query."""
    model = person_model()
    ids = {pk for pk in ids if pk is not None}
    if model is None or not ids:
        return {}
    return model._default_manager.in_bulk(ids)


def staff_by_id(ids: Iterable[int]) -> dict[int, models.Model]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return get_user_model()._default_manager.in_bulk(ids)


def api_clients_by_id(ids: Iterable[int]) -> dict[int, models.Model]:
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    return apps.get_model("accounts", "ApiClient")._default_manager.in_bulk(ids)


def staff_name(user: models.Model) -> str:
    return user.get_full_name() or user.get_username()


def person_label(person: models.Model) -> str:
    """The person's name, with the customer number that tells two namesakes apart."""
    number = getattr(person, "customer_number", "")
    return f"{person} ({number})" if number else str(person)


# --- Change history ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the row was added, only the value is shown
    after: str

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.field}: {self.after}"
        return f"{self.field}: {self.before} → {self.after}"


def _field(model: type[models.Model] | None, column: str) -> models.Field | None:
    """The model field stored in the column (`customer_id` is the field `customer`)."""
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if column in (field.attname, field.name):
            return field
    return None


def readable_value(field: models.Field | None, value: Any) -> str:
    """A stored value as the reader knows it: choices by label, yes/no, local times."""
    if value is None or value == "":
        return "–"
    if field is None:
        return str(value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, timezone.utc)
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(value, (datetime, date)):
        return formats.localize(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _label(field: models.Field | None, column: str) -> str:
    if field is None:
        return column
    return str(field.verbose_name).capitalize()


def _shown(field: models.Field | None, column: str) -> bool:
    if column.startswith("pgh_") or column in _BOOKKEEPING:
        return False
    return not (field is not None and getattr(field, "auto_now", False))


def _structured(field: models.Field | None) -> bool:
    """A JSON column (where each value came from, say) is named as changed, not quoted."""
    return isinstance(field, models.JSONField)


def readable_changes(
    model: type[models.Model] | None, label: str, diff: dict | None, data: dict | None
) -> list[FieldChange]:
    """What an event changed, field by field, in the model's own (Finnish) field names.

    An update shows each changed field as before → after; an added row its filled-in values
    (at most MAX_VALUES_SHOWN, then how many more); a removal shows nothing but the removal.
    """
    if label == "update" or (diff and label not in EVENT_LABELS):
        changes = []
        for column, (before, after) in (diff or {}).items():
            field = _field(model, column)
            if not _shown(field, column):
                continue
            if _structured(field):
                changes.append(FieldChange(_label(field, column), None, _("changed")))
                continue
            changes.append(
                FieldChange(
                    _label(field, column),
                    readable_value(field, before),
                    readable_value(field, after),
                )
            )
        return changes
    if label == "insert":
        changes = []
        for column, value in (data or {}).items():
            field = _field(model, column)
            if value in (None, "", [], {}) or not _shown(field, column) or _structured(field):
                continue
            if field is not None and field.is_relation:
                continue  # the person and the related row are shown in their own columns
            changes.append(FieldChange(_label(field, column), None, readable_value(field, value)))
        if len(changes) > MAX_VALUES_SHOWN:
            more = len(changes) - MAX_VALUES_SHOWN
            changes = [
                *changes[:MAX_VALUES_SHOWN],
                FieldChange(_("Other values"), None, _("%(count)d more") % {"count": more}),
            ]
        return changes
    return []


def _event_model(label: str | None) -> type[models.Model] | None:
    if not label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def annotate_events(events: list) -> None:
    """Give each event of one page what the list shows: `tracked_model`, `changes`, `person`
    (or None), `staff` / `api_client` (or None) and `automatic` (a job or a command did it).

    Queries: one for the people, one for staff, one for API clients, and one for each model on
    the page whose rows reach their person through another row (a request's document, say).
    """
    person_ids: dict[int, int | None] = {}
    indirect: dict[type[models.Model], dict[int, list[int]]] = defaultdict(dict)
    person = person_model()
    for index, event in enumerate(events):
        model = _event_model(event.pgh_obj_model)
        event.tracked_model = model
        declaration = registry.for_model(model) if model is not None else None
        data = event.pgh_data or {}
        person_ids[index] = None
        if declaration is None:
            continue
        path = declaration.subject_path
        if model is person or path == "":
            person_ids[index] = _as_int(event.pgh_obj_id)
        elif "__" not in path and isinstance(_field(model, path), models.ForeignKey):
            person_ids[index] = _as_int(data.get(_field(model, path).attname))
        elif _as_int(event.pgh_obj_id) is not None:
            indirect[model].setdefault(_as_int(event.pgh_obj_id), []).append(index)
    for model, rows in indirect.items():
        path = registry.for_model(model).subject_path
        for pk, person_pk in model._default_manager.filter(pk__in=rows).values_list("pk", path):
            for index in rows[pk]:
                person_ids[index] = person_ids[index] or person_pk
    people = people_by_id(person_ids.values())
    contexts = [event.pgh_context or {} for event in events]
    staff = staff_by_id(_as_int(c.get("user")) for c in contexts)
    clients = api_clients_by_id(_as_int(c.get("api_client")) for c in contexts)
    for index, event in enumerate(events):
        context = contexts[index]
        event.person = people.get(person_ids[index])
        event.staff = staff.get(_as_int(context.get("user")))
        event.api_client = clients.get(_as_int(context.get("api_client")))
        event.automatic = event.staff is None and event.api_client is None
        event.changes = readable_changes(
            event.tracked_model, event.pgh_label, event.pgh_diff, event.pgh_data
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def tracked_name(model: type[models.Model] | None, fallback: str) -> str:
    if model is None:
        return fallback
    return str(model._meta.verbose_name).capitalize()
