from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedback.sms import SmsMessage


class BaseSmsBackend:
    """Send one message and return the id the gateway gave it.

    Raise `SmsGatewayError` for a failure worth retrying, `SmsRejected` for one that is not.
    """

    def __init__(self, **options: object) -> None:
        self.options = options

    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError
