"""Back up the register: a database dump and the stored files, with a manifest and checksums."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from privacy import backup


class Command(BaseCommand):
    help = (
        "Write a backup (database dump, stored files, manifest with checksums) under "
        "BACKUP_DIR, then delete the backups older than BACKUP_RETENTION_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output-dir", type=Path, help="Write under this directory (default BACKUP_DIR)."
        )
        parser.add_argument(
            "--no-prune", action="store_true", help="Keep the backups older than the period."
        )

    def handle(self, *args: object, **options: object) -> None:
        root = options["output_dir"]
        path = backup.create_backup(root=root)
        self.stdout.write(f"Backup written: {path}")
        if not options["no_prune"]:
            for old in backup.prune_backups(root=root):
                self.stdout.write(f"Deleted a backup past BACKUP_RETENTION_DAYS: {old}")
