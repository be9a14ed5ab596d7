from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from customers.models import ContactRole
from customers.services import contact_roles_review


class Command(BaseCommand):
    help = (
        "Put contact roles with no confirmation or activity for 24 months on the review list "
        "and end those left unanswered there for 3 months (the daily job)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what the job would do."
        )

    def handle(self, *args: object, dry_run: bool, **options: object) -> None:
        if dry_run:
            listed = ContactRole.objects.due_for_review().count()
            ended = ContactRole.objects.unanswered().count()
            self.stdout.write(f"would list {listed}, would end {ended}")
            return
        result = contact_roles_review()
        self.stdout.write(
            f"listed {result.listed}, ended {result.ended}, "
            f"left on the list (restricted) {result.restricted}"
        )
