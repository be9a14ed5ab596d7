"""Marketing audiences: who the selector allows, narrowed by filters, streamed to a file.

The people always come from `consents.selectors.contactable`; the filters only narrow them.
CSV is streamed by PostgreSQL's COPY straight into the file, XLSX from a server-side cursor, so
memory stays flat however large the audience is (bench/audience.py measures a million people).
"""

from __future__ import annotations

import csv
import io
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from openpyxl import Workbook

from consents import selectors
from consents.models import ConsentPurpose, ContactChannel, ExportFormat
from customers.exports import neutralise, neutralised
from customers.models import ContactRole, CustomerQuerySet, GroupMembership

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


# The columns of an export: the contact columns depend on the channel (data minimisation: a
# processor gets only what the mailing needs).
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
        ContactChannel.SMS: [(_("Phone"), "phone")],
        ContactChannel.PHONE: [(_("Phone"), "phone")],
        ContactChannel.LETTER: [
            (_("Street address"), "street_address"),
            (_("Postal code"), "postal_code"),
            (_("City"), "city"),
            (_("Country"), "country"),
        ],
    }[ContactChannel(channel)]
    return common + contact


# Codes and numbers can't start a formula; free text is neutralised in the query. The phone is
# E.164 as stored ("+" and digits), which no spreadsheet runs and the SMS processor needs as is.
_AS_STORED = {"customer_number", "preferred_language", "country"}


def export_values(people: CustomerQuerySet, channel: str) -> QuerySet:
    """Return (pk, *columns) rows for the people, every text cell already neutralised."""
    expressions = {}
    for _header, field in columns(channel):
        if field == "phone":
            expressions[f"x_{field}"] = Cast("phone", output_field=CharField())
        elif field in _AS_STORED:
            expressions[f"x_{field}"] = F(field)
        else:
            expressions[f"x_{field}"] = neutralised(field)
    return people.annotate(**expressions).values_list("pk", *expressions)


class _Progress:
    """Call progress(rows) every PROGRESS_EVERY rows."""

    def __init__(self, progress: Callable[[int], None]) -> None:
        self.progress = progress
        self.next_report = PROGRESS_EVERY

    def rows(self, count: int) -> None:
        if count >= self.next_report:
            self.progress(count)
            self.next_report = count + PROGRESS_EVERY


def _header_line(header: list[str]) -> bytes:
    line = io.StringIO()
    csv.writer(line, delimiter=";").writerow([neutralise(h) for h in header])
    return ("\ufeff" + line.getvalue()).encode()


def copy_csv(
    people: CustomerQuerySet,
    *,
    channel: str,
    handle: IO[bytes],
    progress: Callable[[int], None],
) -> array:
    """Stream the people as CSV straight from PostgreSQL's COPY, as the register's other exports
    are written (UTF-8 with a BOM, semicolons, text cells neutralised); return their ids.

    One statement, so one snapshot: the file and the returned ids always match.
    """
    handle.write(_header_line([str(h) for h, _field in columns(channel)]))
    ids = array("q")
    if people.query.is_empty():
        return ids
    sql, params = export_values(people, channel).query.sql_with_params()
    statement = connection.ops.compose_sql(sql, params)
    tracker = _Progress(progress)
    append, write = ids.append, handle.write
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, DELIMITER ';')") as copy,
    ):
        # COPY hands over one row at a time; the first column is the person's id.
        for row in copy:
            pk, line = bytes(row).split(b";", 1)
            append(int(pk))
            write(line)
            if len(ids) >= tracker.next_report:
                tracker.rows(len(ids))
    return ids


def write_xlsx(
    people: CustomerQuerySet,
    *,
    channel: str,
    handle: IO[bytes],
    progress: Callable[[int], None],
) -> array:
    """Write XLSX in openpyxl's write-only mode from a server-side cursor; return the ids."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([neutralise(str(h)) for h, _field in columns(channel)])
    ids = array("q")
    tracker = _Progress(progress)
    for pk, *values in export_values(people, channel).iterator(chunk_size=CHUNK_SIZE):
        ids.append(pk)
        sheet.append(values)
        tracker.rows(len(ids))
    workbook.save(handle)
    return ids


def write_audience(
    people: CustomerQuerySet,
    *,
    channel: str,
    fmt: str,
    handle: IO[bytes],
    progress: Callable[[int], None] = lambda count: None,
) -> array:
    """Stream the people into the file in the format; return the ids of the people written."""
    writer = copy_csv if fmt == ExportFormat.CSV else write_xlsx
    return writer(people, channel=channel, handle=handle, progress=progress)
