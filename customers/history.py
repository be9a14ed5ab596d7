"""A person's recent change history, for their page (django-pghistory events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

from customers.models import Customer

ACTIONS = {"insert": _("added"), "update": _("changed"), "delete": _("removed")}

# Bookkeeping columns that change on every save and say nothing to a reader.
_HIDDEN = {"version", "updated_at", "field_sources"}


@dataclass(frozen=True)
class Change:
    at: datetime
    what: str
    action: str
    fields: list[str]
    actor: str


def recent_changes(customer: Customer, limit: int = 10) -> list[Change]:
    """Return the latest changes to the person and their related records, newest first.

    Two queries whatever the history's length: the events, then the users who made them.
    """
    events = list(
        Events.objects.references(customer).order_by("-pgh_created_at", "-pgh_id")[:limit]
    )
    user_ids = {
        e.pgh_context.get("user") for e in events if e.pgh_context and e.pgh_context.get("user")
    }
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
    changes = []
    for event in events:
        model = apps.get_model(event.pgh_obj_model)
        fields = sorted(set(event.pgh_diff or {}) - _HIDDEN)
        context = event.pgh_context or {}
        user = users.get(context.get("user"))
        if user is not None:
            actor = user.get_full_name() or user.get_username()
        elif context.get("api_client"):
            actor = _("API client")
        elif context.get("command") or context.get("job"):
            actor = _("automatic job")
        else:
            actor = "–"
        changes.append(
            Change(
                at=event.pgh_created_at,
                what=str(model._meta.verbose_name),
                action=str(ACTIONS.get(event.pgh_label, event.pgh_label)),
                fields=[
                    str(model._meta.get_field(f).verbose_name)
                    for f in fields
                    if _has_field(model, f)
                ],
                actor=actor,
            )
        )
    return changes


def _has_field(model: type[Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
