"""Restriction of processing (GDPR Art. 18): the one check every write service makes.

While a restriction is in force the person is left out of every outgoing path (marketing,
surveys, exports), and nothing may change their record or widen its processing except the
privacy officer. Each service that writes a person's data calls `check_may_change` itself, so
that a new caller (a view, the admin, the API, a job) cannot forget it; views only turn
`ProcessingRestricted` into a message. What only narrows processing (withdrawing a consent,
recording a ban) stays allowed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import attributed_to
from privacy.models import Restriction

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model

    from accounts.models import Actor

# Only this permission lets a user change a restricted person's record (the privacy officer).
EDIT_RESTRICTED = "privacy.edit_restricted"


class ProcessingRestricted(Exception):
    """The person's processing is restricted; only the privacy officer may change the record."""

    def __init__(self, customer_id: int | None = None) -> None:
        super().__init__(f"Processing of customer {customer_id} is restricted.")
        self.customer_id = customer_id


def _pk(customer: Model | int) -> int:
    return customer if isinstance(customer, int) else customer.pk


def restriction_of(customer: Model | int) -> Restriction | None:
    """Return the person's restriction in force, if any."""
    return (
        Restriction.objects.in_force()
        .filter(customer=_pk(customer))
        .select_related("set_by")
        .first()
    )


def is_restricted(customer: Model | int) -> bool:
    return Restriction.objects.in_force().filter(customer=_pk(customer)).exists()


def restricted_among(customer_ids: set[int]) -> set[int]:
    """Return which of these people have processing restricted (one query)."""
    return set(
        Restriction.objects.in_force()
        .filter(customer__in=list(customer_ids))
        .values_list("customer_id", flat=True)
    )


def may_override(by: Actor | None) -> bool:
    """Whether the actor may change a restricted record: the privacy officer, never a machine."""
    return by is not None and hasattr(by, "has_perm") and by.has_perm(EDIT_RESTRICTED)


def may_edit(by: Actor | None, restriction: Restriction | None) -> bool:
    """Whether the actor may change a record with this restriction (or none)."""
    return restriction is None or may_override(by)


def may_edit_customer(by: Actor | None, customer: Model | int) -> bool:
    """Whether the actor may change the person's record now."""
    return may_override(by) or not is_restricted(customer)


def check_may_change(*, customer: Model | int, by: Actor | None) -> None:
    """Raise ProcessingRestricted unless the actor may change the person's record now.

    Call it inside the service's transaction, after locking the person's row where the service
    locks it, so that a restriction set meanwhile is seen.
    """
    if not may_edit_customer(by, customer):
        raise ProcessingRestricted(_pk(customer))


def _lock(customer: Model | int) -> None:
    """Serialise restriction changes of one person (FOR NO KEY UPDATE on the person's row)."""
    people = Restriction._meta.get_field("customer").related_model.objects
    people.select_for_update(no_key=True).filter(pk=_pk(customer)).values("pk").get()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    return reason


def restriction_set(*, customer: Model, reason: str, by: User) -> tuple[Restriction, bool]:
    """Restrict the person's processing (GDPR Art. 18); return it and whether it is new."""
    if not by.has_perm("privacy.add_restriction"):
        raise PermissionDenied
    reason = _reason(reason)
    with transaction.atomic(), attributed_to(by):
        _lock(customer)
        existing = Restriction.objects.in_force().filter(customer=customer).first()
        if existing is not None:
            return existing, False
        restriction = Restriction.objects.create(customer=customer, reason=reason, set_by=by)
    return restriction, True


def restriction_lift(*, customer: Model, reason: str, by: User) -> Restriction | None:
    """Lift the person's restriction with a reason; return it (None if none was in force)."""
    if not by.has_perm("privacy.change_restriction"):
        raise PermissionDenied
    reason = _reason(reason)
    with transaction.atomic(), attributed_to(by):
        _lock(customer)
        restriction = (
            Restriction.objects.in_force().select_for_update().filter(customer=customer).first()
        )
        if restriction is None:
            return None
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = by
        restriction.lift_reason = reason
        restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return restriction
