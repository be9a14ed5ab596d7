"""How feedback/ reacts to the apps below it."""

from __future__ import annotations

from typing import Any

from feedback.services import invite_to_survey_after_commit


def invite_to_survey_after_call(sender: type, *, recording: Any, **kwargs: Any) -> None:
    """A new call recording: its caller may get an SMS survey, decided by a task queued once
    the recording's transaction commits (calls.signals.recording_stored)."""
    invite_to_survey_after_commit(call_id=recording.pk)
