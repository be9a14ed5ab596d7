"""The privacy officer runs every request here: the open list with days left, the request's page
with its timeline, documents and letters, and one page per workflow step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from audit.models import AccessAction, AccessLogEntry, AccessPurpose
from dsar import access, recipients, rectification, rights, services
from dsar import erasure as dsar_erasure
from dsar import forms as dsar_forms
from dsar.holds import holds_past_deadline, open_holds_of
from dsar.models import (
    AccessPackage,
    DataSubjectRequest,
    ErasurePlan,
    PackageStatus,
    RequestDocument,
    RequestLetter,
    RequestType,
    State,
    WorkflowError,
)
from privacy.declarations import registry

SOON_DAYS = 7


class TypeFilter(admin.SimpleListFilter):
    title = _("what is asked")
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return RequestType.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in RequestType.values:
            return queryset.filter(types__contains=[self.value()])
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("open", _("Open")),
            ("week", _("Due this week")),
            ("overdue", _("Overdue")),
            ("holds", _("Recordings held past the deadline")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.value() == "open":
            return queryset.open()
        if self.value() == "week":
            # Monday to Sunday of the current week, and still open.
            sunday = today + timedelta(days=6 - today.weekday())
            return queryset.open().filter(due_on__gte=today, due_on__lte=sunday)
        if self.value() == "overdue":
            return queryset.overdue(today=today)
        if self.value() == "holds":
            return queryset.filter(pk__in=holds_past_deadline().values("pk"))
        return queryset


@dataclass(frozen=True)
class Step:
    """One step of the workflow on the request's page: its form and the service it calls."""

    slug: str
    title: str
    form: type[forms.Form]
    run: Callable[[DataSubjectRequest, dict, Any], object]
    # Whether the step is offered now (the service refuses it anyway when it is not allowed).
    offered: Callable[[DataSubjectRequest], bool]
    done: str = ""


def _open(dsar: DataSubjectRequest) -> bool:
    return dsar.is_open


def _latest_package(dsar: DataSubjectRequest) -> AccessPackage | None:
    return dsar.packages.order_by("-created_at", "-pk").first()


def _package_ready(dsar: DataSubjectRequest) -> bool:
    package = _latest_package(dsar)
    return dsar.is_open and package is not None and package.status == PackageStatus.READY


def _latest_plan(dsar: DataSubjectRequest) -> ErasurePlan | None:
    return dsar.erasure_plans.order_by("-previewed_at", "-pk").first()


def _may_erase(dsar: DataSubjectRequest) -> bool:
    return (
        dsar.is_open
        and dsar.identity_verified
        and dsar.customer_id is not None
        and RequestType.ERASURE in dsar.types
    )


def _may_execute(dsar: DataSubjectRequest) -> bool:
    plan = _latest_plan(dsar) if _may_erase(dsar) else None
    return plan is not None and plan.executed_at is None


def _execute(dsar: DataSubjectRequest, data: dict, by: Any) -> object:
    plan = _latest_plan(dsar)
    if plan is None:
        raise WorkflowError(gettext("Preview the erasure first."))
    return dsar_erasure.execute(dsar=dsar, plan=plan, by=by)


def _withhold(dsar: DataSubjectRequest, data: dict, by: Any) -> object:
    package = _latest_package(dsar)
    if package is None:
        raise WorkflowError(gettext("Build the access package first."))
    label, _sep, pk = data["item"].partition("#")
    declaration = registry.personal.get(label)
    if (
        declaration is None
        or not access.declared_rows(declaration, dsar.customer_id).filter(pk=int(pk)).exists()
    ):
        raise ValidationError({"item": gettext("The package has no such item.")})
    return access.withhold(package=package, item=data["item"], reason=data["reason"], by=by)


def _with_form(service: Callable[..., object]) -> Callable[[DataSubjectRequest, dict, Any], object]:
    """Return a step's action that calls the service with the request, the actor and the
    step form's cleaned data."""

    def run(dsar: DataSubjectRequest, data: dict, by: Any) -> object:
        return service(dsar=dsar, by=by, **data)

    return run


def _asks_for(kind: str) -> Callable[[DataSubjectRequest], bool]:
    """Return whether a step acting on one right is offered: the request is open, its
    requester's identity is verified and it asks for that right."""

    def offered(dsar: DataSubjectRequest) -> bool:
        return dsar.is_open and dsar.identity_verified and kind in dsar.types

    return offered


STEPS = {
    step.slug: step
    for step in [
        Step(
            "henkilollisyys",
            _("Verify identity"),
            dsar_forms.VerifyIdentityForm,
            _with_form(services.verify_identity),
            lambda d: d.is_open and not d.identity_verified,
            _("Identity verified; the request is in progress."),
        ),
        Step(
            "tauko",
            _("Pause the deadline"),
            dsar_forms.PauseForm,
            _with_form(services.pause),
            lambda d: d.is_open and not d.paused,
            _("The deadline is paused."),
        ),
        Step(
            "jatka",
            _("Resume"),
            dsar_forms.ResumeForm,
            _with_form(services.resume),
            lambda d: d.is_open and d.paused,
            _("Resumed; the deadline moved by the paused days."),
        ),
        Step(
            "pidenna",
            _("Extend the deadline"),
            dsar_forms.ExtendForm,
            _with_form(services.extend),
            lambda d: d.state == State.IN_PROGRESS and not d.extension_months,
            _("The deadline was extended; send the extension letter."),
        ),
        Step(
            "paketti",
            _("Build the access package"),
            dsar_forms.ConfirmForm,
            lambda d, data, by: access.start_package(dsar=d, by=by),
            lambda d: (
                d.is_open
                and d.identity_verified
                and d.customer_id is not None
                and bool(access.PACKAGE_TYPES & set(d.types))
            ),
            _("The access package is being built."),
        ),
        Step(
            "pidata",
            _("Withhold an item"),
            dsar_forms.WithholdForm,
            _withhold,
            _package_ready,
            _("The item is withheld; the package is built again."),
        ),
        Step(
            "julkaise",
            _("Release the access package"),
            dsar_forms.ConfirmForm,
            lambda d, data, by: access.release(package=_latest_package(d), by=by),
            _package_ready,
            _("The access package is released."),
        ),
        Step(
            "poistoennuste",
            _("Preview the erasure"),
            dsar_forms.ConfirmForm,
            lambda d, data, by: dsar_erasure.preview(dsar=d, by=by),
            _may_erase,
            _("The erasure preview is below. Read it before erasing."),
        ),
        Step(
            "poista",
            _("Erase the person's data"),
            dsar_forms.EraseForm,
            _execute,
            _may_execute,
            _("The person's data was erased as the preview said."),
        ),
        Step(
            "rajoita",
            _("Restrict processing"),
            dsar_forms.RestrictForm,
            _with_form(rights.restrict),
            _asks_for(RequestType.RESTRICTION),
            _("Processing is restricted."),
        ),
        Step(
            "pura-rajoitus",
            _("Lift the restriction"),
            dsar_forms.RestrictForm,
            _with_form(rights.lift_restriction),
            _asks_for(RequestType.RESTRICTION),
            _("The restriction is lifted."),
        ),
        Step(
            "vastustus",
            _("Record the objection"),
            dsar_forms.ObjectForm,
            _with_form(rights.object_to),
            _asks_for(RequestType.OBJECTION),
            _("The objection is recorded and in force."),
        ),
        Step(
            "ilmoita",
            _("Record a recipient's notification"),
            dsar_forms.NotifyForm,
            _with_form(recipients.record),
            lambda d: d.is_open and recipients.applies(d) and bool(recipients.pending(d)),
            _("The recipient's notification is recorded."),
        ),
        Step(
            "ratkaise",
            _("Mark a part done or refused"),
            dsar_forms.SettleForm,
            _with_form(services.settle),
            lambda d: d.is_open and d.identity_verified and bool(services.unsettled(d)),
            _("The outcome is recorded."),
        ),
        Step(
            "valmis",
            _("Complete"),
            dsar_forms.CompleteForm,
            _with_form(services.complete),
            lambda d: d.state in (State.IN_PROGRESS, State.EXTENDED),
            _("The request is completed; send the completion letter."),
        ),
        Step(
            "hylkaa",
            _("Reject"),
            dsar_forms.RejectForm,
            _with_form(services.reject),
            _open,
            _("The request is rejected; send the rejection letter."),
        ),
        Step(
            "peruttu",
            _("Withdrawn by the requester"),
            dsar_forms.WithdrawForm,
            _with_form(services.withdraw),
            _open,
            _("The request is marked withdrawn."),
        ),
        Step(
            "kirje",
            _("Create a letter"),
            dsar_forms.LetterForm,
            _with_form(services.create_letter),
            _open,
            _("The letter was created."),
        ),
        Step(
            "lahetetty",
            _("Mark a letter sent"),
            dsar_forms.LetterSentForm,
            lambda d, data, by: services.mark_letter_sent(by=by, **data),
            lambda d: any(letter.sent_on is None for letter in d.letters.all()),
            _("The letter is marked sent."),
        ),
        Step(
            "asiakirja",
            _("Add a document"),
            dsar_forms.DocumentForm,
            lambda d, data, by: services.add_document(
                dsar=d, upload=data["file"], description=data["description"], by=by
            ),
            lambda d: True,
            _("The document was added."),
        ),
        Step(
            "merkinta",
            _("Add a note"),
            dsar_forms.NoteForm,
            _with_form(services.add_note),
            lambda d: True,
            _("The note was added."),
        ),
    ]
}


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(admin.ModelAdmin):
    form = dsar_forms.RequestAdminForm
    list_display = [
        "reference",
        "types_display",
        "state",
        "received_on",
        "due_display",
        "handler",
        "channel",
    ]
    list_filter = [DueFilter, TypeFilter, "state", "handler", "channel"]
    search_fields = ["=reference", "requester_name", "requester_email"]
    search_help_text = _("Reference, the requester's name or email.")
    list_select_related = ["handler"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "received_on"
    list_per_page = 50
    readonly_fields = [
        "reference",
        "state",
        "due_display",
        "registered_at",
        "identity_display",
        "extension_display",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "state", "due_display", "types", "channel", "language"]}),
        (
            _("Requester as written"),
            {
                "fields": [
                    "requester_name",
                    "requester_address",
                    "requester_email",
                    "requester_phone",
                    "request_text",
                ]
            },
        ),
        (
            _("Customer and handling"),
            {
                "fields": [
                    "customer",
                    "not_in_register",
                    "received_on",
                    "registered_at",
                    "handler",
                    "identity_display",
                    "extension_display",
                ]
            },
        ),
    ]

    class Media:
        css = {"all": ["css/dsar-admin.css"]}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new request: what it asks, and its scan; the rest comes with the workflow.
            shown = [
                (
                    name,
                    {
                        **options,
                        "fields": [f for f in options["fields"] if f not in self.readonly_fields],
                    },
                )
                for name, options in fieldsets
            ]
            return [*shown, (_("Scanned request"), {"fields": ["scan"]})]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None:
            return []
        fields = list(self.readonly_fields)
        if not obj.is_open:
            fields += ["types", "channel", "language", "received_on", "customer", "not_in_register"]
        return fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return [f for _name, options in self.get_fieldsets(request, obj) for f in options["fields"]]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A request is never deleted by hand: its retention policy removes it.
        return False

    @admin.display(description=_("what is asked"))
    def types_display(self, obj: DataSubjectRequest) -> str:
        return obj.type_labels()

    @admin.display(description=_("due"), ordering="due_on")
    def due_display(self, obj: DataSubjectRequest) -> str:
        due = f"{obj.due_on:%d.%m.%Y}"
        if not obj.is_open:
            return due
        if obj.paused:
            return format_html(
                '<span class="dsar-due dsar-due-paused">{} · {}</span>', due, gettext("paused")
            )
        left = obj.days_left()
        if left < 0:
            css, words = (
                "dsar-due-over",
                ngettext("%(n)d day overdue", "%(n)d days overdue", -left) % {"n": -left},
            )
        elif left <= SOON_DAYS:
            css, words = (
                "dsar-due-soon",
                ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left},
            )
        else:
            css, words = (
                "dsar-due-ok",
                ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left},
            )
        return format_html('<span class="dsar-due {}">{} · {}</span>', css, due, words)

    @admin.display(description=_("identity"))
    def identity_display(self, obj: DataSubjectRequest) -> str:
        if not obj.identity_verified:
            return gettext("Not verified yet")
        return format_html(
            "{} {} ({}, {})",
            obj.get_identity_method_display(),
            obj.identity_note,
            obj.identity_verified_by,
            f"{timezone.localtime(obj.identity_verified_at):%d.%m.%Y %H.%M}",
        )

    @admin.display(description=_("extension"))
    def extension_display(self, obj: DataSubjectRequest) -> str:
        if not obj.extension_months:
            return "–"
        return f"{obj.extension_months} kk: {obj.extension_reason}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            services.update_details(dsar=obj, changed=list(form.changed_data), by=request.user)
            return
        data = form.cleaned_data
        registered = services.register_request(
            types=data["types"],
            channel=data["channel"],
            language=data["language"],
            requester_name=data["requester_name"],
            requester_address=data["requester_address"],
            requester_email=data["requester_email"],
            requester_phone=data["requester_phone"],
            request_text=data["request_text"],
            customer=data["customer"],
            not_in_register=data["not_in_register"],
            received_on=data["received_on"],
            handler=data["handler"] or request.user,
            documents=[data["scan"]] if data.get("scan") else [],
            by=request.user,
        )
        for warning in registered.warnings:
            messages.warning(request, warning)
        # The admin redirects to the object it saved: make `obj` the registered request.
        obj.__dict__.update({k: v for k, v in registered.request.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The request has no inline formsets; `types` is saved with the request itself."""

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        dsar = self.get_object(request, object_id)
        if dsar is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if dsar.customer_id and request.method == "GET":
            AccessLogEntry.record(
                actor=request.user,
                action=AccessAction.VIEW,
                purpose=AccessPurpose.DATA_SUBJECT_REQUEST,
                subject=dsar.customer,
                obj=dsar,
            )
        can_change = self.has_change_permission(request, dsar)
        extra_context = {
            **(extra_context or {}),
            "timeline": dsar.timeline.select_related("user", "api_client")[:200],
            "documents": list(dsar.documents.select_related("uploaded_by")),
            "letters": list(dsar.letters.select_related("created_by", "sent_by")),
            "pauses": list(dsar.pauses.all()),
            "holds": list(open_holds_of(dsar).select_related("recording")),
            "packages": list(dsar.packages.prefetch_related("withheld")),
            "erasure_plan": _latest_plan(dsar),
            "recipients": _recipient_rows(dsar),
            "outcomes": list(dsar.outcomes.all()),
            "unsettled": [RequestType(t).label for t in services.unsettled(dsar)],
            "steps": [s for s in STEPS.values() if can_change and s.offered(dsar)],
            "may_rectify": can_change
            and dsar.is_open
            and dsar.identity_verified
            and dsar.customer_id is not None
            and RequestType.RECTIFICATION in dsar.types,
            "phone_is_no_request": True,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None):
        extra_context = {**(extra_context or {}), "phone_is_no_request": True}
        return super().add_view(request, form_url, extra_context)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/oikaise/",
                wrap(self.rectify_view),
                name="dsar_datasubjectrequest_rectify",
            ),
            path(
                "<int:pk>/vaihe/<slug:step>/",
                wrap(self.step_view),
                name="dsar_datasubjectrequest_step",
            ),
            path(
                "<int:pk>/asiakirja/<int:document_pk>/",
                wrap(self.document_download),
                name="dsar_datasubjectrequest_document",
            ),
            path(
                "<int:pk>/paketti/<int:package_pk>/",
                wrap(self.package_download),
                name="dsar_datasubjectrequest_package",
            ),
            path(
                "<int:pk>/kirje/<int:letter_pk>/",
                wrap(self.letter_download),
                name="dsar_datasubjectrequest_letter",
            ),
            *super().get_urls(),
        ]

    def rectify_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The customer's edit form, opened from the request; the save is linked to it."""
        from customers.forms import CustomerForm
        from customers.models import Customer
        from customers.services import ConcurrentEditError

        dsar = get_object_or_404(DataSubjectRequest, pk=pk)
        if not self.has_change_permission(request, dsar) or not request.user.has_perm(
            "customers.change_customer"
        ):
            raise PermissionDenied
        if dsar.customer_id is None:
            raise Http404
        customer = Customer.objects.get(pk=dsar.customer_id)
        form = CustomerForm(request.POST or None, instance=customer)
        if request.method == "POST" and form.is_valid():
            try:
                labels = rectification.rectify(
                    dsar=dsar,
                    data=form.model_data(),
                    groups=form.cleaned_data["groups"],
                    expected_version=form.cleaned_data["version"] or customer.version,
                    by=request.user,
                )
            except (ValidationError, ConcurrentEditError) as error:
                form.add_error(None, getattr(error, "messages", None) or str(error))
            else:
                if labels:
                    messages.success(
                        request, gettext("Rectified: %(fields)s.") % {"fields": ", ".join(labels)}
                    )
                else:
                    messages.info(request, gettext("Nothing changed."))
                return redirect("admin:dsar_datasubjectrequest_change", dsar.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": dsar,
            "title": f"{dsar.reference}: {gettext('Rectify the details')}",
            "step": {"title": gettext("Rectify the details")},
            "form": form,
        }
        return TemplateResponse(request, "admin/dsar/step.html", context)

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """One step of the workflow: its form, then the service; a refusal is shown on the form."""
        chosen = STEPS.get(step)
        if chosen is None:
            raise Http404
        dsar = get_object_or_404(DataSubjectRequest, pk=pk)
        if not self.has_change_permission(request, dsar):
            raise PermissionDenied
        kwargs: dict[str, Any] = {}
        if chosen.form in (dsar_forms.LetterSentForm, dsar_forms.NotifyForm, dsar_forms.SettleForm):
            kwargs["dsar"] = dsar
        form = chosen.form(request.POST or None, request.FILES or None, **kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                chosen.run(dsar, form.cleaned_data, request.user)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error.messages)
            else:
                messages.success(request, chosen.done)
                return redirect("admin:dsar_datasubjectrequest_change", dsar.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": dsar,
            "title": f"{dsar.reference}: {chosen.title}",
            "step": chosen,
            "form": form,
        }
        return TemplateResponse(request, "admin/dsar/step.html", context)

    def _download(self, request: HttpRequest, dsar: DataSubjectRequest, obj: Any) -> FileResponse:
        if not request.user.has_perm("dsar.download_requestfile"):
            raise PermissionDenied
        AccessLogEntry.record(
            actor=request.user,
            action=AccessAction.DOWNLOAD,
            purpose=AccessPurpose.DATA_SUBJECT_REQUEST,
            subject=dsar.customer or dsar,
            obj=obj,
        )
        return FileResponse(obj.file.open("rb"), as_attachment=True, filename=_file_name(obj))

    def document_download(self, request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
        document = get_object_or_404(
            RequestDocument.objects.select_related("request__customer"), pk=document_pk, request=pk
        )
        response = self._download(request, document.request, document)
        response["Content-Type"] = document.content_type
        return response

    def letter_download(self, request: HttpRequest, pk: int, letter_pk: int) -> HttpResponse:
        letter = get_object_or_404(
            RequestLetter.objects.select_related("request__customer"), pk=letter_pk, request=pk
        )
        response = self._download(request, letter.request, letter)
        response["Content-Type"] = "application/pdf"
        return response

    def package_download(self, request: HttpRequest, pk: int, package_pk: int) -> HttpResponse:
        package = get_object_or_404(
            AccessPackage.objects.select_related("request__customer"),
            pk=package_pk,
            request=pk,
            status__in=[PackageStatus.READY, PackageStatus.RELEASED],
        )
        response = self._download(request, package.request, package)
        response["Content-Type"] = "application/zip"
        return response

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if "_continue" not in request.POST:
            return redirect(reverse("admin:dsar_datasubjectrequest_change", args=[obj.pk]))
        return super().response_change(request, obj)


def _recipient_rows(dsar: DataSubjectRequest) -> list[tuple[Any, Any]] | None:
    """The recipients to tell (Art. 19) with what was recorded for each, or None."""
    if not recipients.applies(dsar):
        return None
    recorded = {n.recipient_id: n for n in dsar.notifications.all()}
    return [(r, recorded.get(r.pk)) for r in recipients.recipients_of(dsar)]


def _file_name(obj: Any) -> str:
    if isinstance(obj, RequestLetter):
        return f"{obj.request.reference}-{obj.kind}.pdf"
    if isinstance(obj, AccessPackage):
        return f"{obj.request.reference}-tiedot.zip"
    return f"{obj.request.reference}-{obj.pk}-{obj.original_name}"


__all__ = ["DataSubjectRequestAdmin", "STEPS", "WorkflowError"]
