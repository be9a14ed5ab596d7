"""The printable request forms notice §12 promises: one per right, in Finnish and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from notice.pdf import render_pdf


@dataclass(frozen=True)
class RightForm:
    title: str
    # The article of the GDPR that gives the right.
    article: int
    explanation: str
    # Questions answered by ticking one or more boxes.
    choices_question: str = ""
    choices: tuple[str, ...] = ()
    # Questions answered in words, each with the number of lines to leave for the answer.
    questions: tuple[tuple[str, int], ...] = field(default_factory=tuple)


FORMS: dict[str, RightForm] = {
    "access": RightForm(
        title=_("Request for access to personal data"),
        article=15,
        explanation=_(
            "You have the right to know whether we process personal data about you and to get "
            "a copy of it, with information on how we process it."
        ),
        choices_question=_("What would you like to receive?"),
        choices=(
            _("A copy of all personal data about me in the customer register"),
            _("Information on the purposes, recipients and retention of the data"),
            _("Recordings of my calls to customer service (give the dates and numbers below)"),
        ),
        questions=((_("Details that help us find what you ask for (optional)"), 3),),
    ),
    "rectification": RightForm(
        title=_("Request for rectification of personal data"),
        article=16,
        explanation=_(
            "You have the right to have incorrect personal data about you corrected and "
            "incomplete data completed."
        ),
        questions=(
            (_("Which data is incorrect or incomplete?"), 3),
            (_("What is the correct data?"), 3),
        ),
    ),
    "erasure": RightForm(
        title=_("Request for erasure of personal data"),
        article=17,
        explanation=_(
            "In certain situations you have the right to have personal data about you erased. "
            "We tell you if the law obliges us to keep some of it, and for how long."
        ),
        choices_question=_("Why should the data be erased?"),
        choices=(
            _("The data is no longer needed for the purposes it was collected for"),
            _("I withdraw the consent the processing is based on"),
            _("I object to the processing and there is no overriding reason for it"),
            _("The data has been processed unlawfully"),
            _("Another reason (tell us below)"),
        ),
        questions=((_("Which data should be erased? (all, or name it)"), 3),),
    ),
    "restriction": RightForm(
        title=_("Request for restriction of processing"),
        article=18,
        explanation=_(
            "In certain situations you have the right to have the processing of your data "
            "restricted: we then keep the data but do not otherwise use it."
        ),
        choices_question=_("Why should processing be restricted?"),
        choices=(
            _("I contest the accuracy of the data, until it has been checked"),
            _("The processing is unlawful, but I do not want the data erased"),
            _("You no longer need the data, but I need it for a legal claim"),
            _("I have objected to the processing, until it has been checked"),
        ),
        questions=((_("Which data or processing does the request concern?"), 3),),
    ),
    "portability": RightForm(
        title=_("Request to transfer personal data"),
        article=20,
        explanation=_(
            "You have the right to get the personal data you have given us, processed on the "
            "basis of your consent or a contract, in a machine-readable format, or to have it "
            "sent to another controller where that is technically possible."
        ),
        choices_question=_("Where should the data go?"),
        choices=(
            _("To me, as a machine-readable file"),
            _("Straight to another controller (name and contact details below)"),
        ),
        questions=((_("The other controller, if any"), 2),),
    ),
    "objection": RightForm(
        title=_("Objection to processing"),
        article=21,
        explanation=_(
            "You have the right to object to the processing of your personal data. An "
            "objection to direct marketing is always honoured."
        ),
        choices_question=_("Which processing do you object to?"),
        choices=(
            _("All direct marketing"),
            _("Customer surveys, opinion surveys and market research"),
            _("Other processing (tell us which, and why, below)"),
        ),
        questions=((_("Further details (optional)"), 3),),
    ),
}

IDENTIFYING_FIELDS = (
    _("Name"),
    _("Customer number (if you know it)"),
    _("Street address, postal code and city"),
    _("Phone number"),
    _("Email address"),
)


@lru_cache(maxsize=len(FORMS) * 2)
def render(right: str, *, language: str) -> bytes:
    """Return the PDF of one right's request form in one language.

    A form depends only on the right, the language and the settings, so each is rendered once
    per process: the public URL can't be used to make the server render PDFs in a loop.
    """
    form = FORMS[right]
    with translation.override(language):
        html = render_to_string(
            "notice/request_form.html",
            {
                "form": form,
                "identifying_fields": IDENTIFYING_FIELDS,
                "controller": settings.CONTROLLER,
                "language": language,
            },
        )
    return render_pdf(html)
