"""Spreadsheet exports that open cleanly in Excel and can't smuggle a formula into it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import CharField, F, Func
from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return a cell value that a spreadsheet shows as text, never runs as a formula.

    Numbers stay numbers; a text beginning with = + - @ (or a tab or carriage return, which
    Excel strips before looking) gets a leading apostrophe (OWASP's CSV-injection advice).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(field: str) -> Func:
    """Return a database expression for a text column that neutralises it as neutralise() does,
    for exports streamed straight from PostgreSQL without a Python call per cell."""
    starts = ", ".join(f"chr({ord(c)})" for c in _FORMULA_STARTS)
    return Func(
        F(field),
        template=(
            f"CASE WHEN left(%(expressions)s, 1) IN ({starts}) "
            "THEN chr(39) || %(expressions)s ELSE %(expressions)s END"
        ),
        output_field=CharField(),
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Stream rows as CSV: UTF-8 with a BOM so Excel shows ä and ö, semicolons as in Finnish
    Excel, every text cell neutralised. Memory stays flat however many rows there are."""
    writer = csv.writer(_Echo(), delimiter=";")

    def generate() -> Iterable[str]:
        yield "\ufeff"
        yield writer.writerow([neutralise(h) for h in header])
        for row in rows:
            yield writer.writerow([neutralise(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """An XLSX file, written in openpyxl's write-only mode, every text cell neutralised."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
