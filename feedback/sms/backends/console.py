"""Write messages to standard output (development)."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TextIO

from feedback.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from feedback.sms import SmsMessage

_lock = threading.Lock()


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, stream: TextIO | None = None, **options: object) -> None:
        super().__init__(**options)
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> str:
        with _lock:
            self.stream.write(
                f"SMS to {message.to} from {message.sender or '-'} "
                f"(key {message.idempotency_key}):\n{message.body}\n{'-' * 40}\n"
            )
            self.stream.flush()
        return f"console-{message.idempotency_key}"
