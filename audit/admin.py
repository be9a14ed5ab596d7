"""The privacy officer's read-only views of the access log and the change history."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from pghistory.admin.core import EventsAdmin

from audit.models import AccessLogEntry


class ReadOnlyMixin:
    """Nobody, whatever their role, adds, changes or deletes these rows through the admin: they
    are written by services only (audit rows, ledgers, records of runs). For model admins and
    inlines alike."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False


class SubjectFilter(admin.SimpleListFilter):
    """Filter by person: reached from a person's page, or by typing a customer number in search."""

    title = _("person")
    parameter_name = "subject"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        value = request.GET.get(self.parameter_name)
        return [(value, value)] if value else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            # By label: audit sits below the register and does not import it.
            return queryset.filter(subject_id=int(self.value())).filter(
                subject_type__app_label="customers", subject_type__model="customer"
            )
        return queryset


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "user",
        "api_client",
        "action",
        "purpose",
        "subject_type",
        "subject_id",
        "object_type",
        "object_id",
    ]
    list_filter = [SubjectFilter, "action", "purpose", "user", "api_client", "at"]
    list_select_related = ["user", "api_client", "subject_type", "object_type"]
    search_fields = ["=subject_id"]
    search_help_text = _("A person's id (the number in the address of their page).")
    date_hierarchy = "at"
    show_full_result_count = False


class UserFilter(admin.SimpleListFilter):
    """Filter history by the staff user the change is attributed to."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return [(str(user.pk), user.get_username()) for user in users]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            return queryset.filter(pgh_context__user=int(self.value()))
        return queryset


class HistoryAdmin(EventsAdmin):
    """pghistory's events admin with a filter by user. Filter by person with
    `?obj=customers.Customer:<id>&method=references` (linked from the person's page)."""

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return [
            "pgh_created_at",
            "pgh_label",
            "pgh_obj_model",
            "pgh_obj_id",
            "pgh_diff",
            "pgh_context",
        ]

    def get_list_filter(self, request: HttpRequest) -> list[type[admin.ListFilter]]:
        return [UserFilter, *super().get_list_filter(request)]
