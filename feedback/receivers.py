"""How feedback/ reacts to the apps beside it."""

from __future__ import annotations

from typing import Any

from customers.service_calls import ServiceCall
from feedback.services import invite_to_survey_after_commit, visits_delete_collected_under


def invite_to_survey_after_call(sender: type, *, call: ServiceCall, **kwargs: Any) -> None:
    """A new call recording: its caller may get an SMS survey, decided by a job recorded in
    the recording's transaction and sent once it commits (customers.service_calls.call_stored)."""
    invite_to_survey_after_commit(call_id=call.pk)


def delete_visits_on_withdrawal(sender: object, *, consent_id: int, **kwargs: Any) -> int:
    """A visitor withdrew their analytics consent: the visits collected under it go, inside the
    withdrawal's transaction (customers.analytics_consent.withdrawn)."""
    return visits_delete_collected_under(consent_id=consent_id)
