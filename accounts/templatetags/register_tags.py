from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import phonenumbers
from django import template
from phonenumber_field.phonenumber import PhoneNumber, to_python

if TYPE_CHECKING:
    from accounts.work_queue import QueueCard

register = template.Library()

FINLAND = 358


@register.filter
def minutes(value: timedelta | None) -> int:
    """Return a duration in whole minutes, rounded up."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.filter
def phone(value: PhoneNumber | str | None) -> str:
    """Return a phone number as staff read it everywhere: a Finnish number in the national
    format ("040 8095987"), any other in the international one ("+46 8 123 456"); "" for none.

    The one way pages show a number (installed as a builtin, so no template loads it);
    tests/test_phone_display.py fails on a template that prints a number any other way.
    """
    if not value:
        return ""
    number = to_python(value) if not isinstance(value, PhoneNumber) else value
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        return str(value)
    if number.country_code == FINLAND:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.simple_tag(takes_context=True)
def queue_entry(context: template.Context, card: QueueCard) -> str:
    """Render one entry of the work queue with its own include and extra context."""
    include = context.template.engine.get_template(card.entry.template)
    with context.push(card=card, **card.context):
        return include.render(context)
