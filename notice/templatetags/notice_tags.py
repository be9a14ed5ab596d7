from __future__ import annotations

from django import template

from notice.models import ConsistencyCheck

register = template.Library()


@register.inclusion_tag("notice/_check_panel.html")
def notice_check_panel() -> dict[str, object]:
    """The last result of the privacy notice's consistency check, for the privacy officer."""
    return {"check": ConsistencyCheck.objects.order_by("-checked_at").first()}
