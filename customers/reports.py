"""Reports for the analysis purpose of notice §5: counts only, no person in them. Nobody whose
processing is restricted, or whose objection stops analysis, is counted (Customer.analysable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.exports import csv_response, xlsx_response
from customers.models import Company, Customer, CustomerGroup

# The page shows this many rows of a report that grows with the data (every city anyone has
# written down); the export has them all.
ROWS_ON_PAGE = 20


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    label_header: str
    rows: Callable[[], list[tuple[str, int]]]
    # Rows come largest first, so the page can fold the smallest into one.
    largest_first: bool = True


def _by_group() -> list[tuple[str, int]]:
    return [
        (group.name, group.member_count)
        for group in CustomerGroup.objects.with_analysable_member_counts()
    ]


def _by_key_account() -> list[tuple[str, int]]:
    return [
        (company.name, company.contact_count)
        for company in Company.objects.key_accounts_with_contact_counts()
    ]


def _by_city() -> list[tuple[str, int]]:
    no_city = _("(no city)")
    return [(city or no_city, n) for city, n in Customer.objects.analysable().count_by_city()]


def _per_month() -> list[tuple[str, int]]:
    return [
        (formats.date_format(month, "F Y"), n)
        for month, n in Customer.objects.analysable().new_per_month()
    ]


REPORTS = {
    report.slug: report
    for report in (
        Report("ryhmat", gettext_lazy("Customers by group"), gettext_lazy("Group"), _by_group),
        Report(
            "avainasiakkaat",
            gettext_lazy("Contact persons of key accounts"),
            gettext_lazy("Key account"),
            _by_key_account,
        ),
        Report("kunnat", gettext_lazy("Customers by city"), gettext_lazy("City"), _by_city),
        Report(
            "uudet",
            gettext_lazy("New customers per month"),
            gettext_lazy("Month"),
            _per_month,
            largest_first=False,  # the last 12 months, in order
        ),
    )
}


def _on_page(report: Report) -> tuple[list[tuple[str, int]], int]:
    """Return the rows the page shows and how many it folded: the largest, and the rest summed
    in one row, since a chart of a thousand bars tells nothing."""
    rows = report.rows()
    if not report.largest_first or len(rows) <= ROWS_ON_PAGE:
        return rows, 0
    rest = rows[ROWS_ON_PAGE - 1 :]
    other = _("Others (%(count)s)") % {
        "count": formats.number_format(len(rest), force_grouping=True)
    }
    return [*rows[: ROWS_ON_PAGE - 1], (other, sum(n for _label, n in rest))], len(rest)


@login_required
@permission_required("customers.view_reports", raise_exception=True)
def reports_page(request: HttpRequest) -> HttpResponse:
    on_page = {report.slug: _on_page(report) for report in REPORTS.values()}
    sections = [
        {
            "report": report,
            "rows": on_page[report.slug][0],
            "folded": on_page[report.slug][1],
            "chart_id": f"chart-{report.slug}",
            "data_id": f"chart-{report.slug}-data",
        }
        for report in REPORTS.values()
    ]
    for section in sections:
        section["chart"] = {
            "labels": [label for label, _n in section["rows"]],
            "values": [n for _label, n in section["rows"]],
            "title": str(section["report"].title),
            "type": "line" if section["report"].slug == "uudet" else "bar",
        }
    return render(request, "customers/reports.html", {"sections": sections})


@login_required
@permission_required("customers.view_reports", raise_exception=True)
def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    if report not in REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    chosen = REPORTS[report]
    header = [str(chosen.label_header), _("Customers")]
    rows = chosen.rows()
    writer = csv_response if fmt == "csv" else xlsx_response
    return writer(f"asiakasrekisteri-{chosen.slug}", header, rows)
