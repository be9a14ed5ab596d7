"""Staff screens for people and companies. Views check access, validate, call one operation."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Q
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AccessAction, AccessLogEntry, AccessPurpose, log_view
from customers import forms
from customers.history import recent_changes
from customers.lookups import escape_like
from customers.models import (
    Company,
    ContactRole,
    Customer,
    Insurance,
    OccupationalHealthContract,
    OccupationalHealthCoverage,
    ServiceUse,
)
from customers.paging import paged
from customers.search import Kind, search_customers
from customers.sections import GROUPS, ROWS_ON_SECTION_PAGE, SECTIONS, cards
from customers.services import (
    ConcurrentEditError,
    contact_role_confirm,
    contact_role_end,
    customer_create,
    customer_update,
    related_save,
)
from customers.validators import normalise_business_id
from privacy.restriction import (
    ProcessingRestricted,
    may_edit,
    may_edit_customer,
    restriction_of,
)

COMPANY_ROWS = 25


def _form_errors(request: HttpRequest) -> None:
    messages.error(request, _("Not saved: correct the marked fields."))


# --- People -------------------------------------------------------------------------------------


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest) -> HttpResponse:
    """Search and list people; an exact customer number opens the person's page at once."""
    result = search_customers(
        request.GET.get("q", ""),
        sort=request.GET.get("sort", ""),
        page_number=request.GET.get("page", 1),
    )
    if result.single is not None:
        return redirect("customers:detail", pk=result.single.pk)
    # Who appeared in the results, and what kind of search it was; never what was typed.
    AccessLogEntry.record_many(
        actor=request.user,
        action=AccessAction.SEARCH,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subjects=((person, None) for person in result.page.object_list),
        detail=str(result.kind),
    )
    sorts = [("relevance", _("Relevance"))] if result.kind in (Kind.TEXT, Kind.TYPO) else []
    sorts += [
        ("name", _("Name")),
        ("number", _("Customer number")),
        ("city", _("City")),
        ("-created", _("Newest first")),
    ]
    return render(
        request,
        "customers/customer_list.html",
        {
            "result": result,
            "page_obj": result.page,
            "sorts": sorts,
            "query_string": urlencode({"q": result.query, "sort": result.sort}),
        },
    )


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole record of one person. Every view is written to the access log.

    The sections come from the apps that own them (customers.sections). Each list shows its
    newest rows and the total in one query, so the page costs the same number of queries
    however much the person has gathered; the rest is on the section pages.
    """
    customer = get_object_or_404(Customer, pk=pk)
    log_view(request.user, customer)
    restriction = restriction_of(customer)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "changes": recent_changes(customer),
            "groups": GROUPS.preview(customer),
            "cards": cards(request, customer),
            "restriction": restriction,
            # While processing is restricted only the privacy officer may change the record.
            "can_edit": request.user.has_perm("customers.change_customer")
            and may_edit(request.user, restriction),
            "can_read_audit": request.user.has_perm("audit.view_accesslogentry"),
        },
    )


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_section(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Every row of one list on a person's page, paged, newest first. Written to the access
    log like the person's page."""
    record_section = SECTIONS[section]
    if not request.user.has_perm(record_section.permission):
        raise PermissionDenied
    customer = get_object_or_404(Customer, pk=pk)
    log_view(request.user, customer)
    page = Paginator(record_section.rows(customer), ROWS_ON_SECTION_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "customers/customer_section.html",
        {
            "customer": customer,
            "section": record_section,
            "page_obj": page,
            record_section.context_name: page.object_list,
            "can_edit": request.user.has_perm("customers.change_customer")
            and may_edit_customer(request.user, customer),
        },
    )


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create_view(request: HttpRequest) -> HttpResponse:
    form = forms.CustomerForm(request.POST or None)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        data = form.model_data()
        duplicates = list(
            Customer.objects.possible_duplicates(
                email=data["email"],
                phone=str(data["phone"]) if data["phone"] else "",
                first_name=data["first_name"],
                last_name=data["last_name"],
                street_address=data["street_address"],
                postal_code=data["postal_code"],
            )[:10]
        )
        if not duplicates or form.cleaned_data.get("confirm_duplicate"):
            customer = customer_create(
                data=data, groups=form.cleaned_data["groups"], by=request.user
            )
            messages.success(request, _("Saved."))
            return redirect("customers:detail", pk=customer.pk)
        messages.warning(
            request,
            _("The register may already have this person. Check the matches below."),
        )
    elif request.method == "POST":
        _form_errors(request)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "duplicates": duplicates, "creating": True},
    )


def _restricted(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Turn ProcessingRestricted into a message and back to the person's page."""
    messages.error(
        request,
        _(
            "Processing of this person's data is restricted: only the privacy officer can change "
            "the record."
        ),
    )
    return redirect("customers:detail", pk=customer.pk)


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    if not may_edit_customer(request.user, customer):
        return _restricted(request, customer)
    form = forms.CustomerForm(request.POST or None, instance=Customer.objects.get(pk=pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data["version"] or customer.version
        try:
            changed = customer_update(
                customer=customer,
                data=form.model_data(),
                groups=form.cleaned_data["groups"],
                expected_version=expected,
                by=request.user,
            )
        except ProcessingRestricted:
            return _restricted(request, customer)
        except ValidationError as error:
            form.add_error(None, error)
            _form_errors(request)
        except ConcurrentEditError as error:
            conflict = error.changes
            messages.error(
                request,
                _(
                    "Someone else saved this person's details while you were editing. "
                    "Nothing was saved. Your entries are still in the form: check what "
                    "changed meanwhile below, then save again."
                ),
            )
            form = _merged_form(request, form, conflict, pk)
        else:
            if changed:
                messages.success(request, _("Saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("customers:detail", pk=customer.pk)
    elif request.method == "POST":
        _form_errors(request)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "conflict": conflict, "creating": False},
    )


def _merged_form(
    request: HttpRequest, form: forms.CustomerForm, conflict: list, pk: int
) -> forms.CustomerForm:
    """The form to show after a refused save: what the other person changed fills the fields
    this user left as they were; what this user changed stays. Saving it loses neither."""
    current = Customer.objects.get(pk=pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    for change in conflict:
        untouched = str(form.cleaned_data.get(change.field) or "") == str(change.before or "")
        if untouched and change.field in form.fields:
            data[change.field] = "" if change.after is None else str(change.after)
    merged = forms.CustomerForm(data, instance=current)
    merged.is_valid()
    return merged


# --- A person's related records -----------------------------------------------------------------


@dataclass(frozen=True)
class RelatedKind:
    model: type[models.Model]
    form: type[ModelForm]
    title: str


RELATED = {
    "tehtavat": RelatedKind(ContactRole, forms.ContactRoleForm, gettext_lazy("Role in a company")),
    "palvelut": RelatedKind(ServiceUse, forms.ServiceUseForm, gettext_lazy("Service and payment")),
    "vakuutukset": RelatedKind(Insurance, forms.InsuranceForm, gettext_lazy("Insurance")),
    "tyoterveys": RelatedKind(
        OccupationalHealthCoverage, forms.CoverageForm, gettext_lazy("Occupational health coverage")
    ),
}


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def related_edit(
    request: HttpRequest, pk: int, kind: str, item_pk: int | None = None
) -> HttpResponse:
    """Add or edit one of a person's roles, services, insurances or coverages."""
    if kind not in RELATED:
        raise Http404
    related = RELATED[kind]
    customer = get_object_or_404(Customer, pk=pk)
    if not may_edit_customer(request.user, customer):
        return _restricted(request, customer)
    instance = (
        get_object_or_404(related.model, pk=item_pk, customer=customer)
        if item_pk is not None
        else related.model(customer=customer)
    )
    form = related.form(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            try:
                related_save(record=form.save(commit=False), by=request.user)
            except ProcessingRestricted:
                return _restricted(request, customer)
            messages.success(request, _("Saved."))
            return redirect("customers:detail", pk=customer.pk)
        _form_errors(request)
    return render(
        request,
        "customers/related_form.html",
        {
            "form": form,
            "customer": customer,
            "title": related.title,
            "editing": item_pk is not None,
        },
    )


# --- Companies ----------------------------------------------------------------------------------


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    companies = Company.objects.annotate(role_count=Count("roles")).order_by("name", "pk")
    if query:
        companies = companies.filter(
            Q(name__ilike=f"%{escape_like(query)}%") | Q(business_id=normalise_business_id(query))
        )
    page = Paginator(companies, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/company_list.html",
        {"page_obj": page, "query": query, "query_string": urlencode({"q": query})},
    )


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One company with its contact persons and contracts, each list paged: a large employer
    has thousands of contact persons."""
    company = get_object_or_404(Company, pk=pk)
    roles = paged(
        request,
        ContactRole.objects.filter(company=company)
        .select_related("customer")
        .order_by("-started_on", "pk"),
        per_page=COMPANY_ROWS,
    )
    AccessLogEntry.record_many(
        actor=request.user,
        action=AccessAction.LIST,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subjects=((role.customer, role) for role in roles.rows),
        detail="company-contacts",
    )
    contracts = OccupationalHealthContract.objects.filter(company=company)
    return render(
        request,
        "customers/company_detail.html",
        {
            "company": company,
            "roles": roles,
            "contracts": paged(
                request,
                contracts.order_by("-starts_on", "pk"),
                per_page=COMPANY_ROWS,
                param="sopimukset",
            ),
        },
    )


@login_required
def company_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not request.user.has_perm("customers.change_company" if pk else "customers.add_company"):
        raise PermissionDenied
    company = get_object_or_404(Company, pk=pk) if pk else Company()
    form = forms.CompanyForm(request.POST or None, instance=company)
    if request.method == "POST":
        if form.is_valid():
            company = form.save()
            messages.success(request, _("Saved."))
            return redirect("customers:company_detail", pk=company.pk)
        _form_errors(request)
    return render(request, "customers/company_form.html", {"form": form, "company": company})


# --- The contact-role review ---------------------------------------------------------------------

ROLE_REVIEW_ROWS = 25


@login_required
@permission_required("customers.change_contactrole", raise_exception=True)
def contact_role_review(request: HttpRequest) -> HttpResponse:
    """The roles quiet for 24 months: customer service confirms each or ends it, before the
    job ends it 3 months after it appeared here."""
    roles = (
        ContactRole.objects.on_review_list()
        .select_related("customer", "company")
        .with_last_activity()
        .order_by("review_listed_on", "pk")
    )
    page = Paginator(roles, ROLE_REVIEW_ROWS).get_page(request.GET.get("page"))
    AccessLogEntry.record_many(
        actor=request.user,
        action=AccessAction.LIST,
        purpose=AccessPurpose.CUSTOMER_SERVICE,
        subjects=((role.customer, role) for role in page.object_list),
        detail="contact-role-review",
    )
    return render(
        request,
        "customers/contact_role_review.html",
        {"page_obj": page, "query_string": ""},
    )


@login_required
@permission_required("customers.change_contactrole", raise_exception=True)
def contact_role_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Confirm a role on the review list, or end it (POST only)."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    if decision not in ("vahvista", "paata"):
        raise Http404
    role = get_object_or_404(ContactRole.objects.select_related("customer"), pk=pk)
    if role.ended_on is not None:
        messages.error(request, _("The role has already ended."))
        return redirect(_review_page(request))
    try:
        if decision == "vahvista":
            contact_role_confirm(role=role, by=request.user)
            messages.success(request, _("Role confirmed: %(role)s.") % {"role": role})
        else:
            contact_role_end(role=role, by=request.user)
            messages.success(request, _("Role ended: %(role)s.") % {"role": role})
    except ProcessingRestricted:
        messages.error(
            request, _("The person's processing is restricted: the role cannot be changed.")
        )
    return redirect(_review_page(request))


def _review_page(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    url = reverse("customers:role_review")
    return f"{url}?page={int(page)}" if page.isdigit() else url
