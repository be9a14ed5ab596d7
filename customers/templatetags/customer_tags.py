from __future__ import annotations

from datetime import date, datetime

from django import template

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
