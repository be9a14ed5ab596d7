from __future__ import annotations

from pathlib import Path

import pghistory
from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.address_updates import FileError, import_file


class Command(BaseCommand):
    help = "Import an address-update file (format in README.md). Bad rows are reported and skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report what would change.")

    def handle(self, *args: object, file: Path, dry_run: bool, **options: object) -> None:
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            with pghistory.context(command="import_address_updates"):
                report = import_file(content, by=None, dry_run=dry_run)
        except FileError as error:
            raise CommandError(str(error)) from None
        for row in report.errors:
            self.stderr.write(f"row {row.number}: {row.error}")
        verb = "would change" if dry_run else "changed"
        for row in report.changing:
            fields = ", ".join(sorted(row.changes))
            self.stdout.write(f"row {row.number}: {verb} {row.customer_number}: {fields}")
        self.stdout.write(
            f"{len(report.rows)} rows: {len(report.changing)} {verb}, "
            f"{len(report.unchanged)} unchanged, {len(report.errors)} rejected."
        )
