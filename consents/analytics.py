"""The website's analytics consents (notice §7, §13): given and withdrawn per visitor id through
the website's API, each with the API client that recorded it.

Visits are kept by feedback/ under the consent they were collected under, and reach this ledger
only through customers.analytics_consent: the visit intake asks `lock_in_force` (registered from
the AppConfig), and a withdrawal sends `withdrawn`, to which feedback/ answers by deleting the
visits collected under the consent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from consents.models import AnalyticsConsent
from customers import analytics_consent
from customers.models import Customer
from privacy.restriction import check_may_change

if TYPE_CHECKING:
    from accounts.models import ApiClient


@dataclass(frozen=True)
class AnalyticsConsentChange:
    consent: AnalyticsConsent | None  # the visitor's latest consent; None if they never gave one
    recorded: bool  # whether this call changed anything


def analytics_consent_give(
    *,
    visitor_id: uuid.UUID,
    banner_version: str,
    customer: Customer | None = None,
    by: ApiClient,
) -> AnalyticsConsentChange:
    """Record a website visitor's analytics consent; a consent already in force is kept as it
    is. A signed-in visitor's consent is theirs (`customer`), and like every widening of their
    processing it is refused while their processing is restricted (ProcessingRestricted)."""
    with transaction.atomic():
        if customer is not None:
            Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).values(
                "pk"
            ).get()
            check_may_change(customer=customer, by=by)
        existing = AnalyticsConsent.objects.in_force().filter(visitor_id=visitor_id).first()
        if existing is not None:
            return AnalyticsConsentChange(existing, recorded=False)
        try:
            with transaction.atomic():
                consent = AnalyticsConsent.objects.create(
                    visitor_id=visitor_id,
                    banner_version=banner_version,
                    customer=customer,
                    given_through=by,
                )
        except IntegrityError:
            # The same visitor's consent arrived twice at once: the other request recorded it.
            consent = AnalyticsConsent.objects.in_force().get(visitor_id=visitor_id)
            return AnalyticsConsentChange(consent, recorded=False)
    return AnalyticsConsentChange(consent, recorded=True)


def analytics_consent_withdraw(*, visitor_id: uuid.UUID, by: ApiClient) -> AnalyticsConsentChange:
    """End a website visitor's analytics consent at once and delete every visit collected under
    it (customers.analytics_consent.withdrawn), recording when, through which client and how
    many; withdrawing a consent not in force changes nothing.

    Locks the consent first: a visit batch that holds it finishes before, and one that waits
    for it finds it withdrawn and stores nothing under it (`lock_in_force`).
    """
    with transaction.atomic():
        consent = (
            AnalyticsConsent.objects.in_force()
            .select_for_update(no_key=True)
            .filter(visitor_id=visitor_id)
            .first()
        )
        if consent is None:
            latest = AnalyticsConsent.objects.filter(visitor_id=visitor_id).first()
            return AnalyticsConsentChange(latest, recorded=False)
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_through = by
        consent.visits_deleted = analytics_consent.deleted_on_withdrawal(consent.pk)
        consent.save(update_fields=["withdrawn_at", "withdrawn_through", "visits_deleted"])
    return AnalyticsConsentChange(consent, recorded=True)


def lock_in_force(visitor_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """{visitor id: consent id} of these visitors' consents in force, locked in one query in id
    order (so that two visit batches never deadlock) until the caller's transaction ends."""
    return dict(
        AnalyticsConsent.objects.in_force()
        .filter(visitor_id__in=set(visitor_ids))
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("visitor_id", "pk")
    )


def register() -> None:
    analytics_consent.register_locker(lock_in_force)
