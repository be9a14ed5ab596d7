"""The privacy officer's breach register in the admin: the breach with its clock, the people
found from the logs, the Ombudsman's notifications, the notices to people, and the reports."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from breaches import reports, services
from breaches.forms import (
    AuthorityNotificationForm,
    BreachForm,
    DateTimeField,
    FindPeopleForm,
    LocalDateTimeInput,
    PublicCommunicationForm,
)
from breaches.models import (
    AffectedPerson,
    Breach,
    NotificationChannel,
    NotificationStatus,
    PersonNotification,
    Phase,
    State,
)

PEOPLE_PER_PAGE = 50


@admin.register(Breach)
class BreachAdmin(admin.ModelAdmin):
    form = BreachForm
    list_display = ["reference", "became_aware_at", "kind", "risk", "state", "clock", "people"]
    list_filter = ["state", "risk", "kind"]
    search_fields = ["=reference"]
    date_hierarchy = "became_aware_at"
    show_full_result_count = False
    fieldsets = [
        (
            gettext_lazy("When and how"),
            {
                "fields": [
                    "became_aware_at",
                    "discovered_how",
                    "reported_by",
                    ("occurred_from", "occurred_until"),
                ]
            },
        ),
        (
            gettext_lazy("What happened"),
            {"fields": ["description", "cause", ("kind", "nature")]},
        ),
        (
            gettext_lazy("Data and people"),
            {
                "fields": [
                    "data_categories",
                    "people_categories",
                    ("approx_people", "approx_records"),
                ]
            },
        ),
        (
            gettext_lazy("Consequences and measures"),
            {"fields": ["consequences", "measures_taken", "measures_planned"]},
        ),
        (
            gettext_lazy("Risk and decisions"),
            {
                "fields": [
                    "risk",
                    "risk_reasoning",
                    "authority_decision",
                    "authority_decision_reason",
                    "people_decision",
                    "people_decision_reason",
                    "art34_ground",
                ]
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # One date-and-time input (the browser's own picker) rather than the admin's two.
        if isinstance(db_field, models.DateTimeField):
            kwargs.pop("widget", None)
            return db_field.formfield(form_class=DateTimeField, widget=LocalDateTimeInput, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("authority_notifications")

    @admin.display(description=gettext_lazy("72 hours"))
    def clock(self, breach: Breach) -> str:
        if not breach.clock_is_running():
            return "–"
        return breach.clock_display()

    @admin.display(description=gettext_lazy("people found"), ordering="people_found")
    def people(self, breach: Breach) -> int:
        return breach.people_found

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The register documents every breach (GDPR Art. 33(5)); retention deletes, nobody else.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.state == State.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Breach, form: Any, change: bool) -> None:
        services.breach_save(
            breach=obj, changed=form.changed_data if change else [], by=request.user
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("raportti/", view(self.report_view), name="breaches_breach_report"),
            path("raportti.csv", view(self.report_csv), name="breaches_breach_report_csv"),
            path("<int:pk>/ihmiset/", view(self.people_view), name="breaches_breach_people"),
            path(
                "<int:pk>/tietosuojavaltuutettu/",
                view(self.authority_view),
                name="breaches_breach_authority",
            ),
            path(
                "<int:pk>/ilmoitukset/",
                view(self.notifications_view),
                name="breaches_breach_notifications",
            ),
            path("<int:pk>/kirjeet/", view(self.letters_view), name="breaches_breach_letters"),
            path("<int:pk>/sulje/", view(self.close_view), name="breaches_breach_close"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = extra_context or {}
        if request.user.has_perm("breaches.view_breach_report"):
            extra_context["report_url"] = reverse("admin:breaches_breach_report")
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        breach = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if breach is not None:
            extra_context.update(_breach_panels(breach))
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Custom pages ---

    def _breach(self, request: HttpRequest, pk: int, *, change: bool) -> Breach:
        breach = get_object_or_404(
            Breach.objects.prefetch_related("authority_notifications"), pk=pk
        )
        allowed = (
            self.has_change_permission(request, breach)
            if change
            else self.has_view_permission(request, breach)
        )
        if not allowed:
            raise PermissionDenied
        return breach

    def _render(self, request: HttpRequest, template: str, breach: Breach, **context) -> Any:
        return TemplateResponse(
            request,
            f"admin/breaches/breach/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "breach": breach,
                **context,
            },
        )

    def people_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Find the people affected from the logs, and list them."""
        breach = self._breach(request, pk, change=request.method == "POST")
        form = FindPeopleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                found = services.people_find(
                    breach=breach,
                    method=data["method"],
                    by=request.user,
                    user_pk=data["user"].pk if data.get("user") else None,
                    api_client_pk=data["api_client"].pk if data.get("api_client") else None,
                    start=data.get("start"),
                    end=data.get("end"),
                    disclosure_pk=data.get("disclosure"),
                    file_name=data.get("file_name") or "",
                )
            except services.BreachRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    ngettext(
                        "Found %(found)d person, of whom %(new)d were not on the list yet.",
                        "Found %(found)d people, of whom %(new)d were not on the list yet.",
                        found.found,
                    )
                    % {"found": found.found, "new": found.new},
                )
                return redirect("admin:breaches_breach_people", breach.pk)
        people = (
            AffectedPerson.objects.filter(breach=breach)
            .select_related("customer", "notification")
            .order_by("pk")
        )
        page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        return self._render(
            request,
            "people.html",
            breach,
            title=_("People affected by %(reference)s") % {"reference": breach.reference},
            form=form,
            page_obj=page,
            can_change=self.has_change_permission(request, breach),
        )

    def authority_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The Art. 33(3) content ready to paste, and the record of what was sent."""
        breach = self._breach(request, pk, change=request.method == "POST")
        initial = breach.initial_notification()
        form = AuthorityNotificationForm(
            request.POST or None,
            initial={
                "phase": Phase.SUPPLEMENTARY if initial else Phase.INITIAL,
                "sent_at": timezone.localtime().replace(second=0, microsecond=0),
                "content": services.art33_text(breach),
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.authority_notification_record(
                    breach=breach,
                    phase=data["phase"],
                    sent_at=data["sent_at"],
                    case_number=data["case_number"],
                    content=data["content"],
                    late_reasons=data["late_reasons"],
                    by=request.user,
                )
            except services.BreachRefused as refusal:
                form.add_error(refusal.field, str(refusal))
            else:
                messages.success(request, _("The notification to the Ombudsman was recorded."))
                return redirect("admin:breaches_breach_change", breach.pk)
        return self._render(
            request,
            "authority.html",
            breach,
            title=_("Notify the Data Protection Ombudsman"),
            form=form,
            items=services.art33_items(breach),
            notifications=list(breach.authority_notifications.all()),
            can_change=self.has_change_permission(request, breach),
        )

    def notifications_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Telling the people (GDPR Art. 34): prepare and send the notices, record the
        letters posted, or record a public communication instead."""
        breach = self._breach(request, pk, change=request.method == "POST")
        public_form = PublicCommunicationForm(
            request.POST if request.POST.get("action") == "public" else None
        )
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "prepare":
                    prepared = services.notifications_prepare(breach=breach, by=request.user)
                    messages.success(
                        request,
                        _(
                            "%(email)d emails are being sent, %(letter)d letters to post, "
                            "%(unreachable)d people cannot be reached."
                        )
                        % {
                            "email": prepared.email,
                            "letter": prepared.letter,
                            "unreachable": prepared.unreachable,
                        },
                    )
                    return redirect("admin:breaches_breach_notifications", breach.pk)
                if action == "letters":
                    posted = services.letters_posted(breach=breach, by=request.user)
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d letter recorded as posted.",
                            "%(count)d letters recorded as posted.",
                            posted,
                        )
                        % {"count": posted},
                    )
                    return redirect("admin:breaches_breach_notifications", breach.pk)
                if action == "public" and public_form.is_valid():
                    data = public_form.cleaned_data
                    services.public_communication_record(
                        breach=breach,
                        at=data["at"],
                        where=data["where"],
                        reason=data["reason"],
                        by=request.user,
                    )
                    messages.success(request, _("The public communication was recorded."))
                    return redirect("admin:breaches_breach_notifications", breach.pk)
            except services.BreachRefused as refusal:
                if action == "public" and refusal.field:
                    public_form.add_error(refusal.field, str(refusal))
                else:
                    messages.error(request, str(refusal))
        notifications = PersonNotification.objects.filter(affected__breach=breach)
        counts = {
            (row["channel"], row["status"]): row["n"]
            for row in _counted(notifications, "channel", "status")
        }
        unreachable = (
            AffectedPerson.objects.filter(breach=breach)
            .filter(notification__status=NotificationStatus.UNREACHABLE)
            .select_related("customer")
            .order_by("pk")
        )
        page = Paginator(unreachable, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        subject_fi, body_fi = services.person_notice(breach, "fi")
        _subject_en, body_en = services.person_notice(breach, "en")
        return self._render(
            request,
            "notifications.html",
            breach,
            title=_("Telling the people: %(reference)s") % {"reference": breach.reference},
            rows=[
                (
                    label,
                    counts.get((channel, NotificationStatus.PENDING), 0)
                    + counts.get((channel, NotificationStatus.SENDING), 0),
                    counts.get((channel, NotificationStatus.SENT), 0),
                )
                for channel, label in NotificationChannel.choices
                if channel != NotificationChannel.NONE
            ],
            unreachable_count=counts.get(
                (NotificationChannel.NONE, NotificationStatus.UNREACHABLE), 0
            ),
            without_notice=AffectedPerson.objects.filter(
                breach=breach, notification__isnull=True, customer__isnull=False
            ).count(),
            page_obj=page,
            public_form=public_form,
            subject=subject_fi,
            body_fi=body_fi,
            body_en=body_en,
            can_change=self.has_change_permission(request, breach),
        )

    def letters_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The letters still to post, one page per person, for printing."""
        breach = self._breach(request, pk, change=False)
        pending = (
            PersonNotification.objects.filter(
                affected__breach=breach,
                channel=NotificationChannel.LETTER,
                status=NotificationStatus.PENDING,
            )
            .select_related("affected__customer")
            .order_by("pk")
        )
        page = Paginator(pending, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        bodies = {lang: services.person_notice(breach, lang)[1] for lang in ("fi", "en")}
        letters = [
            (n.affected.customer, bodies["en" if n.language == "en" else "fi"])
            for n in page.object_list
        ]
        return self._render(
            request,
            "letters.html",
            breach,
            title=_("Letters to post: %(reference)s") % {"reference": breach.reference},
            letters=letters,
            page_obj=page,
        )

    def close_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _close(self, request, pk)

    def report_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("breaches.view_breach_report"):
            raise PermissionDenied
        report = reports.breach_report()
        return TemplateResponse(
            request,
            "admin/breaches/breach/report.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Breach reports"),
                "report": report,
                "chart": reports.chart_data(report),
            },
        )

    def report_csv(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("breaches.view_breach_report"):
            raise PermissionDenied
        return reports.csv_export()


def _close(model_admin: BreachAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    breach = model_admin._breach(request, pk, change=True)
    try:
        services.breach_close(breach=breach, by=request.user)
    except services.BreachRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The breach was closed."))
    return redirect("admin:breaches_breach_change", breach.pk)


def _counted(queryset, *fields: str):
    from django.db.models import Count

    return queryset.values(*fields).annotate(n=Count("pk")).order_by()


def _breach_panels(breach: Breach) -> dict[str, Any]:
    """What the breach's page shows beside its form: the clock, the timeline, the links."""
    timeline = list(breach.timeline.select_related("by"))
    return {
        "breach": breach,
        "clock_running": breach.clock_is_running(),
        "clock_text": breach.clock_display(),
        "late": breach.hours_left() < 0,
        "timeline": timeline,
        "closing_problems": services.closing_problems(breach),
        "notifications": list(breach.authority_notifications.all()),
    }
