from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notice.services import run_check


class Command(BaseCommand):
    help = (
        "Compare the published privacy notice with what the system declares and does; print "
        "each difference on one line and exit non-zero if there is any."
    )

    def handle(self, *args: object, **options: object) -> None:
        result = run_check()
        for line in result.differences:
            self.stdout.write(line)
        if result.differences:
            raise CommandError(
                f"{len(result.differences)} difference(s) with the published notice."
            )
        self.stdout.write("OK")
