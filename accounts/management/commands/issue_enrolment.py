from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from accounts.models import Enrolment


class Command(BaseCommand):
    help = (
        "Issue an enrolment link for a staff account without an authentication app (the first "
        "administrator, say) and print it once. The privacy officer issues them in the admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--base-url", default="", help="The register's address, e.g. https://rekisteri.example"
        )

    def handle(self, *args: object, username: str, base_url: str, **options: object) -> None:
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No active user {username!r}.") from error
        enrolment, token = Enrolment.issue(user=user, by=None)
        self.stderr.write(
            f"Enrolment link for {username}, valid until {enrolment.expires_at:%Y-%m-%d %H:%M} UTC;"
            " shown only now:"
        )
        self.stdout.write(base_url.rstrip("/") + reverse("enrol", args=[token]))
