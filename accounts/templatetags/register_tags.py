from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django import template

if TYPE_CHECKING:
    from accounts.work_queue import QueueCard

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """Return a duration in whole minutes, rounded up."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.simple_tag(takes_context=True)
def queue_entry(context: template.Context, card: QueueCard) -> str:
    """Render one entry of the work queue with its own include and extra context."""
    include = context.template.engine.get_template(card.entry.template)
    with context.push(card=card, **card.context):
        return include.render(context)
