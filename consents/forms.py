"""Forms for recording choices, restricting processing and building audiences."""

from __future__ import annotations

from typing import Any

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.audiences import AudienceFilters
from consents.models import (
    STAFF_CHANNELS,
    BanKind,
    ConsentAction,
    ConsentPurpose,
    ContactChannel,
    ExportFormat,
    Recipient,
)
from customers.forms import EMPTY_CHOICE, EMPTY_CHOICE_LABEL
from customers.models import Company, Customer, CustomerGroup, Language, is_valid_customer_number
from privacy.declarations import Basis, Category

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/tiff"}
COPY_MAX_BYTES = 50 * 1024 * 1024

_CHANNEL_REQUIRED = {"required": _("Choose how the choice reached us.")}


def _staff_channels() -> list[tuple[str, str]]:
    return [EMPTY_CHOICE] + [(channel.value, channel.label) for channel in STAFF_CHANNELS]


class ConsentRecordForm(forms.Form):
    """Give or withdraw one consent: on the customer page only the channel is asked."""

    purpose = forms.ModelChoiceField(
        label=_("Purpose"),
        queryset=ConsentPurpose.objects.active().filter(requires_consent=True),
        to_field_name="code",
        empty_label=EMPTY_CHOICE_LABEL,
        error_messages={
            "required": _("Choose the purpose."),
            "invalid_choice": _("Choose the purpose."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=ConsentAction.choices,
        error_messages={"required": _("Choose give or withdraw.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_staff_channels, error_messages=_CHANNEL_REQUIRED
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=200,
        required=False,
        help_text=_("A reference: a letter's date, a form number, a message id."),
    )
    evidence_file = forms.FileField(
        label=_("Scanned evidence"),
        required=False,
        help_text=_("PDF, JPEG, PNG or TIFF, at most 10 MB."),
    )

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return upload
        if upload.size > EVIDENCE_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        if kind is None or kind.mime not in EVIDENCE_TYPES:
            raise ValidationError(_("Attach a PDF, JPEG, PNG or TIFF file."))
        return upload


class BanForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Ban"),
        choices=[EMPTY_CHOICE, *BanKind.choices],
        error_messages={"required": _("Choose a ban.")},
    )
    channel = forms.ChoiceField(
        label=_("Source"), choices=_staff_channels, error_messages=_CHANNEL_REQUIRED
    )
    started_on = forms.DateField(
        label=_("In force from"),
        required=False,
        help_text=_("Leave empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_started_on(self) -> Any:
        started_on = self.cleaned_data.get("started_on")
        if started_on and started_on > timezone.localdate():
            raise ValidationError(_("A ban can't start in the future."))
        return started_on


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason."))
        return reason


# --- Audiences ----------------------------------------------------------------------------------


class AudienceForm(forms.Form):
    """Who to reach: the purpose and channel decide who may be reached, the filters narrow."""

    purpose = forms.ModelChoiceField(
        label=_("Purpose"),
        queryset=ConsentPurpose.objects.active(),
        to_field_name="code",
        empty_label=EMPTY_CHOICE_LABEL,
        error_messages={
            "required": _("Choose the purpose."),
            "invalid_choice": _("Choose the purpose."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("The purpose's own channel")), *ContactChannel.choices],
        required=False,
    )
    group = forms.ModelChoiceField(
        label=_("Customer group"), queryset=CustomerGroup.objects.all(), required=False
    )
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.order_by("name"),
        required=False,
        help_text=_("People with a current role in the company."),
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[EMPTY_CHOICE, *Language.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        purpose: ConsentPurpose | None = data.get("purpose")
        if purpose is None:
            return data
        channel = data.get("channel") or purpose.channel
        if not channel:
            self.add_error("channel", _("Choose the channel: this purpose covers every channel."))
        elif not purpose.covers(channel):
            self.add_error("channel", _("This purpose does not cover the channel."))
        else:
            data["channel"] = channel
        data["city"] = data.get("city", "").strip()
        return data

    def filters(self) -> AudienceFilters:
        data = self.cleaned_data
        return AudienceFilters(
            group=data["group"].pk if data.get("group") else None,
            company=data["company"].pk if data.get("company") else None,
            city=data.get("city", ""),
            language=data.get("language", ""),
        )


class AudienceExportForm(AudienceForm):
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=Recipient.objects.eligible().processors(),
        empty_label=EMPTY_CHOICE_LABEL,
        help_text=_("Only processors in use that process data in the EU/EEA can be chosen."),
        error_messages={
            "required": _("Choose the recipient."),
            "invalid_choice": _("This recipient can't receive data."),
        },
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.CSV
    )


# --- The admin ----------------------------------------------------------------------------------


class DisclosureAdminForm(forms.Form):
    """An authority's request (or another disclosure by hand), recorded by the privacy officer."""

    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=Recipient.objects.eligible(),
        help_text=_("Only recipients in use that process data in the EU/EEA can be chosen."),
        error_messages={"invalid_choice": _("This recipient can't receive data.")},
    )
    basis = forms.ChoiceField(label=_("Legal basis"), choices=Basis.choices)
    mandate = forms.CharField(
        label=_("Mandate or provision"),
        max_length=300,
        help_text=_("The processing agreement, or the law that obliges or allows the disclosure."),
    )
    request_reference = forms.CharField(
        label=_("Request reference"), max_length=100, required=False
    )
    customer_numbers = forms.CharField(
        label=_("Whose data (customer numbers)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or more customer numbers, separated by spaces, commas or lines."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories of data"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(
        label=_("What was handed over"), widget=forms.Textarea(attrs={"rows": 3})
    )
    copy = forms.FileField(label=_("Copy handed over"), required=False)

    def clean_customer_numbers(self) -> list[int]:
        numbers = self.cleaned_data["customer_numbers"].replace(",", " ").split()
        invalid = [n for n in numbers if not is_valid_customer_number(n)]
        if invalid:
            raise ValidationError(
                _("Invalid customer numbers: %(numbers)s.") % {"numbers": ", ".join(invalid)}
            )
        found = dict(
            Customer.objects.filter(customer_number__in=numbers).values_list(
                "customer_number", "pk"
            )
        )
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise ValidationError(
                _("No customer with these numbers: %(numbers)s.") % {"numbers": ", ".join(unknown)}
            )
        return sorted(set(found.values()))

    def clean_copy(self) -> Any:
        copy = self.cleaned_data.get("copy")
        if copy and copy.size > COPY_MAX_BYTES:
            raise ValidationError(_("The file is larger than 50 MB."))
        return copy
