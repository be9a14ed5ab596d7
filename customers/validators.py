"""Validators for Finnish identifiers, with messages staff understand."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_BUSINESS_ID = re.compile(r"^(\d{6,7})-(\d)$")
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def normalise_business_id(value: str) -> str:
    """Return a Y-tunnus with its leading zero restored ("123456-7" -> "0123456-7")."""
    value = value.strip()
    match = _BUSINESS_ID.match(value)
    if match and len(match.group(1)) == 6:
        return f"0{value}"
    return value


def business_id_is_valid(value: str) -> bool:
    """Check a Y-tunnus: seven digits, a hyphen and a check digit (modulo 11)."""
    match = _BUSINESS_ID.match(normalise_business_id(value))
    if not match or len(match.group(1)) != 7:
        return False
    digits, check = match.group(1), int(match.group(2))
    remainder = sum(int(d) * w for d, w in zip(digits, _BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return False  # no valid Y-tunnus has remainder 1
    return check == (0 if remainder == 0 else 11 - remainder)


def validate_business_id(value: str) -> None:
    if not _BUSINESS_ID.match(value.strip()):
        raise ValidationError(
            _("Enter the business ID as seven digits, a hyphen and a check digit, e.g. 1769016-7."),
            code="format",
        )
    if not business_id_is_valid(value):
        raise ValidationError(
            _("The business ID's check digit does not match. Check the number."), code="checksum"
        )


_POSTAL_CODE = re.compile(r"^\d{5}$")


def validate_postal_code(value: str) -> None:
    """A Finnish postal code is five digits."""
    if value and not _POSTAL_CODE.match(value):
        raise ValidationError(_("A Finnish postal code is five digits, e.g. 80100."), code="format")
