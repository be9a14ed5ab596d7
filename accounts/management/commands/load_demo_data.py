from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, DEMO_USERS, base32_secret, demo_key, load_demo_data


class Command(BaseCommand):
    help = "Load invented demo data once (development only) and print the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        with transaction.atomic(), pghistory.context(command="load_demo_data"):
            people = load_demo_data()
        if people:
            self.stdout.write(f"Loaded the demo register: {people} invented people.")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD} for all):")
        for username, _first, _last, role in DEMO_USERS:
            self.stdout.write(
                f"  {role.value:<20} {username:<16} TOTP secret {base32_secret(demo_key(username))}"
            )
        self.stdout.write(
            "  Current one-time code without an authenticator app: "
            ".venv/bin/python manage.py demo_totp USERNAME"
        )
