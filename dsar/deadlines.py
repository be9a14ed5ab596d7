"""The deadline of a data-subject request, counted as the law counts it.

GDPR Art. 12(3): the controller answers "without undue delay and in any event within one month
of receipt of the request"; the period "may be extended by two further months where necessary".
The GDPR sets no rule of its own for counting a month, so Regulation (EEC, Euratom) No 1182/71
(determining the rules applicable to periods, dates and time limits) applies:

- art. 3(1), second subparagraph: the day of the event (receipt) is not counted;
- art. 3(2)(c): a period expressed in months ends with the last hour of the day in the last
  month that has the same date as the day the period started from; when that month has no such
  date, with the last hour of its last day (31 January + 1 month = 28/29 February);
- art. 3(3): public holidays, Saturdays and Sundays inside the period are counted;
- art. 3(4): when the last day is a public holiday, a Saturday or a Sunday, the period ends with
  the last hour of the following working day.

Public holidays are Finland's, from the `holidays` package (its calendar includes Midsummer Eve
and Christmas Eve, which are days off in Finland). A pause (waiting for the requester to prove
their identity or clarify the request) moves the end by the paused days before art. 3(4) is
applied; an extension counts its months from the day of receipt like the first one, so
received 31 January and extended by two months ends on 30 April (art. 3(2)(c)).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta

FIRST_PERIOD_MONTHS = 1
MAX_EXTENSION_MONTHS = 2


@cache
def _finnish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year))


def is_working_day(day: date) -> bool:
    """Return whether the day is neither a Saturday, a Sunday nor a Finnish public holiday."""
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: date) -> date:
    """Return the day itself when it is a working day, else the next one (art. 3(4))."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def period_end(received: date, months: int) -> date:
    """Return the last day of a period of `months` months from receipt (art. 3(1), 3(2)(c)),
    before art. 3(4) moves it off a weekend or a holiday. relativedelta keeps the same date and
    falls back to the month's last day when the month has no such date."""
    return received + relativedelta(months=months)


def due_date(received: date, *, extension_months: int = 0, paused_days: int = 0) -> date:
    """Return the day by which the request must be answered.

    `extension_months` (0-2) is the Art. 12(3) extension; `paused_days` the days the clock
    stood still. The end moves by the paused days, then off a weekend or holiday (art. 3(4)).
    """
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError("An extension is at most two further months (GDPR Art. 12(3)).")
    if paused_days < 0:
        raise ValueError("Paused days cannot be negative.")
    end = period_end(received, FIRST_PERIOD_MONTHS + extension_months)
    return next_working_day(end + timedelta(days=paused_days))
