from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import current_code


class Command(BaseCommand):
    help = "Print a demo user's current one-time code (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, username: str, **options: object) -> None:
        if settings.PRODUCTION or not settings.DEBUG:
            raise CommandError("Only in development, with DEBUG on.")
        try:
            self.stdout.write(current_code(username))
        except TOTPDevice.DoesNotExist:
            raise CommandError(f"{username!r} is not a demo user.") from None
