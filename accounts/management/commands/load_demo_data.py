from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(BaseCommand):
    help = "Load invented demo data once (development only) and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        # Demo accounts have a published password: never on anything but a developer's machine.
        if settings.PRODUCTION or not settings.DEBUG:
            raise CommandError("Demo data is loaded only in development, with DEBUG on.")
        with transaction.atomic(), pghistory.context(command="load_demo_data"):
            people, staff = load_demo_data()
        if people:
            self.stdout.write(f"Loaded the demo register: {people} invented people.")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD} for all):")
        for (username, _first, _last, role), (_user, secret) in zip(DEMO_USERS, staff, strict=True):
            shown = (
                f"TOTP secret {secret} (shown only now)"
                if secret
                else "TOTP secret as printed when the account was created"
            )
            self.stdout.write(f"  {role.value:<20} {username:<16} {shown}")
        self.stdout.write(
            "  Current one-time code without an authenticator app: "
            ".venv/bin/python manage.py demo_totp USERNAME"
        )
