"""The consent ledger's answers to `customers.contact_rules`, registered at ready()."""

from __future__ import annotations

from consents.models import ContactChannel
from consents.selectors import (
    SATISFACTION_SURVEY,
    contactable,
    may_survey,
    outside_service_recipient,
    resolve_purpose,
)
from customers import contact_rules
from customers.models import Customer, CustomerQuerySet


class LedgerContactRules:
    """Every answer comes from the `contactable()` selector and the recipients register."""

    def may_survey(self, customer: Customer) -> bool:
        return may_survey(customer, channel=ContactChannel.SMS)

    def unmatched_callers_surveyable(self) -> bool:
        purpose = resolve_purpose(SATISFACTION_SURVEY)
        return purpose.is_active and not purpose.requires_consent

    def none_stopped(self, holders: CustomerQuerySet) -> bool:
        allowed = contactable(
            purpose=SATISFACTION_SURVEY, channel=ContactChannel.SMS, customers=holders
        )
        return not holders.exclude(pk__in=allowed.values("pk")).exists()

    def check_outside_service(self, name: str) -> None:
        outside_service_recipient(name)


def register() -> None:
    contact_rules.register(LedgerContactRules())
