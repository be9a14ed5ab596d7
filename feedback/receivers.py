"""How feedback/ reacts to the apps beside it."""

from __future__ import annotations

from typing import Any

from customers.service_calls import ServiceCall
from feedback.services import invite_to_survey_after_commit


def invite_to_survey_after_call(sender: type, *, call: ServiceCall, **kwargs: Any) -> None:
    """A new call recording: its caller may get an SMS survey, decided by a job recorded in
    the recording's transaction and sent once it commits (customers.service_calls.call_stored)."""
    invite_to_survey_after_commit(call_id=call.pk)
