"""Erase again everyone in an erasure ledger, and run every retention policy (after a restore)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy import backup


class Command(BaseCommand):
    help = (
        "Apply an erasure ledger to this database: copy its erasure records, erase again every "
        "person it lists, then run every retention policy. `restore` runs it on the restored "
        "copy before that copy opens."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ledger", type=Path, required=True, help="The ledger file.")
        parser.add_argument("--reference", default="", help="Written into each new erasure record.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            ledger = backup.read_ledger(options["ledger"])
            done = backup.reapply_erasures(ledger, reference=options["reference"])
        except (backup.BackupInvalid, backup.RestoreFailed) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Erasure ledger applied: {done.records_copied} erasure records copied, "
            f"{done.people_erased} people erased again; retention removed "
            f"{done.retention_rows} rows and {done.retention_files} files."
        )
