from __future__ import annotations

from django.core.management.base import BaseCommand

from feedback.services import send_stuck_invitations


class Command(BaseCommand):
    help = (
        "Queue again the SMS survey invitations an outage left waiting, and mark old ones "
        "expired (the send-survey-invitations job)."
    )

    def handle(self, *args: object, **options: object) -> None:
        queued = send_stuck_invitations()
        self.stdout.write(f"Queued {queued} survey invitations.")
