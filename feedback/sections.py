"""The person's feedback on the customer page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from customers import sections
from feedback.models import Feedback


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="palaute",
            title=_("Feedback"),
            template="feedback/_section_feedback.html",
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
