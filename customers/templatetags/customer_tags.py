from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from django import template

if TYPE_CHECKING:
    from customers.sections import SectionCard

register = template.Library()


@register.filter
def isodate(value: str | None) -> date | datetime | None:
    """Parse an ISO date or time stored as text (field sources) for the |date filter."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@register.simple_tag(takes_context=True)
def customer_section(context: template.Context, card: SectionCard, part: str = "section") -> str:
    """Render one section of a person's page (or, with part "summary", its part of the
    summary) with its own include and extra context."""
    name = card.section.summary_template if part == "summary" else card.section.template
    if not name:
        return ""
    include = context.template.engine.get_template(name)
    with context.push(card=card, **card.context):
        return include.render(context)
