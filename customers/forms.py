from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from customers.models import (
    Company,
    ContactRole,
    Customer,
    CustomerGroup,
    Insurance,
    OccupationalHealthContract,
    OccupationalHealthCoverage,
    ServiceUse,
)
from customers.validators import normalise_business_id, validate_business_id

PHONE_HELP = _("Any common notation, e.g. 040 123 4567 or +358 40 123 4567.")
PHONE_ERRORS = {
    "invalid": _("Enter a valid phone number, e.g. 040 123 4567 or +358 40 123 4567."),
}

# The one label of an empty choice in every select (issue 17): a filter left empty, an optional
# field not filled in, a required one not yet chosen. Django's own ("---------") is relabelled by
# templates/django/forms/widgets/select_option.html; tests/test_consistency.py checks every form.
EMPTY_CHOICE_LABEL = _("(none chosen)")
EMPTY_CHOICE = ("", EMPTY_CHOICE_LABEL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class CustomerForm(forms.ModelForm):
    """The person's own details. `version` carries the record's version the edit began from."""

    phone = PhoneNumberField(label=_("phone"), region="FI", required=False, help_text=PHONE_HELP)
    groups = forms.ModelMultipleChoiceField(
        label=_("customer groups"),
        queryset=CustomerGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different person; save anyway"), required=False
    )

    class Meta:
        model = Customer
        fields = [
            "first_name",
            "last_name",
            "street_address",
            "postal_code",
            "city",
            "country",
            "email",
            "phone",
            "preferred_contact_method",
            "preferred_language",
            "wishes",
            "interests",
        ]
        widgets = {
            "wishes": forms.Textarea(attrs={"rows": 3}),
            "interests": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["groups"].initial = list(self.instance.groups.all())
            self.fields["version"].initial = self.instance.version
            del self.fields["confirm_duplicate"]
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["first_name"].widget.attrs["autofocus"] = True

    def clean_first_name(self) -> str:
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self) -> str:
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_phone(self) -> Any:
        phone = self.cleaned_data.get("phone")
        return phone or ""

    def model_data(self) -> dict[str, Any]:
        """The cleaned values of the person's own fields, for the services."""
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "business_id", "status", "is_key_account"]
        help_texts = {"business_id": _("Seven digits, a hyphen and a check digit, e.g. 1769016-7.")}

    def clean_business_id(self) -> str:
        value = normalise_business_id(self.cleaned_data["business_id"])
        validate_business_id(value)
        return value


class ContactRoleForm(forms.ModelForm):
    work_phone = PhoneNumberField(
        label=_("work phone"),
        region="FI",
        required=False,
        help_text=PHONE_HELP,
        error_messages=PHONE_ERRORS,
    )

    class Meta:
        model = ContactRole
        fields = ["company", "title", "work_email", "work_phone", "started_on", "ended_on"]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}

    def clean_work_phone(self) -> Any:
        return self.cleaned_data.get("work_phone") or ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("ended_on")
            and data.get("started_on")
            and data["ended_on"] < data["started_on"]
        ):
            self.add_error("ended_on", _("The role cannot end before it started."))
        return data


class ServiceUseForm(forms.ModelForm):
    class Meta:
        model = ServiceUse
        fields = ["service", "status", "date", "price", "payment_status", "collection_status"]
        widgets = {"date": DateInput()}
        localized_fields = ["price"]  # staff type 42,50

    def clean_price(self) -> Any:
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("The price cannot be negative."))
        return price


class InsuranceForm(forms.ModelForm):
    class Meta:
        model = Insurance
        fields = ["insurer", "policy_reference", "valid_from", "valid_until"]
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        return data


class CoverageForm(forms.ModelForm):
    class Meta:
        model = OccupationalHealthCoverage
        fields = ["contract", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = OccupationalHealthContract.objects.select_related(
            "company"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        return data


class AddressUpdateUploadForm(forms.Form):
    file = forms.FileField(label=_("Address update file (CSV)"))
