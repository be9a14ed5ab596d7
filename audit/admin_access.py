"""The admin's lists and history pages in the access log: each person a page shows gets an
entry, as the customer page writes one (issue 15, item 11).

The admin site calls `record_admin_page` with every response it renders. Which rows are about
whom comes from the personal-data declarations (their `subject_path`), so a model declared
later is logged without another line here; models that hold no personal data are not logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.apps import apps
from django.db import models
from django.http import HttpRequest, HttpResponse

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from privacy.declarations import registry

ADMIN_LIST = "admin-list"
ADMIN_HISTORY = "admin-history"


def record_admin_page(request: HttpRequest, response: HttpResponse) -> None:
    """Log the people on an admin change list or object-history page, if it shows any."""
    context = getattr(response, "context_data", None) or {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(response, "status_code", 0) != 200:
        return
    if "cl" in context:
        changelist = context["cl"]
        rows = list(changelist.result_list)
        subjects = _subjects_of_events(rows) if _is_events(changelist.model) else _subjects(rows)
        detail = ADMIN_LIST
    elif "action_list" in context and isinstance(context.get("object"), models.Model):
        subjects = _subjects([context["object"]])
        detail = ADMIN_HISTORY
    else:
        return
    if subjects:
        AccessLogEntry.record_many(
            actor=user,
            action=AccessAction.LIST,
            purpose=AccessPurpose.SUPERVISION,
            subjects=subjects,
            detail=detail,
        )


def _person_model() -> type[models.Model] | None:
    return next((d.model_class for d in registry.declarations() if d.subject_path == ""), None)


def _people_of(
    model: type[models.Model], ids: Iterable[int]
) -> list[tuple[models.Model, models.Model | None]]:
    """Return (subject, object) for each existing row of `model` among `ids`: the person the
    row is about, or the row itself when it names nobody (an unmatched call, say)."""
    declaration = registry.for_model(model)
    ids = list(dict.fromkeys(ids))
    if declaration is None or not ids:
        return []
    if not declaration.subject_path:
        return [
            (model(pk=pk), None)
            for pk in model.objects.filter(pk__in=ids).values_list("pk", flat=True)
        ]
    person = _person_model()
    pairs = model.objects.filter(pk__in=ids).values_list("pk", declaration.subject_path)
    return [
        (person(pk=person_pk), model(pk=pk)) if person_pk is not None else (model(pk=pk), None)
        for pk, person_pk in pairs
    ]


def _subjects(rows: list[models.Model]) -> list[tuple[models.Model, models.Model | None]]:
    if not rows:
        return []
    return _people_of(type(rows[0])._meta.concrete_model, [row.pk for row in rows])


def _is_events(model: type[models.Model]) -> bool:
    return model._meta.app_label == "pghistory"


def _subjects_of_events(rows: list) -> list[tuple[models.Model, models.Model | None]]:
    """The people of pghistory's aggregated events: each event names its tracked row."""
    by_model: dict[str, list[int]] = defaultdict(list)
    for event in rows:
        label, obj_id = getattr(event, "pgh_obj_model", None), getattr(event, "pgh_obj_id", None)
        if label and obj_id is not None and str(obj_id).isdigit():
            by_model[label].append(int(obj_id))
    subjects = []
    for label, ids in by_model.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        subjects += _people_of(model, ids)
    return subjects
