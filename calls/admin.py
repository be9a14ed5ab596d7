"""The privacy officer's view of recordings, and where holds are placed and released."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.templatetags.register_tags import phone
from audit.admin import ReadOnlyAdmin, ReadOnlyMixin
from calls.models import CallRecording, RecordingHold
from calls.services import hold_place, hold_release, request_problem


class HoldInline(ReadOnlyMixin, admin.TabularInline):
    model = RecordingHold
    extra = 0
    can_delete = False
    fields = ["request_reference", "reason", "placed_at", "placed_by", "released_at", "released_by"]
    readonly_fields = fields


@admin.register(CallRecording)
class CallRecordingAdmin(ReadOnlyAdmin):
    """Read-only: recordings come from the telephony API and go with retention. The audio is
    never linked from here; it plays only on the listening page, with a purpose."""

    list_display = ["call_id", "started_at", "customer", "queue", "direction", "expires_at"]
    list_filter = ["direction", "started_at"]
    list_select_related = ["customer"]
    search_fields = ["=call_id"]
    search_help_text = _("The call id from the telephony system.")
    date_hierarchy = "started_at"
    show_full_result_count = False
    fields = [
        "call_id",
        "listening_page",
        "customer",
        "phone_number",
        "agent",
        "queue",
        "direction",
        "started_at",
        "duration_seconds",
        "content_type",
        "size",
        "sha256",
        "received_at",
        "expires_at",
    ]
    readonly_fields = fields
    inlines = [HoldInline]

    @admin.display(description=_("phone number"))
    def phone_number(self, recording: CallRecording) -> str:
        return phone(recording.caller_number) or "–"

    @admin.display(description=_("listening"))
    def listening_page(self, recording: CallRecording) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("calls:detail", args=[recording.pk]), _("Listen")
        )


class HoldForm(forms.ModelForm):
    class Meta:
        model = RecordingHold
        fields = ["recording", "request_reference", "reason"]

    def clean(self) -> dict:
        cleaned = super().clean()
        recording, reference = cleaned.get("recording"), cleaned.get("request_reference")
        problem = request_problem(reference, recording) if recording and reference else ""
        if problem:
            self.add_error("request_reference", problem)
        if (
            recording
            and reference
            and RecordingHold.objects.open()
            .filter(recording=recording, request_reference=reference.strip())
            .exists()
        ):
            raise forms.ValidationError(
                _("This request already holds this recording."), code="duplicate"
            )
        return cleaned


@admin.register(RecordingHold)
class RecordingHoldAdmin(admin.ModelAdmin):
    """Holds keep a recording past 30 days for an open access request; placed and released
    here until the request workflow does it by itself. Never deleted: the record stays until
    the recording goes."""

    list_display = [
        "request_reference",
        "recording",
        "placed_at",
        "placed_by",
        "released_at",
        "released_by",
    ]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recording", "placed_by", "released_by"]
    search_fields = ["request_reference", "=recording__call_id"]
    autocomplete_fields = ["recording"]
    actions = ["release"]

    class Media:
        js = ["js/admin-select2-names.js"]  # names the autocomplete fields for screen readers

    form = HoldForm

    def get_fields(self, request: HttpRequest, obj: RecordingHold | None = None) -> list[str]:
        if obj is None:
            return ["recording", "request_reference", "reason"]
        return [
            "recording",
            "request_reference",
            "reason",
            "placed_at",
            "placed_by",
            "released_at",
            "released_by",
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: RecordingHold | None = None
    ) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RecordingHold, form: object, change: bool
    ) -> None:
        if change:
            return  # a hold changes only by being released
        placed = hold_place(
            recording=obj.recording,
            request_reference=obj.request_reference,
            reason=obj.reason,
            by=request.user,
        )
        obj.pk = placed.pk
        obj.placed_by = placed.placed_by
        obj.placed_at = placed.placed_at

    @admin.action(description=_("Release the selected holds"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[RecordingHold]) -> None:
        released = sum(hold_release(hold=hold, by=request.user) for hold in queryset.open())
        self.message_user(
            request,
            ngettext(
                "%(count)d hold released; the recording goes with the next retention run "
                "if its 30 days have passed.",
                "%(count)d holds released; the recordings go with the next retention run "
                "if their 30 days have passed.",
                released,
            )
            % {"count": released},
            messages.SUCCESS,
        )
