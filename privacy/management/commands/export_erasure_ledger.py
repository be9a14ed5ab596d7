"""Write the erasure ledger to a file kept apart from the backups."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from privacy import backup


class Command(BaseCommand):
    help = (
        "Write the erasure ledger (internal ids of people erased within the backup window, "
        "and the erasure records) to a file, for a restore when the live database is lost."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The file to write.")

    def handle(self, *args: object, **options: object) -> None:
        ledger = backup.export_ledger()
        path = backup.write_ledger(ledger, options["path"])
        self.stdout.write(
            f"Erasure ledger written: {path} ({len(ledger['erased_people'])} erased people)."
        )
