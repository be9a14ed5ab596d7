"""Staff screens for feedback and the satisfaction report. Views check access, validate a form,
call one service and redirect with a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import log_view
from customers.exports import csv_response, xlsx_response
from customers.models import Customer
from feedback.forms import FeedbackFilterForm, FeedbackForm, FeedbackResponseForm
from feedback.models import Feedback, FeedbackChannel, Topic
from feedback.services import (
    FeedbackAlreadyHandled,
    feedback_record,
    feedback_reopen,
    feedback_respond,
)
from privacy.restriction import ProcessingRestricted, may_edit_customer

PAGE_SIZE = 50
VIEW = "feedback.view_feedback"
ADD = "feedback.add_feedback"
HANDLE = "feedback.change_feedback"
REPORT = "feedback.view_satisfaction_report"


# --- Feedback -----------------------------------------------------------------------------------


@login_required
@require_GET
@permission_required(VIEW, raise_exception=True)
def feedback_list(request: HttpRequest) -> HttpResponse:
    """Feedback, newest first, filtered by status, channel, topic, rating and dates; it opens
    on what is unhandled.

    Filtered to one person it shows that person's feedback, so the view is written to the
    access log about them, like their own page.
    """
    filters = FeedbackFilterForm.for_list(request.GET)
    items = filters.filter(Feedback.objects.for_listing())
    customer = None
    if filters.cleaned_data.get("customer"):
        customer = Customer.objects.filter(pk=filters.cleaned_data["customer"]).first()
    if customer is not None:
        log_view(request.user, customer)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/feedback_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "items": page.object_list,
            "query_string": query.urlencode(),
            "filter_customer": customer,
            "can_add": request.user.has_perm(ADD),
        },
    )


@login_required
@require_POST
@permission_required(HANDLE, raise_exception=True)
def feedback_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take handled feedback back into handling ("Mark handled" is undone here)."""
    feedback = get_object_or_404(Feedback, pk=pk)
    try:
        reopened = feedback_reopen(feedback=feedback, by=request.user)
    except ProcessingRestricted:
        messages.error(
            request,
            _("Processing of this person's data is restricted: the feedback is only kept."),
        )
    else:
        if reopened:
            messages.success(request, _("The feedback is back in handling."))
        else:
            messages.info(request, _("The feedback was not marked handled."))
    return redirect("feedback:detail", pk=feedback.pk)


def _subject(feedback: Feedback) -> object:
    # Anonymous feedback is its own subject, so its log entries go when it does.
    return feedback.customer if feedback.customer_id else feedback


@login_required
@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One feedback item; staff who handle feedback write the response and mark it handled."""
    feedback = get_object_or_404(
        Feedback.objects.select_related("customer", "handled_by", "call", "survey_invitation"),
        pk=pk,
    )
    can_handle = request.user.has_perm(HANDLE) and not feedback.is_handled
    restricted = feedback.customer_id is not None and not may_edit_customer(
        request.user, feedback.customer_id
    )
    form = FeedbackResponseForm(
        request.POST if request.method == "POST" else None,
        initial={"response": feedback.response},
    )
    if request.method == "POST":
        if not request.user.has_perm(HANDLE):
            raise PermissionDenied
        if form.is_valid():
            handled = "handled" in request.POST
            try:
                feedback_respond(
                    feedback=feedback,
                    response=form.cleaned_data["response"],
                    handled=handled,
                    by=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except FeedbackAlreadyHandled:
                messages.error(request, _("Someone else marked this feedback handled meanwhile."))
                return redirect("feedback:detail", pk=feedback.pk)
            except ProcessingRestricted:
                messages.error(
                    request,
                    _("Processing of this person's data is restricted: the feedback is only kept."),
                )
                return redirect("feedback:detail", pk=feedback.pk)
            else:
                messages.success(
                    request,
                    _("The feedback is marked handled.") if handled else _("Saved."),
                )
                return redirect("feedback:detail", pk=feedback.pk)
        messages.error(request, _("Not saved: correct the marked fields."))
    log_view(request.user, _subject(feedback), obj=feedback)
    invitation = getattr(feedback, "survey_invitation", None)
    return render(
        request,
        "feedback/feedback_detail.html",
        {
            "feedback": feedback,
            "invitation": invitation,
            "form": form,
            "can_handle": can_handle and not restricted,
            "can_reopen": request.user.has_perm(HANDLE) and feedback.is_handled and not restricted,
            "restricted": restricted,
            "can_listen": request.user.has_perm("calls.listen_callrecording"),
            "can_view_customer": request.user.has_perm("customers.view_customer"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required(ADD, raise_exception=True)
def feedback_create(request: HttpRequest) -> HttpResponse:
    """Write down feedback taken on the phone or at the office."""
    initial = {}
    customer = None
    if request.GET.get("asiakas", "").isdigit():
        customer = Customer.objects.filter(pk=int(request.GET["asiakas"])).first()
        if customer is not None:
            initial["customer_number"] = customer.customer_number
    form = FeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback = feedback_record(
                    customer=data["customer_number"],
                    channel=data["channel"],
                    topic=data["topic"],
                    text=data["text"],
                    rating=data["rating"],
                    by=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Feedback recorded."))
                if feedback.customer_id:
                    return redirect(
                        reverse("customers:detail", args=[feedback.customer_id]) + "#palaute"
                    )
                return redirect("feedback:detail", pk=feedback.pk)
        messages.error(request, _("Not saved: correct the marked fields."))
    return render(request, "feedback/feedback_form.html", {"form": form, "customer": customer})


# --- Satisfaction report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakdown:
    slug: str
    dimension: str
    title: str
    label_header: str
    label: Callable[[object], str]


def _month_label(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return formats.date_format(value, "F Y") if isinstance(value, date) else str(value)


BREAKDOWNS = {
    breakdown.slug: breakdown
    for breakdown in (
        Breakdown(
            "kuukausittain",
            "month",
            gettext_lazy("Satisfaction by month"),
            gettext_lazy("Month"),
            _month_label,
        ),
        Breakdown(
            "kanavittain",
            "channel",
            gettext_lazy("Satisfaction by channel"),
            gettext_lazy("Channel"),
            lambda value: str(FeedbackChannel(value).label),
        ),
        Breakdown(
            "aiheittain",
            "topic",
            gettext_lazy("Satisfaction by topic"),
            gettext_lazy("Topic"),
            lambda value: str(Topic(value).label),
        ),
    )
}


@dataclass(frozen=True)
class ReportRow:
    label: str
    volume: int
    rated: int
    average: float | None


def _rows(breakdown: Breakdown) -> list[ReportRow]:
    return [
        ReportRow(
            label=breakdown.label(row["key"]),
            volume=row["volume"],
            rated=row["rated"],
            average=round(row["average"], 2) if row["average"] is not None else None,
        )
        for row in Feedback.objects.satisfaction_by(breakdown.dimension)
    ]


@login_required
@require_GET
@permission_required(REPORT, raise_exception=True)
def satisfaction_report(request: HttpRequest) -> HttpResponse:
    """Average rating and volume by month, channel and topic: numbers only, no person."""
    sections = []
    for breakdown in BREAKDOWNS.values():
        rows = _rows(breakdown)
        sections.append(
            {
                "breakdown": breakdown,
                "rows": rows,
                "chart_id": f"chart-{breakdown.slug}",
                "data_id": f"chart-{breakdown.slug}-data",
                "chart": {
                    "labels": [row.label for row in rows],
                    "values": [row.average for row in rows],
                    "title": str(_("Average rating")),
                    "type": "line" if breakdown.dimension == "month" else "bar",
                },
            }
        )
    return render(request, "feedback/satisfaction_report.html", {"sections": sections})


def _decimal(value: float | None) -> str:
    return "" if value is None else formats.number_format(value, 2, use_l10n=True)


@login_required
@require_GET
@permission_required(REPORT, raise_exception=True)
def satisfaction_export(request: HttpRequest, breakdown: str, fmt: str) -> HttpResponse:
    if breakdown not in BREAKDOWNS or fmt not in ("csv", "xlsx"):
        raise Http404
    chosen = BREAKDOWNS[breakdown]
    header = [str(chosen.label_header), _("Feedback items"), _("Rated"), _("Average rating")]
    if fmt == "csv":  # Finnish Excel reads a decimal comma
        rows = [(row.label, row.volume, row.rated, _decimal(row.average)) for row in _rows(chosen)]
    else:
        rows = [(row.label, row.volume, row.rated, row.average) for row in _rows(chosen)]
    writer = csv_response if fmt == "csv" else xlsx_response
    return writer(f"tyytyvaisyys-{chosen.slug}", header, rows)
