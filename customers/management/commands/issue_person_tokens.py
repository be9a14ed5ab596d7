from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.models import Customer
from customers.tokens import TOKEN_PURPOSES, person_tokens


class Command(BaseCommand):
    help = (
        "Print customer_number;person_token for the customer numbers in a file (the first "
        "column of each line, e.g. an audience export), for the links of a mailing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--purpose", required=True, choices=[str(p) for p in TOKEN_PURPOSES])

    def handle(self, *args: object, file: Path, purpose: str, **options: object) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        numbers = []
        for line in text.splitlines():
            first = line.replace(",", ";").split(";", 1)[0].strip().strip('"')
            if first.isdigit():
                numbers.append(first)
        people = Customer.objects.filter(customer_number__in=numbers).only("pk", "customer_number")
        tokens = person_tokens(customers=people, purpose=purpose)
        out = csv.writer(self.stdout, delimiter=";", lineterminator="\n")
        out.writerow(["customer_number", "person_token"])
        for person in people.order_by("customer_number"):
            out.writerow([person.customer_number, tokens[person.pk]])
        missing = len(set(numbers)) - len(tokens)
        if missing:
            self.stderr.write(f"{missing} numbers are not in the register; no token for them.")
