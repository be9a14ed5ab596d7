"""Who may be contacted, as the apps beside consents/ ask it.

consents/ keeps the ledger of consents, bans and recipients and answers these questions (its
`contactable()` selector is the one decision point); it registers its answers from its
`AppConfig.ready`, so that feedback/ (SMS surveys) asks them without importing consents/.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from customers.models import Customer, CustomerQuerySet


class OutsideServiceNotAllowed(Exception):
    """An outside service the register would send personal data to is not a recipient it may
    use: not in the register, no data-processing agreement, not in use, or outside the EU/EEA."""


class ContactRules(Protocol):
    def may_survey(self, customer: Customer) -> bool:
        """Whether the person may get a satisfaction survey by text message now."""

    def unmatched_callers_surveyable(self) -> bool:
        """Whether a caller no single person matched may be surveyed at all: the purpose is
        in use and needs no consent."""

    def none_stopped(self, holders: CustomerQuerySet) -> bool:
        """Whether none of these people (the holders of one number) is kept from a survey by
        text message: a ban, a restriction or the like of any of them keeps the number out."""

    def check_outside_service(self, name: str) -> None:
        """Raise OutsideServiceNotAllowed unless the named outside service is a recipient the
        register may send personal data to."""


_rules: ContactRules | None = None


def register(rules: ContactRules) -> None:
    """Set the rules (consents/ does, from its AppConfig.ready)."""
    global _rules
    _rules = rules


def rules() -> ContactRules:
    """Return the registered rules; without them nobody is contacted, so this fails loudly."""
    if _rules is None:
        raise ImproperlyConfigured("No app has registered who may be contacted.")
    return _rules
