"""Print, write or check README.md's map of the notice (privacy.notice_map)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from privacy import notice_map


class Command(BaseCommand):
    help = (
        "Print the README section that maps each notice section to its declarations, retention "
        "policies, services and tests; --write puts it into README.md, --check fails when "
        "README.md's copy is stale or a named service or test is gone."
    )

    def add_arguments(self, parser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true", help="Update README.md in place.")
        mode.add_argument("--check", action="store_true", help="Fail when README.md is stale.")
        parser.add_argument("--readme", default=str(Path(settings.BASE_DIR) / "README.md"))

    def handle(self, *args: object, write: bool, check: bool, readme: str, **options) -> None:
        if problems := notice_map.problems():
            raise CommandError("The notice map names what does not exist:\n" + "\n".join(problems))
        path = Path(readme)
        with translation.override("en"):
            if not (check or write):
                self.stdout.write(notice_map.render())
                return
            current = path.read_text(encoding="utf-8")
            try:
                fresh = notice_map.replaced(current)
            except ValueError as error:
                raise CommandError(str(error)) from error
            if check:
                if fresh != current:
                    raise CommandError(
                        f"{path.name}'s notice map is stale: run "
                        "`.venv/bin/python manage.py notice_map --write`."
                    )
                self.stdout.write(f"{path.name}'s notice map is up to date.")
            elif write:
                if fresh != current:
                    path.write_text(fresh, encoding="utf-8")
                self.stdout.write(f"Wrote the notice map into {path.name}.")
