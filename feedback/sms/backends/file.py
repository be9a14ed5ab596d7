"""Write each message to its own file in SMS_FILE_PATH (tests, and development without a
gateway). The file is named by the idempotency key, so sending a message twice is visible as an
error instead of a second file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from feedback.sms import SmsGatewayError
from feedback.sms.backends.base import BaseSmsBackend

if TYPE_CHECKING:
    from feedback.sms import SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, file_path: str | Path | None = None, **options: object) -> None:
        super().__init__(**options)
        self.directory = Path(file_path or settings.SMS_FILE_PATH)
        if self.directory.exists() and not self.directory.is_dir():
            raise ImproperlyConfigured(f"SMS_FILE_PATH {self.directory} is not a directory.")

    def send(self, message: SmsMessage) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{message.idempotency_key}.json"
        content = {
            "to": message.to,
            "sender": message.sender,
            "body": message.body,
            "idempotency_key": message.idempotency_key,
        }
        try:
            # "x": a second send of the same message fails loudly instead of overwriting.
            with path.open("x", encoding="utf-8") as handle:
                json.dump(content, handle, ensure_ascii=False, indent=2)
        except FileExistsError as error:
            raise SmsGatewayError(f"Message {message.idempotency_key} was already sent.") from error
        except OSError as error:
            raise SmsGatewayError(f"Could not write {path}: {error}") from error
        return f"file-{message.idempotency_key}"
