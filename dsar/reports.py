"""Figures of the request register for the privacy officer and audits: requests per type and
month, median days to close, the share answered within one and within three months."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dsar.deadlines import MAX_EXTENSION_MONTHS, due_date
from dsar.models import DataSubjectRequest, RequestType

MONTHS = 12


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    return [first - relativedelta(months=n) for n in range(MONTHS - 1, -1, -1)]


@dataclass(frozen=True)
class PerMonth:
    months: list[date]
    # Per request type, the requests asking it received in each month (a request of two types
    # counts for both).
    by_type: list[tuple[str, list[int]]]
    # The requests received in each month, each once.
    totals: list[int]


def per_type_and_month(today: date | None = None) -> PerMonth:
    """Return the requests received in each of the last 12 months, per type and in total."""
    today = today or timezone.localdate()
    months = _months(today)
    counts: Counter[tuple[str, date]] = Counter()
    totals: Counter[date] = Counter()
    rows = (
        DataSubjectRequest.objects.filter(received_on__gte=months[0])
        .annotate(month=TruncMonth("received_on"))
        .values_list("month", "types")
    )
    for month, types in rows:
        totals[month] += 1
        for kind in types:
            counts[(kind, month)] += 1
    return PerMonth(
        months=months,
        by_type=[
            (str(label), [counts[(value, month)] for month in months])
            for value, label in RequestType.choices
        ],
        totals=[totals[month] for month in months],
    )


@dataclass(frozen=True)
class ClosingFigures:
    closed: int
    median_days: float | None
    within_one_month: float | None  # share, 0-1
    within_three_months: float | None


def closing_figures() -> ClosingFigures:
    """Median days from receipt to closing, and the share of closed requests answered within
    one month and within three months, each counted as the deadline counts (pauses included,
    art. 3 of Regulation 1182/71)."""
    rows = DataSubjectRequest.objects.closed().values_list(
        "received_on", "closed_at", "paused_days"
    )
    days: list[int] = []
    one = three = 0
    for received, closed_at, paused in rows:
        closed = timezone.localdate(closed_at)
        days.append((closed - received).days)
        one += closed <= due_date(received, paused_days=paused)
        three += closed <= due_date(
            received, extension_months=MAX_EXTENSION_MONTHS, paused_days=paused
        )
    if not days:
        return ClosingFigures(0, None, None, None)
    return ClosingFigures(
        closed=len(days),
        median_days=statistics.median(days),
        within_one_month=one / len(days),
        within_three_months=three / len(days),
    )
