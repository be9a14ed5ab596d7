from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedback.sms import SmsMessage


class BaseSmsBackend:
    """Send one message and return the id the gateway gave it.

    Raise `SmsGatewayError` for a failure worth retrying, `SmsRejected` for one that is not.
    """

    # The setting naming the recipient (of the recipients register) a backend hands the
    # messages to, when it sends them out of the register (notice §9–§10); blank: it does not.
    recipient_setting: str = ""

    def __init__(self, **options: object) -> None:
        self.options = options

    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError
