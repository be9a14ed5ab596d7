"""Publish the jobs the broker has not accepted, or no worker picked up (beat does it every
minute: `publish-waiting-jobs`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from jobs.models import Job
from jobs.services import publish_due


class Command(BaseCommand):
    help = "Publish jobs that were recorded but not picked up; forget old done ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=settings.JOBS_REPUBLISH_AFTER_MINUTES,
            help="Leave jobs younger than this to their first publication.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count; publish nothing.")

    def handle(self, *args: object, **options: object) -> None:
        older_than = timedelta(minutes=options["older_than_minutes"])
        if options["dry_run"]:
            from django.utils import timezone

            due = Job.objects.due_for_publishing(timezone.now() - older_than).count()
            self.stdout.write(f"{due} jobs are due for publishing (dry run)")
            return
        published = publish_due(older_than=older_than)
        waiting = Job.objects.waiting_for_service().count()
        self.stdout.write(f"published {published} jobs; {waiting} not accepted by the broker")
