"""An HTTP SMS gateway, configured by SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN.

POST {"to", "from", "text", "reference"} as JSON with `Authorization: Bearer <token>` and an
`Idempotency-Key` header (the invitation's key, the same on every attempt); a 2xx answer carries
the gateway's message id as `id`. A connection failure, a timeout, 408, 429 or a 5xx answer is
worth retrying (SmsGatewayError); any other 4xx is the message's own fault (SmsRejected).
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from feedback.sms import SmsGatewayError, SmsRejected
from feedback.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from feedback.sms import SmsMessage

RETRYABLE_STATUSES = {408, 425, 429}


class SmsBackend(BaseSmsBackend):
    recipient_setting = "SMS_GATEWAY_RECIPIENT"

    def __init__(
        self,
        *,
        url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        **options: object,
    ) -> None:
        super().__init__(**options)
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token or settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        if not self.url or not self.token:
            raise ImproperlyConfigured("SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN must be set.")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http(s) URL.")

    def send(self, message: SmsMessage) -> str:
        body = json.dumps(
            {
                "to": message.to,
                "from": message.sender,
                "text": message.body,
                "reference": message.idempotency_key,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code in RETRYABLE_STATUSES:
                raise SmsGatewayError(f"gateway answered {error.code}") from error
            raise SmsRejected(f"gateway refused the message: {error.code}") from error
        except (OSError, http.client.HTTPException) as error:  # unreachable, reset, timeout
            raise SmsGatewayError(f"gateway unreachable: {error}") from error
        try:
            message_id = str(json.loads(answer)["id"])
        except (ValueError, KeyError, TypeError) as error:
            raise SmsGatewayError("gateway answered without a message id") from error
        if not message_id or len(message_id) > 100:
            raise SmsGatewayError("gateway answered with an unusable message id")
        return message_id
