"""A disclosure's copy without one person's lines: how erasure takes a person out of a copy
that holds other people too, instead of destroying the evidence about all of them.

A copy is a table: the register's own exports (CSV with semicolons and a BOM, or XLSX, the
first column the customer number) or a file staff attached. A line is the person's when one of
its cells is the person's customer number, e-mail address or phone number, or when it holds
both their first and last name. The first line (the header) always stays. A format this module
cannot read as a table returns None: erasure then deletes the copy whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from openpyxl import Workbook, load_workbook

if TYPE_CHECKING:
    from customers.models import Customer


def is_persons_line(cells: Iterable[object], customer: Customer) -> bool:
    """Whether a line of a copy is about the person."""
    values = {str(cell).strip().lstrip("'").casefold() for cell in cells if cell is not None}
    identifiers = {
        str(value).strip().casefold()
        for value in (customer.customer_number, customer.email, customer.phone)
        if value and str(value).strip()
    }
    if values & identifiers:
        return True
    names = {customer.first_name.strip().casefold(), customer.last_name.strip().casefold()}
    return bool(names) and "" not in names and names <= values


def without_person(content: bytes, name: str, customer: Customer) -> bytes | None:
    """Return the copy without the person's lines, or None if its format is not a table."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "xlsx":
        return _xlsx_without(content, customer)
    if suffix in {"csv", "txt", "tsv"}:
        return _csv_without(content, customer)
    return None


def _csv_without(content: bytes, customer: Customer) -> bytes | None:
    bom = content.startswith(b"\xef\xbb\xbf")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count) if first_line else ";"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter)):
        if number == 0 or not is_persons_line(row, customer):
            writer.writerow(row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def _xlsx_without(content: bytes, customer: Customer) -> bytes | None:
    try:
        source = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # not a workbook after all: erasure deletes it whole
        return None
    result = Workbook(write_only=True)
    for sheet in source.worksheets:
        target = result.create_sheet(title=sheet.title)
        for number, row in enumerate(sheet.iter_rows(values_only=True)):
            if number == 0 or not is_persons_line(row, customer):
                target.append(list(row))
    handle = io.BytesIO()
    result.save(handle)
    return handle.getvalue()
