"""The privacy officer's view of the ledger, bans and restrictions; where recipients are kept and
authority requests are recorded as disclosures."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import ReadOnlyAdmin
from consents.forms import DisclosureAdminForm
from consents.models import (
    AnalyticsConsent,
    AudienceExport,
    Ban,
    ConsentEvent,
    ConsentPurpose,
    ConsentWording,
    Disclosure,
    Recipient,
)
from consents.services import RecipientNotAllowed, disclosure_record
from customers.models import Customer

SUBJECTS_SHOWN = 100


class WordingInline(admin.StackedInline):
    """A new text is a new version; a published version never changes."""

    model = ConsentWording
    extra = 0
    fields = ["version", "text", "published_at"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ConsentPurpose)
class ConsentPurposeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "activity", "channel", "requires_consent", "is_active"]
    list_filter = ["activity", "is_active"]
    inlines = [WordingInline]

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        # Events and audiences refer to a purpose by what it is; once created it stays so.
        return ["code", "activity", "channel", "requires_consent"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "customer", "purpose", "action", "wording", "channel", "recorder"]
    list_filter = ["purpose", "action", "channel"]
    list_select_related = ["customer", "purpose", "wording", "recorded_by", "recorded_by_client"]
    search_fields = ["=customer__customer_number"]
    search_help_text = gettext_lazy("Customer number.")
    show_full_result_count = False
    date_hierarchy = "at"


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ["customer", "kind", "started_on", "channel", "recorded_at", "lifted_at"]
    list_filter = ["kind", "channel"]
    list_select_related = ["customer"]
    search_fields = ["=customer__customer_number"]
    search_help_text = gettext_lazy("Customer number.")
    show_full_result_count = False


@admin.register(AnalyticsConsent)
class AnalyticsConsentAdmin(ReadOnlyAdmin):
    list_display = ["visitor_id", "given_at", "banner_version", "withdrawn_at", "visits_deleted"]
    list_filter = ["banner_version"]
    list_select_related = ["given_through", "withdrawn_through", "customer"]
    search_fields = ["=visitor_id"]
    search_help_text = gettext_lazy("Visitor id.")
    show_full_result_count = False
    date_hierarchy = "given_at"

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        # Only a whole visitor id finds anything; other text finds nothing (not an error).
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(visitor_id=uuid.UUID(term)), False
        except ValueError:
            return queryset.none(), False


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "service", "country", "in_eu_eea", "dpa_signed_on", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "business_id"]

    @admin.display(boolean=True, description=gettext_lazy("EU/EEA"))
    def in_eu_eea(self, recipient: Recipient) -> bool:
        return recipient.in_eu_eea

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Recipient, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not obj.in_eu_eea:
            messages.warning(
                request,
                _(
                    "%(name)s processes data outside the EU/EEA: it can't be chosen for any "
                    "disclosure (notice §10)."
                )
                % {"name": obj.name},
            )


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    """The disclosure log. Authority requests are recorded with "Record a disclosure"; audience
    exports log themselves."""

    list_display = ["disclosed_at", "recipient", "basis", "request_reference", "subject_count"]
    list_filter = ["recipient", "basis"]
    list_select_related = ["recipient"]
    search_fields = ["request_reference", "=subjects__customer_number"]
    search_help_text = gettext_lazy("Request reference or customer number.")
    show_full_result_count = False
    date_hierarchy = "disclosed_at"
    fields = [
        "disclosed_at",
        "disclosed_by",
        "recipient",
        "basis",
        "mandate",
        "request_reference",
        "category_list",
        "description",
        "subject_count",
        "people",
        "copy_link",
        "copy_sha256",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("categories of data"))
    def category_list(self, disclosure: Disclosure) -> str:
        return ", ".join(disclosure.get_categories_display())

    @admin.display(description=gettext_lazy("whose data"))
    def people(self, disclosure: Disclosure) -> str:
        people = Customer.objects.filter(disclosures=disclosure).order_by("pk")[:SUBJECTS_SHOWN]
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("customers:detail", args=[c.pk]), c.customer_number) for c in people),
        )
        if disclosure.subject_count > SUBJECTS_SHOWN:
            return format_html("{} … (+{})", links, disclosure.subject_count - SUBJECTS_SHOWN)
        return links

    @admin.display(description=gettext_lazy("copy handed over"))
    def copy_link(self, disclosure: Disclosure) -> str:
        if not disclosure.copy:
            return "–"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("consents:disclosure_copy", args=[disclosure.pk]),
            _("Download"),
        )

    def get_urls(self) -> list:
        return [
            path(
                "kirjaa/",
                self.admin_site.admin_view(self.record_view),
                name="consents_disclosure_record",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = extra_context or {}
        if request.user.has_perm("consents.add_disclosure"):
            extra_context["record_url"] = reverse("admin:consents_disclosure_record")
        return super().changelist_view(request, extra_context)

    def record_view(self, request: HttpRequest) -> HttpResponse:
        """Record an authority request (or another disclosure by hand) with its copy."""
        if not request.user.has_perm("consents.add_disclosure"):
            raise PermissionDenied
        form = DisclosureAdminForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                disclosure = disclosure_record(
                    recipient=data["recipient"],
                    basis=data["basis"],
                    mandate=data["mandate"],
                    request_reference=data["request_reference"],
                    categories=data["categories"],
                    subjects=data["customer_numbers"],
                    description=data["description"],
                    copy=data["copy"],
                    by=request.user,
                )
            except RecipientNotAllowed:
                form.add_error("recipient", _("This recipient can't receive data."))
            else:
                messages.success(request, _("The disclosure was recorded."))
                return redirect("admin:consents_disclosure_change", disclosure.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a disclosure"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/consents/disclosure/record.html", context)


@admin.register(AudienceExport)
class AudienceExportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "purpose", "channel", "recipient", "status", "written"]
    list_filter = ["status", "purpose"]
    list_select_related = ["purpose", "recipient"]
