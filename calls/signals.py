"""What calls/ tells the apps beside it, which it does not know: a stored recording, as a
`customers.service_calls.ServiceCall` (the apps beside calls/ import only that)."""

from __future__ import annotations

from calls.models import CallRecording, Direction
from customers import service_calls


def as_service_call(recording: CallRecording) -> service_calls.ServiceCall:
    """Return what the apps beside calls/ may know of the recording."""
    return service_calls.ServiceCall(
        pk=recording.pk,
        customer=recording.customer,
        caller_number=recording.caller_number.as_e164 if recording.caller_number else "",
        started_at=recording.started_at,
        inbound=recording.direction == Direction.INBOUND,
    )


def find(pk: int) -> service_calls.ServiceCall | None:
    """Return the call with this id as a ServiceCall, or None when it is gone."""
    recording = CallRecording.objects.select_related("customer").filter(pk=pk).first()
    return as_service_call(recording) if recording is not None else None


def recording_stored(recording: CallRecording) -> None:
    """Tell the apps beside calls/ that the recording was stored (inside its transaction)."""
    service_calls.call_stored.send(sender=CallRecording, call=as_service_call(recording))


def register() -> None:
    service_calls.register_finder(find)
