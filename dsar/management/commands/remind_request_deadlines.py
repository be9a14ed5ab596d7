from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dsar.services import send_deadline_reminders


class Command(BaseCommand):
    help = "Email the privacy officers the requests due within 7 days or overdue (the daily job)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = send_deadline_reminders()
        self.stdout.write(f"requests named: {count}")
