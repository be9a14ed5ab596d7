"""Per-person tokens for the website: the register signs them, the website only passes them on.

The website API never acts on a bare customer number (numbers are sequential and their check
digit computable). It acts for one person only with a token the register issued for that
person and that purpose — in the links of a marketing message, say — signed with the
project's secret key (django.core.signing, a salt per purpose) and valid
PERSON_TOKEN_MAX_AGE_DAYS days. A token that is forged, expired, for another purpose or for a
person no longer in the register is refused with one and the same answer, so the API cannot be
used to find out who is in the register.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from accounts.models import Scope
from customers.models import Customer

# The purposes a token can be issued for: the website API scope that acts on it.
TOKEN_PURPOSES = (Scope.CONSENTS, Scope.FEEDBACK, Scope.VISITS)
INVALID_TOKEN = _("Invalid or expired person token.")
MAX_TOKEN_LENGTH = 200


def _salt(purpose: str) -> str:
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(f"No person tokens for {purpose!r}.")
    return f"pkregister.person-token.{purpose}"


def person_token(*, customer: Customer, purpose: str) -> str:
    """Return a signed token that lets the website act for this person for this purpose."""
    return signing.dumps(customer.pk, salt=_salt(purpose))


def person_tokens(*, customers: Iterable[Customer], purpose: str) -> dict[int, str]:
    """Return a token per person (by pk), e.g. for the links of a mailing."""
    salt = _salt(purpose)
    return {customer.pk: signing.dumps(customer.pk, salt=salt) for customer in customers}


def customer_id_from_token(token: str, *, purpose: str) -> int | None:
    """Return the person's id the token was issued for, or None for any invalid token."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    max_age = timedelta(days=settings.PERSON_TOKEN_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def customer_from_token(token: str, *, purpose: str) -> Customer | None:
    """Return the person the token acts for, or None (invalid, expired or erased alike)."""
    pk = customer_id_from_token(token, purpose=purpose)
    return Customer.objects.filter(pk=pk).first() if pk is not None else None


class PersonTokenField(serializers.CharField):
    """A person token in an API request; validates to the Customer it acts for."""

    def __init__(self, *, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        kwargs.setdefault("max_length", MAX_TOKEN_LENGTH)
        kwargs.setdefault(
            "help_text",
            "The person's token, issued by the register (e.g. in a marketing message's link); "
            f"valid {settings.PERSON_TOKEN_MAX_AGE_DAYS} days. A bad, expired or unknown "
            "token gets one and the same error.",
        )
        super().__init__(**kwargs)

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)  # the text, its length and characters checked
        if value in ("", None):
            return value
        customer = customer_from_token(value.strip(), purpose=self.purpose)
        if customer is None:
            raise serializers.ValidationError(str(INVALID_TOKEN))
        return customer

    def to_representation(self, value: Any) -> str:
        return str(value)
