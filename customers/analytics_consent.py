"""The website's analytics consent as the visit intake sees it (notice §7, §13).

consents/ keeps the consents (consents.AnalyticsConsent); feedback/ keeps the visits collected
under them (each feedback.WebsiteVisit names its consent). Neither imports the other:

- consents/ registers `lock_in_force` from its AppConfig.ready; the visit intake asks it which of
  a batch's visitors have a consent in force, and holds those consents locked until its
  transaction ends, so that a withdrawal either waits for the batch or is seen by it;
- consents/ sends `withdrawn` inside the transaction that withdraws a consent (after locking
  it); feedback/ receives it and deletes the visits collected under that consent, returning how
  many, so that the withdrawal records the count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

# A consent was withdrawn: sent inside the withdrawing transaction with `consent_id`. Each
# receiver deletes what was collected under the consent and returns the number of rows deleted.
withdrawn = Signal()

_locker: Callable[[Iterable[UUID]], dict[UUID, int]] | None = None


def register_locker(locker: Callable[[Iterable[UUID]], dict[UUID, int]]) -> None:
    """Set how the consents in force are found and locked (consents/ does, from its
    AppConfig.ready)."""
    global _locker
    _locker = locker


def lock_in_force(visitor_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Return {visitor id: id of their consent in force} for those of these visitors who have
    one, the consents locked until the caller's transaction ends. Without a registered ledger
    nothing may be collected, so this fails loudly."""
    if _locker is None:
        raise ImproperlyConfigured("No app has registered the website's analytics consents.")
    return _locker(visitor_ids)


def deleted_on_withdrawal(consent_id: int) -> int:
    """Tell the apps that collected data under this consent that it was withdrawn; return the
    number of rows they deleted."""
    return sum(
        deleted or 0 for _receiver, deleted in withdrawn.send(sender=None, consent_id=consent_id)
    )
