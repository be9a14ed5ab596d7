"""Run retention policies by hand: what Celery beat does every hour."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy import retention


class Command(BaseCommand):
    help = "Delete or anonymise what the retention policies say is due, with history and files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--policy",
            action="append",
            dest="policies",
            metavar="NAME",
            help="Run only this policy (repeatable). Default: every policy.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; remove nothing."
        )
        parser.add_argument(
            "--batch-size", type=int, help="Rows per transaction (default: the policy's)."
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=0.0,
            help="Seconds to wait between batches, to spare a busy database.",
        )

    def handle(self, *args: object, **options: object) -> None:
        names = options["policies"] or retention.policies.names()
        try:
            chosen = [retention.policies.get(name) for name in names]
        except LookupError as error:
            raise CommandError(
                f"{error} Known: {', '.join(retention.policies.names())}."
            ) from error
        failed = []
        for policy in chosen:
            if options["dry_run"]:
                due = retention.dry_run(policy)
                noun = "person" if due.people == 1 else "people"
                people = f", erasing {due.people} {noun} whole" if policy.erase_people else ""
                self.stdout.write(
                    f"{policy.name}: would remove {due.rows} rows and {due.files} files"
                    f"{people} (dry run)"
                )
                continue
            run = retention.enforce(
                policy, batch_size=options["batch_size"], pause=options["pause"]
            )
            if run is None:
                self.stdout.write(f"{policy.name}: already running elsewhere; skipped")
                continue
            self.stdout.write(
                f"{policy.name}: {run.rows} rows, {run.files} files, {run.errors} errors "
                f"in {run.duration:.1f} s (run #{run.pk})"
            )
            if run.errors:
                failed.append(policy.name)
        if failed:
            raise CommandError(f"Errors in {', '.join(failed)}; see the retention runs.")
