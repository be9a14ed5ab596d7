from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from accounts.models import ApiClient, Scope


class Command(BaseCommand):
    help = "Create an API client for a machine and print its token once. It cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A name that says which machine this is.")
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            required=True,
            choices=Scope.values,
            help="A scope the token carries; repeat for several.",
        )

    def handle(self, *args: object, name: str, scopes: list[str], **options: object) -> None:
        try:
            with transaction.atomic():
                client, token = ApiClient.issue(name=name, scopes=scopes)
        except IntegrityError as error:
            raise CommandError(f"An API client named {name!r} already exists.") from error
        self.stderr.write(
            f"Created API client {client.name!r} with scopes {', '.join(client.scopes)}."
        )
        self.stderr.write("The token is shown only now; store it in the client's secret store:")
        self.stdout.write(token)
