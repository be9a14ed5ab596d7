"""How the register writes a moment for people: local time (Europe/Helsinki), Finnish format."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone


def local_stamp(moment: datetime | None, *, date_only: bool = False) -> str:
    """Return the moment as d.m.yyyy H.MM (or d.m.yyyy) in the current time zone, so that an
    object's title shows the same time as its fields."""
    if moment is None:
        return "–"
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    if date_only:
        return formats.date_format(local.date(), "SHORT_DATE_FORMAT")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")
