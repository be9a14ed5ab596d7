from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ApiClient, Enrolment


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Tokens are created with `manage.py create_api_client` (shown once); revoked here."""

    list_display = ["name", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    readonly_fields = [
        "name",
        "scopes",
        "token_prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiClient | None = None) -> bool:
        return False  # a revoked client stays, so its past actions remain attributable

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        clients = list(queryset.filter(revoked_at__isnull=True))
        for client in clients:
            client.revoke()
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(clients))
            % {"count": len(clients)},
            messages.SUCCESS,
        )


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    """The privacy officer (or an administrator) issues an account's enrolment link here; the
    link is shown once, in the message after saving."""

    list_display = ["user", "created_at", "created_by", "expires_at", "used_at"]
    list_select_related = ["user", "created_by"]
    fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "user":
            users = get_user_model().objects.filter(is_active=True).order_by("username")
            if not request.user.is_superuser:
                # Only an administrator lets someone enrol into an administrator's account.
                users = users.filter(is_superuser=False)
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Enrolment, form, change: bool) -> None:
        enrolment, token = Enrolment.issue(user=obj.user, by=request.user)
        for field in Enrolment._meta.concrete_fields:
            setattr(obj, field.attname, getattr(enrolment, field.attname))
        obj._state.adding = False
        link = request.build_absolute_uri(reverse("enrol", args=[token]))
        self.message_user(
            request,
            _(
                "Give this enrolment link to %(user)s in person or by another safe route; it is "
                "shown only now and works until %(expires)s: %(link)s"
            )
            % {
                "user": obj.user,
                "expires": formats.date_format(
                    timezone.localtime(enrolment.expires_at), "SHORT_DATETIME_FORMAT"
                ),
                "link": link,
            },
            messages.WARNING,
        )
