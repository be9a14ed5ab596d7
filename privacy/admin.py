"""The privacy officer's read-only view of retention (past runs and what goes next), erasures
and restrictions of processing."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts.formatting import local_stamp
from audit.admin import ReadOnlyAdmin
from privacy import retention
from privacy.models import (
    ErasureRecord,
    PendingFileDeletion,
    Restriction,
    RetentionRun,
    policy_choices,
    policy_title,
)


class PolicyFilter(admin.SimpleListFilter):
    """The retention policy (or file queue), by its name for people."""

    title = _("policy")
    parameter_name = "policy"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        names = {policy.name for policy in retention.policies}
        names |= set(model_admin.model.objects.values_list("policy", flat=True).distinct())
        return policy_choices(sorted(names))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(policy=self.value())
        return queryset


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = [
        "policy_name",
        "status",
        "started",
        "finished",
        "rows",
        "people",
        "files",
        "errors",
        "missing_files",
    ]
    list_display_links = ["policy_name"]
    list_filter = [PolicyFilter, "status", "started_at"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    fields = [*list_display[:4], "rows_finished", *list_display[4:], "messages"]
    readonly_fields = fields

    @admin.display(description=_("policy"), ordering="policy")
    def policy_name(self, run: RetentionRun) -> str:
        return run.policy_title

    @admin.display(description=_("started"), ordering="started_at")
    def started(self, run: RetentionRun) -> str:
        return local_stamp(run.started_at)

    @admin.display(description=_("finished"), ordering="finished_at")
    def finished(self, run: RetentionRun) -> str:
        return local_stamp(run.finished_at)

    @admin.display(description=_("rows handled"))
    def rows_finished(self, run: RetentionRun) -> str:
        return local_stamp(run.rows_finished_at)

    def get_urls(self) -> list:
        return [
            path(
                "ennuste/",
                self.admin_site.admin_view(self.preview_view),
                name="privacy_retentionrun_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """What each policy will remove in the next 7 days, day by day."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        previews = [
            retention.preview(policy)
            for policy in sorted(retention.policies, key=lambda policy: policy.display_name)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Retention in the next %(days)d days") % {"days": retention.PREVIEW_DAYS},
            "previews": previews,
            "days": previews[0].days if previews else [],
        }
        return TemplateResponse(request, "admin/privacy/retentionrun/preview.html", context)


@admin.register(PendingFileDeletion)
class PendingFileDeletionAdmin(ReadOnlyAdmin):
    """Files whose rows are gone: normally empty; a file stays here while its storage refuses."""

    list_display = ["storage_name", "policy_name", "queued_at", "attempts", "last_error"]
    list_filter = [PolicyFilter]
    fields = list_display
    readonly_fields = fields

    @admin.display(description=_("policy"), ordering="policy")
    def policy_name(self, pending: PendingFileDeletion) -> str:
        return policy_title(pending.policy)


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    """The proof of each erasure: when, why, by whom, and how many rows of each model."""

    list_display = ["erased_at", "reason", "reference", "erased_by", "erased_by_client"]
    list_filter = ["reason", "erased_at"]
    date_hierarchy = "erased_at"
    fields = [*list_display, "counts"]
    readonly_fields = fields


@admin.register(Restriction)
class RestrictionAdmin(ReadOnlyAdmin):
    """Set and lifted on the customer page, where the privacy officer sees the whole record."""

    list_display = ["customer", "set_at", "set_by", "lifted_at", "lifted_by"]
    list_select_related = ["customer", "set_by", "lifted_by"]
    search_fields = ["=customer__customer_number"]
    search_help_text = _("Customer number.")
