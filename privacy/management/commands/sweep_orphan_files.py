"""Delete stored files no row refers to, and report rows whose file is missing."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.orphans import DEFAULT_GRACE, sweep_and_record


class Command(BaseCommand):
    help = "Delete stored files that no row refers to; report rows whose file is missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report; delete nothing.")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(DEFAULT_GRACE.total_seconds() // 60),
            help="Leave files younger than this alone: an upload may still be committing.",
        )

    def handle(self, *args: object, **options: object) -> None:
        grace = timedelta(minutes=options["grace_minutes"])
        outcome = sweep_and_record(dry_run=options["dry_run"], grace=grace)
        if outcome is None:
            self.stdout.write("The sweep is already running elsewhere; skipped")
            return
        if options["dry_run"]:
            self.stdout.write(
                f"would delete {outcome.orphans} orphan files; "
                f"{outcome.missing} rows have no file (dry run)"
            )
            for message in outcome.messages:
                self.stdout.write(f"  {message}")
            return
        self.stdout.write(
            f"deleted {outcome.files} orphan files; {outcome.missing_files} rows have no file; "
            f"{outcome.errors} errors (run #{outcome.pk})"
        )
        for message in outcome.message_list:
            self.stdout.write(f"  {message}")
        if outcome.errors:
            raise CommandError("Some orphan files could not be deleted; see the retention runs.")
