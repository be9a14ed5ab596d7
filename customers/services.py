"""Operations on the register's people that span models or need their actor recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from audit.history import attributed_to
from customers.models import SOURCED_FIELDS, Customer, CustomerGroup, GroupMembership, Source
from privacy.objection import Processing, objection_stops_for
from privacy.restriction import check_may_change

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import Model

    from accounts.models import Actor


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


class ConcurrentEditError(Exception):
    """Someone else saved the record after this edit began; nothing was written."""

    def __init__(self, changes: list[FieldChange]) -> None:
        super().__init__("The record was changed by someone else.")
        self.changes = changes


def _label(field: str) -> str:
    return str(Customer._meta.get_field(field).verbose_name)


def changes_since(customer: Customer, version: int) -> list[FieldChange]:
    """Return what differs between the record as it was at `version` and as it is now.

    The old state comes from the change history, which holds a snapshot of every version.
    """
    (event_model,) = pghistory.core.event_models(tracks_model=Customer)
    then = (
        event_model.objects.filter(pgh_obj_id=customer.pk, version=version)
        .order_by("-pgh_id")
        .first()
    )
    now = Customer.objects.get(pk=customer.pk)
    if then is None:
        return []
    changes = []
    for field in SOURCED_FIELDS:
        before, after = getattr(then, field), getattr(now, field)
        if before != after:
            changes.append(FieldChange(field, _label(field), before, after))
    return changes


def customer_create(
    *,
    data: dict[str, Any],
    groups: Iterable[CustomerGroup] = (),
    by: Actor,
    source: Source = Source.STAFF,
) -> Customer:
    """Add a person to the register, recording where each given value came from."""
    with transaction.atomic(), attributed_to(by):
        customer = Customer(**data)
        customer.mark_sources([f for f in SOURCED_FIELDS if f in data and data[f]], source=source)
        customer.full_clean(exclude=["customer_number"])  # assigned from the sequence on save
        customer.save()
        GroupMembership.objects.bulk_create(
            GroupMembership(customer=customer, group=group) for group in groups
        )
    return customer


def customer_update(
    *,
    customer: Customer,
    data: dict[str, Any],
    expected_version: int,
    groups: Iterable[CustomerGroup] | None = None,
    by: Actor,
    source: Source = Source.STAFF,
) -> list[str]:
    """Save changed values if nobody else saved since `expected_version`; return changed fields.

    Raises ConcurrentEditError, writing nothing, when the record moved on meanwhile: the second
    of two simultaneous edits never silently overwrites the first; ProcessingRestricted while
    the person's processing is restricted and the actor is not the privacy officer.
    """
    changed = [f for f, value in data.items() if getattr(customer, f) != value]
    with transaction.atomic(), attributed_to(by):
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        check_may_change(customer=current, by=by)
        if current.version != expected_version:
            raise ConcurrentEditError(changes_since(current, expected_version))
        if groups is not None and _set_groups(current, {g.pk for g in groups}):
            changed.append("groups")
        if changed:
            for field in changed:
                if field in data:
                    setattr(current, field, data[field])
            current.mark_sources([f for f in changed if f in SOURCED_FIELDS], source=source)
            current.full_clean()
            current.version = F("version") + 1
            current.save()
    customer.refresh_from_db()
    return changed


def related_save(*, record: Model, by: Actor) -> Model:
    """Save one of a person's roles, services, insurances or coverages, new or changed.

    Raises ProcessingRestricted while the person's processing is restricted and the actor is
    not the privacy officer.
    """
    with transaction.atomic(), attributed_to(by):
        # Lock the person (FOR NO KEY UPDATE) so a restriction set meanwhile is seen.
        Customer.objects.select_for_update(no_key=True).filter(pk=record.customer_id).values(
            "pk"
        ).get()
        check_may_change(customer=record.customer_id, by=by)
        record.save()
    return record


def _set_groups(customer: Customer, wanted: set[int]) -> bool:
    """Make the person's groups exactly `wanted`; return whether anything changed.

    Raises ValidationError when a group would be added to a person whose objection stops
    grouping (privacy.objection); taking them out of groups is always allowed.
    """
    existing = set(customer.memberships.values_list("group_id", flat=True))
    if wanted - existing and objection_stops_for(customer.pk, processing=Processing.ANALYSIS):
        raise ValidationError(
            {
                "groups": _(
                    "The person has objected to the processing of their data: they cannot be "
                    "added to groups."
                )
            }
        )
    customer.memberships.filter(group_id__in=existing - wanted).delete()
    GroupMembership.objects.bulk_create(
        GroupMembership(customer=customer, group_id=pk) for pk in wanted - existing
    )
    return existing != wanted
