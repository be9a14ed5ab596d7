"""Operations on the register's people that span models or need their actor recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.history import attributed_to
from customers.models import (
    SOURCED_FIELDS,
    ContactRole,
    Customer,
    CustomerGroup,
    GroupMembership,
    Source,
)
from privacy.objection import Processing, objection_stops_for
from privacy.restriction import ProcessingRestricted, check_may_change

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
        if isinstance(record, ContactRole) and record.ended_on is None:
            # Customer service saving a role in force is its confirmation (the review list).
            record.confirmed_on = timezone.localdate()
            record.review_listed_on = None
        record.save()
    return record


# --- The contact-role review (notice §11: kept while the role requires) -----------------------


def _locked_role(role: ContactRole) -> ContactRole:
    """Lock the role's person (so a restriction set meanwhile is seen), then the role."""
    customer_id = ContactRole.objects.filter(pk=role.pk).values_list("customer_id", flat=True).get()
    Customer.objects.select_for_update(no_key=True).filter(pk=customer_id).values("pk").get()
    return ContactRole.objects.select_for_update().get(pk=role.pk)


def contact_role_confirm(*, role: ContactRole, by: Actor) -> ContactRole:
    """Record that the role still holds: it leaves the review list and its 24 months start
    again. Raises ProcessingRestricted while the person's processing is restricted."""
    with transaction.atomic(), attributed_to(by):
        current = _locked_role(role)
        check_may_change(customer=current.customer_id, by=by)
        if current.ended_on is not None:
            raise ValueError("An ended role cannot be confirmed.")
        current.confirmed_on = timezone.localdate()
        current.review_listed_on = None
        current.save(update_fields=["confirmed_on", "review_listed_on"])
    return current


def contact_role_end(*, role: ContactRole, by: Actor | None, on: date | None = None) -> ContactRole:
    """End the role today (or `on`): it leaves the review list, and its retention period
    (ENDED_CONTACT_ROLES) starts. Raises ProcessingRestricted while the person's processing is
    restricted (and `by` is not the privacy officer)."""
    day = on or timezone.localdate()
    with transaction.atomic(), attributed_to(by):
        current = _locked_role(role)
        check_may_change(customer=current.customer_id, by=by)
        if current.ended_on is None:
            current.ended_on = max(day, current.started_on)
        current.review_listed_on = None
        current.save(update_fields=["ended_on", "review_listed_on"])
    return current


@dataclass(frozen=True)
class RoleReview:
    listed: int
    ended: int
    restricted: int


def contact_roles_review(*, today: date | None = None) -> RoleReview:
    """Put the roles quiet for CONTACT_ROLE_REVIEW_MONTHS on the review list, and end those
    left unanswered there CONTACT_ROLE_REVIEW_GRACE_MONTHS (the daily job; safe to run twice at
    once: each role is ended under its lock, and listing is one conditional UPDATE). A role
    whose person's processing is restricted is not ended: it stays on the list."""
    day = today or timezone.localdate()
    with transaction.atomic(), pghistory.context(job="review-contact-roles"):
        listed = ContactRole.objects.filter(
            pk__in=ContactRole.objects.due_for_review(day).values("pk")
        ).update(review_listed_on=day)
    ended = restricted = 0
    for pk in ContactRole.objects.unanswered(day).order_by("pk").values_list("pk", flat=True):
        try:
            with pghistory.context(job="review-contact-roles"):
                contact_role_end(role=ContactRole(pk=pk), by=None, on=day)
        except ProcessingRestricted:
            restricted += 1
            continue
        except ContactRole.DoesNotExist:
            continue  # erased meanwhile
        ended += 1
    return RoleReview(listed=listed, ended=ended, restricted=restricted)


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
