"""Restore a backup; erasures and retention since it was taken are applied before it opens."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the stored files with a backup's, after checking it against "
        "its manifest; everyone erased since, and everything retention has removed since, is "
        "removed again before the restored database takes the live one's place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup's directory.")
        parser.add_argument(
            "--ledger",
            type=Path,
            help="The erasure ledger written by export_erasure_ledger (needed when the live "
            "database is lost; by default the ledger is read from the live database).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the backup; change nothing."
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = options["backup"]
        try:
            manifest = backup.verify_backup(path)
            backup.check_restorable(manifest)
        except backup.BackupInvalid as error:
            raise CommandError(f"Not restored: {error}") from error
        self.stdout.write(
            f"{manifest['name']}: taken {manifest['created_at']} from {manifest['database']}, "
            f"{manifest['files']['count']} stored files; checksums match."
        )
        if options["check"]:
            return
        database = settings.DATABASES["default"]["NAME"]
        if options["interactive"]:
            answer = input(
                f"This replaces the database {database} and {settings.MEDIA_ROOT}. "
                "Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Not restored.")
        try:
            restored = backup.restore_backup(path, ledger_file=options["ledger"])
        except backup.BackupInvalid as error:
            raise CommandError(f"Not restored: {error}") from error
        except backup.RestoreFailed as error:
            raise CommandError(f"Not restored; the live register is as it was: {error}") from error
        self.stdout.write(restored.output.rstrip())
        self.stdout.write(
            f"Restored {restored.backup} into {database}; the erasure ledger used is kept in "
            f"{restored.ledger}."
        )
