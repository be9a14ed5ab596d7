"""Forms of the request workflow: the steps on the request's admin page, and staff intake."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.forms import EMPTY_CHOICE
from dsar.deadlines import MAX_EXTENSION_MONTHS
from dsar.models import (
    DataSubjectRequest,
    IdentityMethod,
    Language,
    LetterKind,
    NotificationOutcome,
    OutcomeKind,
    PauseReason,
    RequestLetter,
    RequestType,
    SendMethod,
)
from dsar.services import check_document

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _day_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=_DATE, initial=timezone.localdate, **kwargs)


class DocumentField(forms.FileField):
    """A scanned PDF, JPEG or PNG, its type told from the content, within the size limit."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            try:
                check_document(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["file"]) from error
        return upload


class RequestAdminForm(forms.ModelForm):
    types = forms.MultipleChoiceField(
        label=_("What is asked"),
        choices=RequestType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    scan = DocumentField(
        label=_("Scanned request"),
        required=False,
        help_text=_("PDF, JPEG or PNG. Stored privately; every download is logged."),
    )

    class Meta:
        model = DataSubjectRequest
        fields = [
            "types",
            "channel",
            "language",
            "received_on",
            "requester_name",
            "requester_address",
            "requester_email",
            "requester_phone",
            "request_text",
            "customer",
            "not_in_register",
            "handler",
        ]
        widgets = {"received_on": _DATE}

    def clean_received_on(self) -> Any:
        day = self.cleaned_data["received_on"]
        if day and day > timezone.localdate():
            raise ValidationError(_("The day of receipt cannot be in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("customer") and data.get("not_in_register"):
            self.add_error(
                "not_in_register", _("Either match a customer or mark them not in the register.")
            )
        return data


class ConfirmForm(forms.Form):
    """A step with nothing to fill in."""


class VerifyIdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was the identity verified?"), choices=IdentityMethod.choices
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_(
            'The fact only ("identity card checked"); never a copy of the document or a '
            'personal identity code. Required with "other".'
        ),
    )


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Waiting for"), choices=PauseReason.choices)
    started_on = _day_field(_("Paused from"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ResumeForm(forms.Form):
    ended_on = _day_field(_("Resumed on"))


# Translated when shown, in the language of the request.
_months = lazy(lambda n: ngettext("%(n)d month", "%(n)d months", n) % {"n": n}, str)


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        coerce=int,
        choices=[(n, _months(n)) for n in range(1, MAX_EXTENSION_MONTHS + 1)],
        initial=MAX_EXTENSION_MONTHS,
    )
    reason = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The complexity and number of requests (GDPR Art. 12(3)). The letter tells them."
        ),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Manifestly unfounded or excessive (GDPR Art. 12(5)), or the identity could not be "
            "verified. The letter names the Data Protection Ombudsman."
        ),
    )


class CompleteForm(forms.Form):
    summary = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}))
    name_recipients = forms.BooleanField(
        label=_("Name the recipients who were told (the person asked for them)"),
        required=False,
    )
    granted_in_full = forms.BooleanField(
        label=_("The request was granted in full"),
        required=False,
        initial=True,
        help_text=_("If not, the letter tells of the right to complain and to a court."),
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    file = DocumentField(label=_("File"), help_text=_("PDF, JPEG or PNG."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class LetterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Letter"),
        choices=[
            (k.value, k.label)
            for k in (
                LetterKind.ACKNOWLEDGEMENT,
                LetterKind.IDENTIFICATION,
                LetterKind.CLARIFICATION,
                LetterKind.RESTRICTION_LIFT,
            )
        ],
    )


class LetterSentForm(forms.Form):
    letter = forms.ModelChoiceField(label=_("Letter"), queryset=RequestLetter.objects.none())
    sent_on = _day_field(_("Sent on"))
    method = forms.ChoiceField(label=_("Sent by"), choices=SendMethod.choices)

    def __init__(self, *args: Any, dsar: DataSubjectRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["letter"].queryset = dsar.letters.filter(sent_on__isnull=True)


class OfficeRequestForm(forms.Form):
    """Customer service logs a written request handed in at the office: what it asks, the
    requester as written, and the scan. The privacy officer takes it from there."""

    types = forms.MultipleChoiceField(
        label=_("What is asked"),
        choices=RequestType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose what is asked.")},
    )
    received_on = _day_field(_("Handed in on"))
    requester_name = forms.CharField(label=_("Name as written"), max_length=200)
    language = forms.ChoiceField(
        label=_("Language of the answer"), choices=Language.choices, initial=Language.FINNISH
    )
    scan = DocumentField(
        label=_("Scanned request"),
        help_text=_(
            "The signed request as PDF, JPEG or PNG. Hand the paper to the privacy officer."
        ),
    )

    def clean_received_on(self) -> Any:
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The day cannot be in the future."))
        return day


class WithholdForm(forms.Form):
    item = forms.RegexField(
        label=_("Item"),
        regex=r"^[a-z_]+\.[a-z_]+#[0-9]{1,18}$",
        max_length=120,
        help_text=_('As in the package\'s data file, e.g. "feedback.feedback#42".'),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why it is left out: another person's data (GDPR Art. 15(4))."),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have read the preview: erase the person's data as it says"),
        error_messages={"required": _("Confirm that you have read the preview.")},
    )


class RestrictForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why processing is restricted (GDPR Art. 18(1))."),
    )


class ObjectForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("The person objects to"),
        choices=[("direct_marketing", _("Direct marketing")), ("objection", _("Other processing"))],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("An objection to direct marketing takes effect at once (GDPR Art. 21(3))."),
    )


class NotifyForm(forms.Form):
    recipient = forms.ModelChoiceField(label=_("Recipient"), queryset=None)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=NotificationOutcome.choices)
    sent_on = forms.DateField(label=_("Sent on"), widget=_DATE, required=False)
    method = forms.ChoiceField(
        label=_("Sent by"), choices=[EMPTY_CHOICE, *SendMethod.choices], required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the recipient cannot be told, or it would take disproportionate effort."),
    )

    def __init__(self, *args: Any, dsar: DataSubjectRequest, **kwargs: Any) -> None:
        from consents.models import Recipient
        from dsar.recipients import pending

        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Recipient.objects.filter(
            pk__in=[r.pk for r in pending(dsar)]
        )


class SettleForm(forms.Form):
    type = forms.ChoiceField(label=_("What was asked"), choices=RequestType.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OutcomeKind.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What was done; a refusal needs the reason (e.g. GDPR Art. 17(3))."),
    )

    def __init__(self, *args: Any, dsar: DataSubjectRequest, **kwargs: Any) -> None:
        from dsar.services import unsettled

        super().__init__(*args, **kwargs)
        labels = dict(RequestType.choices)
        self.fields["type"].choices = [(t, labels[t]) for t in unsettled(dsar)]
