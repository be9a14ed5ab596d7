"""What the Accounting Act requires of the register's payment records.

Kirjanpitolaki (1336/1997) 2:10 §: vouchers (tositteet) are kept at least six years from the
end of the year during which the financial year ended. A service used and paid for, refunded or
collected is such a voucher's record here; it outlives the person's erasure for that long
(customers.personal_data.ACCOUNTING_VOUCHERS) and goes the day after.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings


def financial_year_end(day: date, *, year_end: str | None = None) -> date:
    """Return the last day of the financial year that `day` falls in.

    `year_end` is the financial year's closing month and day ("MM-DD", FINANCIAL_YEAR_END);
    a year closing on 29 February closes on the 28th in a common year.
    """
    month, last = (int(part) for part in (year_end or settings.FINANCIAL_YEAR_END).split("-"))
    for year in (day.year, day.year + 1):
        # relativedelta clamps to the month's last day: 29.2. in a common year is 28.2.
        end = date(year, 1, 1) + relativedelta(month=month, day=last)
        if end >= day:
            return end
    raise ValueError(f"No financial year end after {day}.")  # pragma: no cover


def voucher_year_end(day: date, *, year_end: str | None = None) -> date:
    """Return the end of the calendar year during which the financial year of `day` ended: the
    moment the six years of KPL 2:10 § start counting from."""
    return date(financial_year_end(day, year_end=year_end).year, 12, 31)


def voucher_kept_until(day: date, *, year_end: str | None = None, years: int | None = None) -> date:
    """Return the last day a voucher of `day` must be kept (KPL 2:10 §): six years (a setting)
    after the end of the year during which its financial year ended."""
    years = settings.ACCOUNTING_VOUCHER_YEARS if years is None else years
    return voucher_year_end(day, year_end=year_end) + relativedelta(years=years)
