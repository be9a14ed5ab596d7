"""Breach reports: breaches per year and kind, hours from awareness to the Ombudsman's
notification, and the share notified within 72 hours. Numbers only; no person is named."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Min, Q
from django.db.models.functions import ExtractYear
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from breaches.models import AUTHORITY_DEADLINE, Breach, Kind, Phase
from customers.exports import csv_response


@dataclass
class YearRow:
    year: int
    by_kind: dict[str, int] = field(default_factory=dict)
    total: int = 0
    notified: int = 0
    within_72h: int = 0
    hours: list[float] = field(default_factory=list)

    @property
    def kinds(self) -> list[tuple[str, int]]:
        return [(kind, self.by_kind.get(kind, 0)) for kind, _label in Kind.choices]

    @property
    def share_within_72h(self) -> float | None:
        """The share of notified breaches notified within 72 hours, in per cent."""
        return 100 * self.within_72h / self.notified if self.notified else None

    @property
    def median_hours(self) -> float | None:
        if not self.hours:
            return None
        ordered = sorted(self.hours)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def breach_report() -> list[YearRow]:
    """Return one row per year of awareness (local time), oldest first."""
    rows: dict[int, YearRow] = {}
    counts = (
        Breach.objects.annotate(year=ExtractYear("became_aware_at"))
        .values("year", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in counts:
        year = rows.setdefault(row["year"], YearRow(year=row["year"]))
        year.by_kind[row["kind"]] = row["n"]
        year.total += row["n"]
    notified = (
        Breach.objects.annotate(
            year=ExtractYear("became_aware_at"),
            notified_at=Min(
                "authority_notifications__sent_at",
                filter=Q(authority_notifications__phase=Phase.INITIAL),
            ),
        )
        .filter(notified_at__isnull=False)
        .values_list("year", "notified_at", F("became_aware_at"))
        .order_by()
    )
    for year, notified_at, aware in notified:
        row = rows.setdefault(year, YearRow(year=year))
        elapsed = notified_at - aware
        row.notified += 1
        row.hours.append(elapsed.total_seconds() / 3600)
        if elapsed <= AUTHORITY_DEADLINE:
            row.within_72h += 1
    return [rows[year] for year in sorted(rows)]


def chart_data(report: list[YearRow]) -> dict[str, object]:
    """Breaches per year, stacked by kind, for Chart.js (static/js/charts.js)."""
    return {
        "labels": [str(row.year) for row in report],
        "series": [
            {"label": str(label), "values": [row.by_kind.get(kind, 0) for row in report]}
            for kind, label in Kind.choices
        ],
        "title": _("Breaches per year and kind"),
        "type": "bar",
    }


def csv_export() -> StreamingHttpResponse:
    """The report as CSV with the project's conventions (BOM, semicolons, no formulas)."""
    report = breach_report()
    header = [
        _("Year"),
        *(str(label) for _kind, label in Kind.choices),
        _("Breaches"),
        _("Notified to the Ombudsman"),
        _("Within 72 hours"),
        _("Share within 72 hours (%)"),
        _("Median hours to notification"),
    ]
    rows = [
        [
            row.year,
            *(row.by_kind.get(kind, 0) for kind, _label in Kind.choices),
            row.total,
            row.notified,
            row.within_72h,
            _number(row.share_within_72h),
            _number(row.median_hours),
        ]
        for row in report
    ]
    return csv_response("tietoturvaloukkaukset", header, rows)


def _number(value: float | None) -> str:
    """A decimal comma, as Finnish Excel reads it."""
    return "" if value is None else f"{value:.1f}".replace(".", ",")
