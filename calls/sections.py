"""The person's call recordings on the customer page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from calls.models import CallRecording
from customers import sections


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="puhelut",
            title=_("Call recordings"),
            nav_title=_("Calls"),
            template="calls/_section_calls.html",
            shortcut="u",
            lists=(
                sections.RecordSection(
                    slug="puhelut",
                    title=_("Call recordings"),
                    template="calls/_customer_calls.html",
                    context_name="calls",
                    rows=lambda customer: CallRecording.objects.for_customer(customer),
                ),
            ),
        ),
        order=600,
    )
