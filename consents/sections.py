"""The person's consents, bans, restriction and disclosures on the customer page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from consents.selectors import customer_choices, disclosures_of
from customers import sections

if TYPE_CHECKING:
    from django.http import HttpRequest

    from customers.models import Customer

DISCLOSURES = sections.RecordSection(
    slug="luovutukset",
    title=_("Disclosures"),
    template="consents/_disclosures.html",
    context_name="disclosures",
    rows=disclosures_of,
    anchor="suostumukset",
    permission="consents.view_disclosure",
)


def _choices(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {"choices": customer_choices(customer)}


def register() -> None:
    sections.register(
        sections.PageSection(
            anchor="suostumukset",
            title=_("Consents and bans"),
            template="consents/_section_consents.html",
            lists=(DISCLOSURES,),
            context=_choices,
            summary_template="consents/_summary.html",
            shortcut="k",
            # The purposes are always listed, with the forms that give and withdraw.
            collapses_when_empty=False,
        ),
        # First after the summary: what customer service records most.
        order=50,
    )
