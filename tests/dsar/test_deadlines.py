"""The deadline of a request, counted as Regulation 1182/71 art. 3 counts a month (GDPR
Art. 12(3)), with Finnish public holidays, pauses and the extension."""

from __future__ import annotations

from datetime import date

import pytest

from dsar.deadlines import due_date, is_working_day, period_end

CASES = [
    # (received, extension months, paused days, due, why)
    (date(2027, 3, 5), 0, 0, date(2027, 4, 5), "the issue's example: same date next month"),
    (date(2026, 8, 31), 0, 0, date(2026, 9, 30), "the issue's example: September has no 31st"),
    (date(2028, 1, 31), 0, 0, date(2028, 2, 29), "the issue's example: leap-year February"),
    (date(2027, 11, 6), 0, 0, date(2027, 12, 7), "the issue's example: Independence Day"),
    (date(2024, 11, 6), 0, 0, date(2024, 12, 9), "6.12. on a Friday, then a weekend"),
    (date(2026, 3, 5), 0, 0, date(2026, 4, 7), "5.4.2026 Easter Sunday, 6.4. Easter Monday"),
    (date(2027, 3, 31), 0, 0, date(2027, 4, 30), "April has no 31st"),
    (date(2027, 1, 30), 0, 0, date(2027, 3, 1), "28.2.2027 (no 30th) is a Sunday"),
    (date(2027, 1, 31), 0, 0, date(2027, 3, 1), "common-year February, on a Sunday"),
    (date(2028, 2, 29), 0, 0, date(2028, 3, 29), "received on a leap day"),
    (date(2026, 9, 10), 0, 0, date(2026, 10, 12), "a Saturday moves to Monday"),
    (date(2026, 11, 24), 0, 0, date(2026, 12, 28), "Christmas Eve, Christmas, Boxing Day, Sunday"),
    (date(2026, 5, 19), 0, 0, date(2026, 6, 22), "Midsummer Eve and Midsummer Day"),
    (date(2026, 12, 1), 0, 0, date(2027, 1, 4), "New Year's Day on a Friday"),
    (date(2027, 3, 5), 0, 10, date(2027, 4, 15), "paused ten days"),
    (date(2026, 8, 31), 0, 1, date(2026, 10, 1), "a pause moves the month-end date"),
    (date(2027, 3, 5), 2, 0, date(2027, 6, 7), "extended by two months, onto a Saturday"),
    (date(2027, 1, 31), 2, 0, date(2027, 4, 30), "extension counted from receipt: 30.4."),
    (date(2027, 1, 31), 1, 0, date(2027, 3, 31), "extended by one month"),
    (date(2026, 8, 31), 2, 3, date(2026, 12, 3), "extension and pause together"),
]


@pytest.mark.parametrize(("received", "extension", "paused", "due", "why"), CASES)
def test_due_date_is_counted_as_regulation_1182_71_counts_it(received, extension, paused, due, why):
    assert due_date(received, extension_months=extension, paused_days=paused) == due, why


def test_the_day_of_receipt_is_not_counted_and_a_month_keeps_the_date():
    assert period_end(date(2027, 3, 5), 1) == date(2027, 4, 5)
    assert period_end(date(2027, 1, 31), 1) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 6), False),  # Independence Day (a Sunday too)
        (date(2027, 12, 6), False),  # Independence Day on a Monday
        (date(2027, 12, 7), True),
        (date(2026, 6, 19), False),  # Midsummer Eve
        (date(2026, 5, 1), False),  # May Day
        (date(2026, 10, 31), False),  # All Saints' Day (a Saturday)
        (date(2026, 12, 24), False),  # Christmas Eve
        (date(2026, 11, 30), True),  # a Monday
    ],
)
def test_finnish_public_holidays_and_weekends_are_no_working_days(day, working):
    assert is_working_day(day) is working


def test_an_extension_is_at_most_two_months():
    with pytest.raises(ValueError, match="two further months"):
        due_date(date(2027, 3, 5), extension_months=3)
