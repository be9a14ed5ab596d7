"""Marketing audiences: who the selector allows, narrowed by filters, streamed to a file.

The people always come from `consents.selectors.contactable`; the filters only narrow them.
Rows are streamed from a server-side cursor straight into the file, so memory stays flat
however large the audience is (bench/audience.py measures a million people).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from openpyxl import Workbook

from consents import selectors
from consents.models import ConsentPurpose, ContactChannel, ExportFormat
from customers.exports import neutralise
from customers.models import ContactRole, CustomerQuerySet, GroupMembership

# An E.164 phone number starts with "+", which neutralise() would prefix with an apostrophe and
# so break for the SMS processor; "+" and digits alone can't be a harmful formula.
_E164 = re.compile(r"^\+[0-9]{6,15}$")

CHUNK_SIZE = 5_000
PROGRESS_EVERY = 10_000
# An XLSX sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class AudienceFilters:
    """What narrows an audience; every filter is optional."""

    group: int | None = None
    company: int | None = None
    city: str = ""
    language: str = ""

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, "")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AudienceFilters:
        return cls(
            group=data.get("group"),
            company=data.get("company"),
            city=data.get("city", ""),
            language=data.get("language", ""),
        )


def audience(
    *, purpose: ConsentPurpose | str, channel: str, filters: AudienceFilters
) -> CustomerQuerySet:
    """Return the people the selector allows for the purpose and channel, narrowed by the
    filters, in no particular order."""
    people = selectors.contactable(purpose=purpose, channel=channel).order_by()
    if filters.group:
        people = people.filter(
            Exists(GroupMembership.objects.filter(customer=OuterRef("pk"), group=filters.group))
        )
    if filters.company:
        people = people.filter(
            Exists(
                ContactRole.objects.current().filter(
                    customer=OuterRef("pk"), company=filters.company
                )
            )
        )
    if filters.city:
        people = people.filter(city__iexact=filters.city)
    if filters.language:
        people = people.filter(preferred_language=filters.language)
    return people


# (header, value) per column; the contact columns depend on the channel (data minimisation:
# a processor gets only what the mailing needs).
def columns(channel: str) -> list[tuple[str, str]]:
    """Return the (header, field) pairs an export through this channel holds."""
    common = [
        (_("Customer number"), "customer_number"),
        (_("First name"), "first_name"),
        (_("Last name"), "last_name"),
        (_("Language"), "preferred_language"),
    ]
    contact = {
        ContactChannel.EMAIL: [(_("Email"), "email")],
        ContactChannel.SMS: [(_("Phone"), "phone_text")],
        ContactChannel.PHONE: [(_("Phone"), "phone_text")],
        ContactChannel.LETTER: [
            (_("Street address"), "street_address"),
            (_("Postal code"), "postal_code"),
            (_("City"), "city"),
            (_("Country"), "country"),
        ],
    }[ContactChannel(channel)]
    return common + contact


def rows(people: CustomerQuerySet, channel: str) -> Iterator[tuple[Any, ...]]:
    """Yield (pk, *values) for each person, streamed from a server-side cursor."""
    fields = [field for _header, field in columns(channel)]
    # The phone as stored (E.164), without building a PhoneNumber object per row.
    people = people.annotate(phone_text=Cast("phone", output_field=CharField()))
    return people.values_list("pk", *fields).iterator(chunk_size=CHUNK_SIZE)


def cell(value: Any) -> Any:
    """Return a value a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and _E164.match(value):
        return value
    return neutralise(value)


class _Counter:
    """Collect each row's person and report progress every PROGRESS_EVERY rows."""

    def __init__(self, on_person: Callable[[int], None], progress: Callable[[int], None]) -> None:
        self.on_person = on_person
        self.progress = progress
        self.count = 0

    def values(self, source: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        on_person, progress = self.on_person, self.progress
        for pk, *values in source:
            on_person(pk)
            self.count += 1
            if self.count % PROGRESS_EVERY == 0:
                progress(self.count)
            yield values


def write_csv(handle: IO[bytes], header: list[str], values: Iterator[tuple[Any, ...]]) -> None:
    """Write CSV as the register's other exports are: UTF-8 with a BOM, semicolons, every text
    cell neutralised so that a spreadsheet never runs it as a formula."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    try:
        text.write("\ufeff")
        writer = csv.writer(text, delimiter=";")
        writer.writerow([neutralise(h) for h in header])
        writer.writerows([cell(v) for v in row] for row in values)
        text.flush()
    finally:
        text.detach()


def write_xlsx(handle: IO[bytes], header: list[str], values: Iterator[tuple[Any, ...]]) -> None:
    """Write XLSX in openpyxl's write-only mode, every text cell neutralised."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([neutralise(h) for h in header])
    for row in values:
        sheet.append([cell(v) for v in row])
    workbook.save(handle)


def write_audience(
    people: CustomerQuerySet,
    *,
    channel: str,
    fmt: str,
    handle: IO[bytes],
    on_person: Callable[[int], None],
    progress: Callable[[int], None] = lambda count: None,
) -> int:
    """Stream the people into the file; call on_person with each one's id; return the rows."""
    header = [str(h) for h, _field in columns(channel)]
    counter = _Counter(on_person, progress)
    writer = write_csv if fmt == ExportFormat.CSV else write_xlsx
    writer(handle, header, counter.values(rows(people, channel)))
    return counter.count
