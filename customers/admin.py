from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.history import attributed_to
from audit.models import AccessPurpose, log_view
from customers.address_updates import (
    FileError,
    apply,
    discard_pending,
    keep_pending,
    pending_name,
    plan,
    read_pending,
    read_rows,
)
from customers.forms import AddressUpdateUploadForm
from customers.models import (
    Company,
    ContactRole,
    Customer,
    CustomerGroup,
    OccupationalHealthContract,
)
from customers.search import customer_queryset
from customers.services import customer_create, customer_update
from privacy.restriction import ProcessingRestricted, check_may_change

# Row outcomes on one page of the preview: a file of 20 MB has a few hundred thousand rows.
OUTCOMES_PER_PAGE = 200


class ContactRoleInline(admin.TabularInline):
    model = ContactRole
    extra = 0
    autocomplete_fields = ["company"]

    class Media:
        js = ["js/admin-select2-names.js"]  # names the autocomplete fields for screen readers


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["customer_number", "last_name", "first_name", "city", "life_status"]
    list_filter = ["life_status", "preferred_language", "groups"]
    search_fields = ["customer_number"]  # replaced by the staff search, see below
    search_help_text = gettext_lazy(
        "Name, phone in any notation, email, customer number, company or business ID."
    )
    readonly_fields = ["customer_number", "field_sources", "version", "created_at", "updated_at"]
    inlines = [ContactRoleInline]
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        """Use the indexed staff search instead of an OR of icontains over a million rows."""
        if not search_term.strip():
            return queryset, False
        _kind, found = customer_queryset(search_term)
        return queryset.filter(pk__in=found.values("pk")), False

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        """Save through the register's services, so that the admin records where each value
        came from, bumps the version and refuses a restricted person like every other path."""
        data = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in form.cleaned_data and name != "groups"
        }
        groups = form.cleaned_data.get("groups") if "groups" in form.changed_data else None
        if not change:
            created = customer_create(data=data, groups=groups or (), by=request.user)
            obj.pk, obj.customer_number = created.pk, created.customer_number
            obj.refresh_from_db()
            return
        # `obj` already holds the posted values; compare with the stored record.
        stored = Customer.objects.get(pk=obj.pk)
        customer_update(
            customer=stored,
            data=data,
            groups=groups,
            expected_version=stored.version,
            by=request.user,
        )
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The groups went with save_model; the roles inline is a write to the person too.
        if change:
            check_may_change(customer=form.instance, by=request.user)
        with attributed_to(request.user):
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ProcessingRestricted:
            messages.error(
                request,
                _(
                    "Processing of this person's data is restricted: only the privacy officer "
                    "can change the record."
                ),
            )
            return redirect("admin:customers_customer_change", object_id)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        customer = self.get_object(request, object_id)
        if customer is not None and self.has_view_or_change_permission(request, customer):
            log_view(request.user, customer, purpose=AccessPurpose.SUPERVISION)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        return [
            path(
                "osoitepaivitykset/",
                self.admin_site.admin_view(self.address_updates_view),
                name="customers_address_updates",
            ),
            *super().get_urls(),
        ]

    def address_updates_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a file, preview every row's outcome (a page at a time), then apply.

        The file waits in the private storage between the two steps, referred to by a signed
        id; the preview and apply read the same file with the same rules.
        """
        if not request.user.has_perm("customers.import_address_updates"):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": _("Import address updates")}
        signed_id = request.POST.get("upload") or request.GET.get("upload")
        if signed_id:
            name = pending_name(signed_id)
            if name is None:
                messages.error(request, _("The preview has expired. Upload the file again."))
                return redirect("admin:customers_address_updates")
            report = plan(read_rows(read_pending(name)))
            if request.method == "POST":
                apply(report, by=request.user)
                discard_pending(name)
                messages.success(
                    request,
                    _("Address updates applied: %(changed)d changed, %(rejected)d rejected.")
                    % {"changed": len(report.changing), "rejected": len(report.errors)},
                )
            return TemplateResponse(
                request,
                "admin/customers/address_updates.html",
                {
                    **context,
                    "report": report,
                    "preview": request.method != "POST",
                    "upload": signed_id,
                    "page_obj": Paginator(report.outcomes, OUTCOMES_PER_PAGE).get_page(
                        request.GET.get("page")
                    ),
                },
            )
        form = AddressUpdateUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read()
            try:
                read_rows(content)
            except FileError as error:
                form.add_error("file", str(error))
            else:
                return redirect(
                    f"{reverse('admin:customers_address_updates')}?"
                    f"{urlencode({'upload': keep_pending(content)})}"
                )
        return TemplateResponse(
            request, "admin/customers/address_updates.html", {**context, "form": form}
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = extra_context or {}
        if request.user.has_perm("customers.import_address_updates"):
            extra_context["address_updates_url"] = reverse("admin:customers_address_updates")
        return super().changelist_view(request, extra_context)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "status", "is_key_account"]
    list_filter = ["status", "is_key_account"]
    search_fields = ["name", "=business_id"]


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(OccupationalHealthContract)
class OccupationalHealthContractAdmin(admin.ModelAdmin):
    list_display = ["contract_number", "company", "level", "starts_on", "ends_on"]
    list_filter = ["level"]
    search_fields = ["contract_number", "company__name"]
    autocomplete_fields = ["company"]

    class Media:
        js = ["js/admin-select2-names.js"]  # names the autocomplete fields for screen readers
