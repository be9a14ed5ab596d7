"""Forms of the recordings pages: finding a recording, and saying why one listens."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import LISTENING_PURPOSES, CallRecordingQuerySet
from customers.forms import DateInput

# Fewer digits than this would match most numbers: no use, and a slow scan.
NUMBER_MIN_DIGITS = 3


class PlaybackPurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose of listening"),
        choices=[(purpose.value, purpose.label) for purpose in LISTENING_PURPOSES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you are listening.")},
    )


class RecordingFilterForm(forms.Form):
    """The recordings list's filters, every one optional."""

    started_from = forms.DateField(label=_("Calls from"), required=False, widget=DateInput())
    started_to = forms.DateField(label=_("Calls until"), required=False, widget=DateInput())
    number = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=30,
        help_text=_("All or part of the number, in any notation."),
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=100,
        help_text=_("Customer number, or the beginning of the first and last name."),
    )
    unidentified = forms.BooleanField(label=_("Unidentified callers only"), required=False)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if number and len(re.sub(r"\D", "", number)) < NUMBER_MIN_DIGITS:
            raise forms.ValidationError(_("Give at least three digits of the number."))
        if re.search(r"[^\d\s+()./-]", number):
            raise forms.ValidationError(_("A phone number has only digits, spaces and + - ( )."))
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("started_from"), data.get("started_to")
        if first and last and first > last:
            self.add_error("started_to", _("The end date is before the start date."))
        if data.get("unidentified") and data.get("customer", "").strip():
            self.add_error(
                "unidentified", _("An unidentified call has no customer: choose one or the other.")
            )
        return data

    def filter(self, recordings: CallRecordingQuerySet) -> CallRecordingQuerySet:
        """Return the recordings the valid filters allow (none when a filter is invalid)."""
        if not self.is_valid():
            return recordings.none()
        data = self.cleaned_data
        recordings = recordings.started_between(data["started_from"], data["started_to"])
        if data["number"]:
            recordings = recordings.with_number_part(data["number"])
        if data["customer"].strip():
            recordings = recordings.of_customer_matching(data["customer"])
        if data["unidentified"]:
            recordings = recordings.unidentified()
        return recordings

    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
