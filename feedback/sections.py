"""The person's feedback on the customer page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from customers import sections
from feedback.models import Feedback

if TYPE_CHECKING:
    from django.http import HttpRequest

    from customers.models import Customer


def _open_feedback(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """How much of the person's feedback is unhandled, for the page's summary."""
    if not request.user.has_perm("feedback.view_feedback"):
        return {"open_feedback": None}
    return {"open_feedback": Feedback.objects.filter(customer=customer).unhandled().count()}


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="palaute",
            title=_("Feedback"),
            template="feedback/_section_feedback.html",
            context=_open_feedback,
            summary_template="feedback/_summary.html",
            shortcut="a",
            lists=(
                sections.RecordSection(
                    slug="palaute",
                    title=_("Feedback"),
                    template="feedback/_customer_feedback.html",
                    context_name="customer_feedback",
                    rows=lambda customer: Feedback.objects.for_customer(customer),
                    permission="feedback.view_feedback",
                ),
            ),
        ),
        order=500,
    )
