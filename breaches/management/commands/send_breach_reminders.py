from __future__ import annotations

from django.core.management.base import BaseCommand

from breaches.services import send_reminders


class Command(BaseCommand):
    help = (
        "Email the privacy officers the due 24- and 60-hour reminders of every breach whose "
        "72-hour clock runs; each reminder goes once (the breach-reminders job does the same)."
    )

    def handle(self, *args: object, **options: object) -> None:
        sent = send_reminders()
        self.stdout.write(f"{sent} reminders sent.")
