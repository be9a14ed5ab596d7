from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiClient
from breaches.models import Breach, FindMethod, Phase
from privacy.declarations import Category

# A search over a longer window is a sign of a mistyped date, and reads years of the log.
MAX_WINDOW = timedelta(days=400)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class DateTimeField(forms.DateTimeField):
    widget = LocalDateTimeInput
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y %H:%M"]


class BreachForm(forms.ModelForm):
    data_categories = forms.TypedMultipleChoiceField(
        label=_("categories of data"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Breach
        fields = [
            "became_aware_at",
            "discovered_how",
            "reported_by",
            "occurred_from",
            "occurred_until",
            "description",
            "cause",
            "kind",
            "nature",
            "data_categories",
            "people_categories",
            "approx_people",
            "approx_records",
            "consequences",
            "measures_taken",
            "measures_planned",
            "risk",
            "risk_reasoning",
            "authority_decision",
            "authority_decision_reason",
            "people_decision",
            "people_decision_reason",
            "art34_ground",
        ]


class _StaffUserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{obj.get_username()} ({name})" if name else obj.get_username()


class FindPeopleForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=FindMethod.choices, widget=forms.RadioSelect)
    user = _StaffUserChoice(
        label=_("Staff account"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
    )
    api_client = forms.ModelChoiceField(
        label=_("API client"), queryset=ApiClient.objects.order_by("name"), required=False
    )
    start = DateTimeField(label=_("Start of the window"), required=False)
    end = DateTimeField(label=_("End of the window"), required=False)
    disclosure = forms.IntegerField(
        label=_("Disclosure number"),
        min_value=1,
        required=False,
        help_text=_("As in the disclosure log; every audience export is a disclosure too."),
    )
    file_name = forms.CharField(
        label=_("File name"),
        max_length=255,
        required=False,
        help_text=_("The stored name (calls/2026/11/01/….wav) or its last part."),
    )

    def clean(self) -> dict:
        data = super().clean()
        method = data.get("method")
        if method in (FindMethod.STAFF_ACCOUNT, FindMethod.API_CLIENT):
            who = "user" if method == FindMethod.STAFF_ACCOUNT else "api_client"
            if not data.get(who):
                self.add_error(who, _("Choose whose actions are searched."))
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Give the start of the window."))
            if not end:
                self.add_error("end", _("Give the end of the window."))
            if start and end:
                if end <= start:
                    self.add_error("end", _("The end must be after the start."))
                elif end - start > MAX_WINDOW:
                    self.add_error("end", _("The window can be at most 400 days."))
                if start > timezone.now():
                    self.add_error("start", _("The window can't start in the future."))
        elif method == FindMethod.DISCLOSURE:
            from consents.models import Disclosure

            number = data.get("disclosure")
            if not number:
                self.add_error("disclosure", _("Give the disclosure's number."))
            elif not Disclosure.objects.filter(pk=number).exists():
                self.add_error("disclosure", _("No disclosure has this number."))
        elif method == FindMethod.FILE and not (data.get("file_name") or "").strip():
            self.add_error("file_name", _("Give the file's name."))
        return data


class AuthorityNotificationForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    sent_at = DateTimeField(label=_("Sent"))
    case_number = forms.CharField(label=_("Case number received"), max_length=100, required=False)
    content = forms.CharField(label=_("Content sent"), widget=forms.Textarea(attrs={"rows": 14}))
    late_reasons = forms.CharField(
        label=_("Reasons for the delay"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Needed when the initial notification is sent more than 72 hours after "
            "the company became aware (GDPR Art. 33(1))."
        ),
    )


class PublicCommunicationForm(forms.Form):
    at = DateTimeField(label=_("Published"))
    where = forms.CharField(label=_("Where it was published"), max_length=300)
    reason = forms.CharField(
        label=_("Why telling each person would take disproportionate effort"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
