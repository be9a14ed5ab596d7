"""Forms for recording, handling and finding feedback."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.forms import EMPTY_CHOICE, DateInput
from customers.models import Customer, is_valid_customer_number
from feedback.models import (
    RATING_MAX,
    RATING_MIN,
    STAFF_CHANNELS,
    FeedbackChannel,
    FeedbackQuerySet,
    FeedbackStatus,
    Topic,
)

RATING_CHOICES = [EMPTY_CHOICE] + [(str(n), str(n)) for n in range(RATING_MAX, RATING_MIN - 1, -1)]


# The status filter's value for feedback still to handle (new or in progress).
UNHANDLED = "open"


def _with_any(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [EMPTY_CHOICE, *choices]


class FeedbackForm(forms.Form):
    """Feedback staff take on the phone or at the office: for a customer, or anonymous."""

    customer_number = forms.CharField(
        label=_("Customer number"),
        max_length=12,
        required=False,
        help_text=_("Leave empty for anonymous feedback."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(channel.value, channel.label) for channel in STAFF_CHANNELS],
        initial=FeedbackChannel.PHONE,
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        choices=[EMPTY_CHOICE, *Topic.choices],
        error_messages={"required": _("Choose the topic.")},
    )
    text = forms.CharField(label=_("Feedback"), widget=forms.Textarea, required=False)
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 = very dissatisfied, 5 = very satisfied."),
    )

    def clean_customer_number(self) -> Customer | None:
        number = self.cleaned_data["customer_number"].strip()
        if not number:
            return None
        if not is_valid_customer_number(number):
            raise forms.ValidationError(_("Invalid customer number."))
        customer = Customer.objects.filter(customer_number=number).first()
        if customer is None:
            raise forms.ValidationError(_("No customer with this number."))
        return customer

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and cleaned.get("rating") is None:
            self.add_error("text", _("Write the feedback or give a rating."))
        return cleaned


class FeedbackResponseForm(forms.Form):
    response = forms.CharField(
        label=_("Response"),
        widget=forms.Textarea,
        required=False,
        help_text=_("What was answered or done. Visible to staff only."),
    )


class FeedbackFilterForm(forms.Form):
    """The list's filters; every one optional, an invalid one is ignored. The list opens on
    what is unhandled (`for_list`); "All" shows everything."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(UNHANDLED, _("Unhandled (new or in progress)"))]
        + _with_any(FeedbackStatus.choices),
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_with_any(FeedbackChannel.choices), required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=_with_any(Topic.choices), required=False)
    rating = forms.ChoiceField(
        label=_("Rating"),
        choices=[EMPTY_CHOICE, ("low", _("1–2 (dissatisfied)"))]
        + [(str(n), str(n)) for n in range(RATING_MIN, RATING_MAX + 1)],
        required=False,
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    @classmethod
    def for_list(cls, query: QueryDict) -> FeedbackFilterForm:
        """Return the filters of the list's query; without a status, only what is unhandled."""
        data = query.copy()
        data.setdefault("status", UNHANDLED)
        return cls(data)

    def filter(self, queryset: FeedbackQuerySet) -> FeedbackQuerySet:
        """Return the queryset narrowed by the valid filters."""
        self.is_valid()
        data: dict[str, Any] = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        if data.get("status") == UNHANDLED:
            queryset = queryset.unhandled()
        elif data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("channel"):
            queryset = queryset.filter(channel=data["channel"])
        if data.get("topic"):
            queryset = queryset.filter(topic=data["topic"])
        rating = data.get("rating")
        if rating == "low":
            queryset = queryset.filter(Q(rating__lte=2))
        elif rating:
            queryset = queryset.filter(rating=int(rating))
        if data.get("received_from"):
            queryset = queryset.filter(received_at__gte=_start_of(data["received_from"]))
        if data.get("received_to"):
            queryset = queryset.filter(received_at__lt=_start_of(data["received_to"], plus_days=1))
        if data.get("customer"):
            queryset = queryset.filter(customer_id=data["customer"])
        return queryset


def _start_of(day: date, *, plus_days: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(day + timedelta(days=plus_days), datetime.min.time())
    )
