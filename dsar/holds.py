"""Holds on a person's call recordings while their access, portability or erasure request is
open (GDPR Art. 15, 17, 20): the 30-day purge must not destroy what the person asked to see.

A hold cites its request by reference, which the request register checks (a hold placed by hand
in the recordings' admin must name an open request of the recording's person); the register
places the holds when such a request has its customer, and releases them when it closes, after
which the recordings' normal period applies again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import CallRecording, RecordingHold
from calls.services import hold_place, hold_release
from dsar.models import DataSubjectRequest, RequestType

if TYPE_CHECKING:
    from accounts.models import Actor

HOLDING_TYPES = frozenset({RequestType.ACCESS, RequestType.ERASURE, RequestType.PORTABILITY})


def needs_holds(dsar: DataSubjectRequest) -> bool:
    return dsar.is_open and dsar.customer_id is not None and bool(HOLDING_TYPES & set(dsar.types))


def place_holds(dsar: DataSubjectRequest, *, by: Actor | None) -> int:
    """Hold every recording of the request's person not yet held for it; return how many.
    Only a staff user places holds (a hold names who placed it): a request the website sent
    gets its holds when the privacy officer first works on it."""
    if not needs_holds(dsar) or not isinstance(by, get_user_model()):
        return 0
    recordings = CallRecording.objects.filter(customer_id=dsar.customer_id).filter(
        ~Exists(
            RecordingHold.objects.open().filter(
                recording=OuterRef("pk"), request_reference=dsar.reference
            )
        )
    )
    placed = 0
    for recording in recordings.only("pk"):
        hold_place(
            recording=recording,
            request_reference=dsar.reference,
            reason=_("Kept while the request is open."),
            by=by,
        )
        placed += 1
    return placed


def release_holds(dsar: DataSubjectRequest, *, by: Actor | None) -> int:
    """Release the request's open holds (it has closed); return how many."""
    user = by if isinstance(by, get_user_model()) else dsar.handler
    released = 0
    for hold in RecordingHold.objects.open().filter(request_reference=dsar.reference):
        if user is None:
            break
        released += hold_release(hold=hold, by=user)
    return released


def open_holds_of(dsar: DataSubjectRequest):
    return RecordingHold.objects.open().filter(request_reference=dsar.reference)


def holds_past_deadline():
    """Requests with an open hold whose deadline has passed (the privacy officer's list)."""
    return DataSubjectRequest.objects.filter(
        Exists(RecordingHold.objects.open().filter(request_reference=OuterRef("reference"))),
        due_on__lt=timezone.localdate(),
    )


def check_reference(reference: str, recording: CallRecording) -> str:
    """A hold must cite an open request of the recording's person (calls' hold check)."""
    dsar = DataSubjectRequest.objects.filter(reference=reference).first()
    if dsar is None:
        return _("No request has this reference.")
    if not dsar.is_open:
        return _("The request is closed.")
    if recording.customer_id is not None and dsar.customer_id != recording.customer_id:
        return _("The request is not about this recording's person.")
    return ""
