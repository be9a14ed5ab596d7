"""Staff pages of the request register: logging a request handed in at the office (from the
customer page), and the reports with the register's CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from customers.exports import csv_response
from customers.models import Customer
from dsar import reports
from dsar.forms import OfficeRequestForm
from dsar.models import Channel, DataSubjectRequest
from dsar.services import register_request


@login_required
@permission_required("customers.view_customer", raise_exception=True)
@permission_required("dsar.log_request", raise_exception=True)
@require_http_methods(["GET", "POST"])
def office_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a written request the person handed in at the office: a short form and the scan.
    The privacy officer verifies the identity and answers it; staff then see its state and
    due date on the customer page, never its documents."""
    customer = get_object_or_404(Customer, pk=pk)
    form = OfficeRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = register_request(
                types=data["types"],
                channel=Channel.OFFICE,
                requester_name=data["requester_name"],
                language=data["language"],
                received_on=data["received_on"],
                customer=customer,
                documents=[data["scan"]],
                by=request.user,
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            dsar = registered.request
            messages.success(
                request,
                _("Request %(reference)s logged; due %(due)s. The privacy officer handles it.")
                % {"reference": dsar.reference, "due": formats.date_format(dsar.due_on, "j.n.Y")},
            )
            for warning in registered.warnings:
                messages.warning(request, warning)
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#pyynnot")
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("Not saved: correct the marked fields."))
    return render(request, "dsar/office_request_form.html", {"customer": customer, "form": form})


@login_required
@permission_required("dsar.view_datasubjectrequest", raise_exception=True)
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    """Requests per type and month, median days to close, answered within one or three months."""
    per_month = reports.per_type_and_month()
    month_labels = [formats.date_format(month, "M Y") for month in per_month.months]
    by_type, totals = per_month.by_type, per_month.totals
    figures = reports.closing_figures()
    charts = [
        {
            "id": "chart-per-month",
            "data": {
                "labels": month_labels,
                "values": totals,
                "title": _("Requests per month"),
                "type": "bar",
            },
        },
        {
            "id": "chart-per-type",
            "data": {
                "labels": [label for label, _counts in by_type],
                "values": [sum(counts) for _label, counts in by_type],
                "title": _("Requests per type, last 12 months"),
                "type": "bar",
            },
        },
    ]
    if figures.closed:
        charts.append(
            {
                "id": "chart-on-time",
                "data": {
                    "labels": [_("Within one month"), _("Within three months")],
                    "values": [
                        round(100 * figures.within_one_month, 1),
                        round(100 * figures.within_three_months, 1),
                    ],
                    "title": _("Answered in time (%)"),
                    "type": "bar",
                },
            }
        )
    for chart in charts:
        chart["data_id"] = f"{chart['id']}-data"
    return render(
        request,
        "dsar/reports.html",
        {
            "months": month_labels,
            "by_type": by_type,
            "totals": totals,
            "figures": figures,
            "charts": charts,
        },
    )


@login_required
@permission_required("dsar.view_datasubjectrequest", raise_exception=True)
@require_GET
def register_export(request: HttpRequest) -> HttpResponse:
    """The request register for audits, as CSV (BOM, semicolons, formulas neutralised): what
    was asked, when, how it was handled and when closed; no requester's contact details."""
    header = [
        _("Reference"),
        _("What is asked"),
        _("Channel"),
        _("Received"),
        _("Registered"),
        _("Due"),
        _("State"),
        _("Closed"),
        _("Identity verified by"),
        _("Extension (months)"),
        _("Paused days"),
        _("Handler"),
    ]
    rows = (
        DataSubjectRequest.objects.select_related("handler")
        .order_by("received_on", "pk")
        .iterator(chunk_size=2_000)
    )

    def lines():
        for dsar in rows:
            yield [
                dsar.reference,
                dsar.type_labels(),
                dsar.get_channel_display(),
                f"{dsar.received_on:%d.%m.%Y}",
                f"{timezone.localtime(dsar.registered_at):%d.%m.%Y}",
                f"{dsar.due_on:%d.%m.%Y}",
                dsar.get_state_display(),
                f"{timezone.localtime(dsar.closed_at):%d.%m.%Y}" if dsar.closed_at else "",
                dsar.get_identity_method_display(),
                dsar.extension_months,
                dsar.paused_days,
                dsar.handler.get_username() if dsar.handler else "",
            ]

    return csv_response("rekisteroidyn-pyynnot", header, lines())
