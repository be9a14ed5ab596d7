"""Sending text messages through a pluggable backend, in the manner of Django's email backends.

`SMS_BACKEND` names the class: `feedback.sms.backends.console.SmsBackend` (development),
`feedback.sms.backends.file.SmsBackend` (tests: one file per message in `SMS_FILE_PATH`) or
`feedback.sms.backends.http.SmsBackend` (the gateway at `SMS_GATEWAY_URL`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    """One text message. `idempotency_key` is the same on every attempt to send it, so a gateway
    that already took it does not send it again."""

    to: str  # E.164
    body: str
    idempotency_key: str
    sender: str = ""


class SmsError(Exception):
    """Sending failed."""


class SmsGatewayError(SmsError):
    """A failure worth retrying: the gateway was down, slow or busy."""


class SmsRejected(SmsError):
    """The gateway refused the message itself (a bad number, say): retrying cannot help."""


def get_backend(path: str | None = None, **options: object):
    """Return an instance of the configured (or named) backend."""
    return import_string(path or settings.SMS_BACKEND)(**options)


def send_sms(message: SmsMessage) -> str:
    """Send one message with the configured backend; return the gateway's message id."""
    return get_backend().send(message)
