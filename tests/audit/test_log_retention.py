"""The logs about people have retention periods of their own (notice §16; issue 16 item 6):
access-log entries go after ACCESS_LOG_RETENTION_YEARS, change history after
CHANGE_HISTORY_RETENTION_YEARS, by the retention engine like every other policy."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pghistory.core
import pgtrigger
import pytest
import time_machine

from audit.models import AccessLogEntry, log_view
from audit.personal_data import ACCESS_LOG_PERIOD, HISTORY_PERIODS
from customers.models import Customer
from privacy.retention import enforce, policies
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")


def at(*args: int) -> datetime:
    return datetime(*args, 12, tzinfo=HELSINKI)


def test_access_log_entries_older_than_two_years_go_and_newer_stay(clerk):
    person = CustomerFactory()
    with time_machine.travel(at(2024, 3, 1), tick=False):
        old = log_view(clerk, person)
    with time_machine.travel(at(2024, 3, 2), tick=False):
        kept = log_view(clerk, person)
    # 1.3.2024 + 2 years = 1.3.2026: kept through that day, gone the next (calendar years).
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enforce(ACCESS_LOG_PERIOD)
    remaining = set(AccessLogEntry.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert kept.pk in remaining


def test_change_history_older_than_five_years_goes_and_newer_stays(clerk):
    event_model = next(m for m in pghistory.core.event_models() if m.pgh_tracked_model is Customer)
    person = CustomerFactory(first_name="Vanha")
    Customer.objects.filter(pk=person.pk).update(first_name="Uusi")
    history = event_model.objects.filter(pgh_obj_id=person.pk)
    assert history.count() == 2
    # The history triggers stamp the database's clock; date the two events back by hand.
    with pgtrigger.ignore():
        history.filter(first_name="Vanha").update(pgh_created_at=at(2020, 1, 10))
        history.filter(first_name="Uusi").update(pgh_created_at=at(2022, 6, 1))
    policy = next(p for p in HISTORY_PERIODS if p.model_class is event_model)
    with time_machine.travel(at(2025, 1, 11), tick=False):
        enforce(policy)
    assert list(history.values_list("first_name", flat=True)) == ["Uusi"]
    assert Customer.objects.filter(pk=person.pk, first_name="Uusi").exists()


def test_every_history_table_has_its_policy():
    covered = {p.model_class for p in policies if p.name.startswith("history-")}
    assert covered == set(pghistory.core.event_models())
