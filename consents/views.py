"""Staff screens for consents, bans, restrictions and marketing audiences. Views check access,
validate a form, call one service and redirect with a message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessAction, AccessLogEntry, AccessPurpose, log_view
from consents import services
from consents.audiences import audience
from consents.forms import AudienceExportForm, AudienceForm, BanForm, ConsentRecordForm, ReasonForm
from consents.models import (
    AudienceExport,
    Ban,
    ConsentAction,
    ConsentEvent,
    Disclosure,
    ExportStatus,
)
from consents.selectors import customer_choices, disclosures_of
from customers.models import Customer
from customers.paging import paged
from privacy import restriction
from privacy.models import Restriction
from privacy.restriction import ProcessingRestricted

RECENT_EXPORTS = 20
TIMELINE_PAGE_SIZE = 25
RESTRICTED_MESSAGE = gettext_lazy(
    "Processing of this person's data is restricted: only the privacy officer can give a "
    "consent or lift a ban."
)


def _back_to(customer: Customer, request: HttpRequest) -> HttpResponse:
    if request.POST.get("next") == "timeline":
        return redirect("consents:timeline", pk=customer.pk)
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#suostumukset")


def _form_errors(request: HttpRequest) -> None:
    messages.error(request, _("Not saved: correct the marked fields."))


# --- A person's choices -------------------------------------------------------------------------


def _timeline(
    request: HttpRequest,
    customer: Customer,
    *,
    consent_form: ConsentRecordForm | None = None,
    ban_form: BanForm | None = None,
) -> HttpResponse:
    """Render the person's timeline. Each of its lists pages on its own parameter, so the page
    costs the same number of queries however long the person's history is."""
    log_view(request.user, customer)
    events = ConsentEvent.objects.filter(customer=customer).for_timeline()
    bans = (
        Ban.objects.filter(customer=customer)
        .select_related("recorded_by", "recorded_by_client", "lifted_by")
        .order_by("-recorded_at", "-pk")
    )
    restrictions = (
        Restriction.objects.filter(customer=customer)
        .select_related("set_by", "lifted_by")
        .order_by("-set_at", "-pk")
    )
    lists = {
        "events": paged(request, events, per_page=TIMELINE_PAGE_SIZE, param="page"),
        "bans": paged(request, bans, per_page=TIMELINE_PAGE_SIZE, param="kiellot"),
        "restrictions": paged(
            request, restrictions, per_page=TIMELINE_PAGE_SIZE, param="rajoitukset"
        ),
    }
    if request.user.has_perm("consents.view_disclosure"):
        lists["disclosures"] = paged(
            request, disclosures_of(customer), per_page=TIMELINE_PAGE_SIZE, param="luovutukset"
        )
    choices = customer_choices(customer)
    return render(
        request,
        "consents/customer_timeline.html",
        {
            "customer": customer,
            "choices": choices,
            **lists,
            # The page is also rendered for a refused form's POST address: links go to its own.
            "timeline_url": reverse("consents:timeline", args=[customer.pk]),
            "consent_form": consent_form or ConsentRecordForm(),
            "ban_form": ban_form or BanForm(),
        },
    )


@login_required
@require_GET
@permission_required("consents.view_consentevent", raise_exception=True)
def customer_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Every consent event, ban, restriction and disclosure of one person, newest first."""
    return _timeline(request, get_object_or_404(Customer, pk=pk))


@login_required
@require_POST
@permission_required("consents.add_consentevent", raise_exception=True)
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Give or withdraw a consent: from the customer page, the channel and one click."""
    customer = get_object_or_404(Customer, pk=pk)
    form = ConsentRecordForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request)
        return _timeline(request, customer, consent_form=form)
    data = form.cleaned_data
    operation = (
        services.consent_give if data["action"] == ConsentAction.GIVE else services.consent_withdraw
    )
    try:
        change = operation(
            customer=customer,
            purpose=data["purpose"],
            channel=data["channel"],
            evidence=data["evidence"],
            evidence_file=data["evidence_file"],
            by=request.user,
        )
    except ProcessingRestricted:
        messages.error(request, RESTRICTED_MESSAGE)
        return _back_to(customer, request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back_to(customer, request)
    if not change.recorded:
        messages.info(request, _("Nothing changed."))
    elif change.given:
        messages.success(
            request, _("Consent given: %(purpose)s.") % {"purpose": data["purpose"].name}
        )
    else:
        messages.success(
            request, _("Consent withdrawn: %(purpose)s.") % {"purpose": data["purpose"].name}
        )
    return _back_to(customer, request)


@login_required
@require_POST
@permission_required("consents.add_ban", raise_exception=True)
def ban_record(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = BanForm(request.POST)
    if not form.is_valid():
        _form_errors(request)
        return _timeline(request, customer, ban_form=form)
    ban, created = services.ban_record(
        customer=customer,
        kind=form.cleaned_data["kind"],
        channel=form.cleaned_data["channel"],
        started_on=form.cleaned_data["started_on"],
        note=form.cleaned_data["note"],
        by=request.user,
    )
    if created:
        messages.success(request, _("Recorded: %(ban)s.") % {"ban": ban.get_kind_display()})
    else:
        messages.info(request, _("The ban was already in force."))
    return _back_to(customer, request)


@login_required
@require_POST
@permission_required("consents.change_ban", raise_exception=True)
def ban_lift(request: HttpRequest, pk: int, ban_pk: int) -> HttpResponse:
    ban = get_object_or_404(Ban.objects.select_related("customer"), pk=ban_pk, customer=pk)
    try:
        services.ban_lift(ban=ban, by=request.user)
    except ProcessingRestricted:
        messages.error(request, RESTRICTED_MESSAGE)
    else:
        messages.success(request, _("Lifted: %(ban)s.") % {"ban": ban.get_kind_display()})
    return _back_to(ban.customer, request)


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("privacy.add_restriction", raise_exception=True)
def restriction_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Restrict processing (GDPR Art. 18): the privacy officer only, with a reason."""
    customer = get_object_or_404(Customer, pk=pk)
    current = restriction.restriction_of(customer)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and current is None:
        if form.is_valid():
            restriction.restriction_set(
                customer=customer, reason=form.cleaned_data["reason"], by=request.user
            )
            messages.success(request, _("Processing restricted."))
            return redirect("customers:detail", pk=customer.pk)
        _form_errors(request)
    return render(
        request,
        "consents/restriction_form.html",
        {"customer": customer, "form": form, "restriction": current, "lifting": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("privacy.change_restriction", raise_exception=True)
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    current = restriction.restriction_of(customer)
    if current is None:
        messages.info(request, _("Processing is not restricted."))
        return redirect("customers:detail", pk=customer.pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            restriction.restriction_lift(
                customer=customer, reason=form.cleaned_data["reason"], by=request.user
            )
            messages.success(request, _("Restriction lifted."))
            return redirect("customers:detail", pk=customer.pk)
        _form_errors(request)
    return render(
        request,
        "consents/restriction_form.html",
        {"customer": customer, "form": form, "restriction": current, "lifting": True},
    )


@login_required
@require_GET
@permission_required("consents.view_consentevent", raise_exception=True)
def evidence_download(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    """The scanned evidence of a consent event; every download is logged."""
    event = get_object_or_404(
        ConsentEvent.objects.select_related("customer"), pk=event_pk, customer=pk
    )
    if not event.evidence_file:
        raise Http404
    AccessLogEntry.record(
        actor=request.user,
        action=AccessAction.DOWNLOAD,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subject=event.customer,
        obj=event,
    )
    response = FileResponse(event.evidence_file.open("rb"), as_attachment=True)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
@permission_required("consents.download_disclosure_copy", raise_exception=True)
def disclosure_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy a disclosure handed over (the privacy officer's evidence)."""
    disclosure = get_object_or_404(Disclosure, pk=pk)
    if not disclosure.copy:
        raise Http404
    _record_copy_download(request, disclosure)
    response = FileResponse(disclosure.copy.open("rb"), as_attachment=True)
    response["Cache-Control"] = "no-store, private"
    return response


def _record_copy_download(
    request: HttpRequest, disclosure: Disclosure, export: AudienceExport | None = None
) -> None:
    """Log a download of a disclosure's copy: the disclosure is the reference to whose data it
    holds (its people are listed with it), and the count is kept; no names."""
    AccessLogEntry.record(
        actor=request.user,
        action=AccessAction.DOWNLOAD,
        purpose=AccessPurpose.MARKETING if export is not None else AccessPurpose.SUPERVISION,
        subject=disclosure,
        obj=export,
        people=disclosure.subject_count,
    )


# --- Marketing audiences ------------------------------------------------------------------------


def _audience_page(
    request: HttpRequest, form: AudienceForm, export_form: AudienceExportForm | None
) -> HttpResponse:
    size = None
    if form.is_bound and form.is_valid():
        size = audience(
            purpose=form.cleaned_data["purpose"],
            channel=form.cleaned_data["channel"],
            filters=form.filters(),
        ).count()
        if export_form is None:
            export_form = AudienceExportForm(initial=request.GET.dict())
    exports = list(
        AudienceExport.objects.select_related("purpose", "recipient", "created_by")[:RECENT_EXPORTS]
    )
    return render(
        request,
        "consents/audiences.html",
        {
            "form": form,
            "size": size,
            "export_form": export_form,
            "exports": exports,
            "waiting": services.exports_waiting_for_job_service(exports),
        },
    )


@login_required
@require_GET
@permission_required("consents.add_audienceexport", raise_exception=True)
def audiences(request: HttpRequest) -> HttpResponse:
    """Build an audience and see its size; only people the selector allows are counted."""
    form = AudienceForm(request.GET or None)
    return _audience_page(request, form, None)


@login_required
@require_POST
@permission_required("consents.add_audienceexport", raise_exception=True)
def audience_export_create(request: HttpRequest) -> HttpResponse:
    form = AudienceExportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            export = services.audience_export_request(
                purpose=data["purpose"],
                channel=data["channel"],
                filters=form.filters(),
                recipient=data["recipient"],
                fmt=data["format"],
                by=request.user,
            )
        except services.RecipientNotAllowed:
            form.add_error("recipient", _("This recipient can't receive data."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if services.exports_waiting_for_job_service([export]):
                messages.warning(request, _WAITING_MESSAGE)
            else:
                messages.success(request, _("The export has started."))
            return redirect("consents:export", pk=export.pk)
    _form_errors(request)
    return _audience_page(request, AudienceForm(request.POST), form)


@login_required
@require_GET
@permission_required("consents.view_audienceexport", raise_exception=True)
def audience_export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(
        AudienceExport.objects.select_related("purpose", "recipient", "created_by", "disclosure"),
        pk=pk,
    )
    waiting = bool(services.exports_waiting_for_job_service([export]))
    return render(
        request,
        "consents/export_detail.html",
        {"export": export, "waiting": waiting, "may_download": export.may_download(request.user)},
    )


_WAITING_MESSAGE = _(
    "The job service does not answer: the export is recorded and starts when the service is back."
)


def _progress_label(export: AudienceExport, *, waiting: bool) -> str:
    if export.is_stuck:
        return _("The export has stopped.")
    if waiting:
        return _("Waiting for the job service")
    if export.status == ExportStatus.QUEUED:
        return _("Waiting for its turn…")
    if export.status == ExportStatus.FAILED:
        return _("The export failed.")
    return ngettext(
        "%(written)s of about %(total)s person",
        "%(written)s of about %(total)s people",
        export.total,
    ) % {
        "written": number_format(export.written, force_grouping=True),
        "total": number_format(export.total, force_grouping=True),
    }


@login_required
@require_GET
@permission_required("consents.view_audienceexport", raise_exception=True)
def audience_export_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The export's progress for the page's progress bar (static/js/audience-export.js)."""
    export = get_object_or_404(AudienceExport, pk=pk)
    waiting = bool(services.exports_waiting_for_job_service([export]))
    return JsonResponse(
        {
            "status": export.status,
            "written": export.written,
            "total": export.total,
            "percent": export.percent,
            "label": _progress_label(export, waiting=waiting),
            "finished": export.is_finished,
            "stuck": export.is_stuck,
            "waiting_for_job_service": waiting,
        }
    )


@login_required
@require_POST
@permission_required("consents.add_audienceexport", raise_exception=True)
def audience_export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a stuck export again (a new job takes it over from the beginning), or send a
    waiting one to the job service again."""
    export = get_object_or_404(AudienceExport, pk=pk)
    if services.audience_export_again(export=export, by=request.user):
        if services.exports_waiting_for_job_service([export]):
            messages.warning(request, _WAITING_MESSAGE)
        else:
            messages.success(request, _("The export was started again."))
    else:
        messages.info(request, _("The export is not stuck: nothing was started."))
    return redirect("consents:export", pk=export.pk)


@login_required
@require_GET
@permission_required("consents.view_audienceexport", raise_exception=True)
def audience_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file, for the processor named in its disclosure: only its creator and the
    privacy officer download it, and every download is logged."""
    export = get_object_or_404(
        AudienceExport.objects.select_related("disclosure", "purpose"), pk=pk
    )
    if not export.may_download(request.user):
        raise PermissionDenied
    if export.status != ExportStatus.DONE or not export.disclosure.copy:
        raise Http404
    _record_copy_download(request, export.disclosure, export)
    AudienceExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    response = FileResponse(
        export.disclosure.copy.open("rb"), as_attachment=True, filename=export.filename
    )
    response["Cache-Control"] = "no-store, private"
    return response
