"""Direct-marketing bans reported by an address service, kept in the consents ledger
(customers.address_updates asks through the book consents registers)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from consents.models import BanKind, Channel
from consents.selectors import new_address_bans
from consents.services import ban_record
from customers.address_updates import MarketingBanBook, register_marketing_bans

if TYPE_CHECKING:
    from accounts.models import Actor
    from customers.models import Customer


def _record(customer: Customer, started_on: date, note: str, by: Actor | None) -> None:
    ban_record(
        customer=customer,
        kind=BanKind.DIRECT_MARKETING,
        channel=Channel.ADDRESS_SERVICE,
        started_on=started_on,
        note=note,
        by=by,
    )


def register() -> None:
    register_marketing_bans(MarketingBanBook(new=new_address_bans, record=_record))
