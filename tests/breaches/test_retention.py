"""Breaches are personal data too: declared, kept 5 calendar years after closing, then gone
with their people, notices, timeline and history; erasing a person keeps the breach's count."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps

from breaches.models import (
    AffectedPerson,
    Breach,
    NotificationChannel,
    NotificationStatus,
    PersonNotification,
    TimelineEntry,
    TimelineKind,
)
from breaches.personal_data import CLOSED_BREACHES
from privacy.declarations import Anonymise, registry
from privacy.erasure import erase_person
from privacy.models import ErasureReason
from privacy.retention import enforce, policies
from tests.breaches.factories import BreachFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


def test_every_breach_model_is_declared_and_the_people_lists_are_personal_data():
    for model in apps.get_app_config("breaches").get_models():
        if model.__name__.endswith("Event"):
            continue
        assert registry.is_declared(model), model
    for name in ("AffectedPerson", "PersonNotification"):
        declaration = registry.for_model(apps.get_model("breaches", name))
        assert declaration is not None
        assert declaration.retention is CLOSED_BREACHES
        assert isinstance(declaration.erasure, Anonymise)
    assert "closed-breaches" in policies.names()
    assert CLOSED_BREACHES.problems() == []


def test_the_period_is_a_setting_of_calendar_years(settings):
    assert CLOSED_BREACHES.period == relativedelta(years=settings.BREACH_RETENTION_YEARS)
    assert settings.BREACH_RETENTION_YEARS == 5


def _closed(closed_at: datetime, privacy_officer) -> Breach:
    breach = BreachFactory(
        created_by=privacy_officer,
        risk="none",
        risk_reasoning="Ei riskiä.",
        state="closed",
        closed_at=closed_at,
    )
    person = CustomerFactory()
    affected = AffectedPerson.objects.create(
        breach=breach, customer=person, involved=["view"], found_by=privacy_officer
    )
    PersonNotification.objects.create(
        affected=affected,
        channel=NotificationChannel.EMAIL,
        status=NotificationStatus.SENT,
        sent_at=closed_at,
        sent_to=person.email,
        prepared_by=privacy_officer,
    )
    TimelineEntry.objects.create(breach=breach, kind=TimelineKind.RECORDED)
    return breach


def test_closed_breaches_go_five_calendar_years_after_closing(privacy_officer):
    closed = datetime(2021, 6, 10, 12, 0, tzinfo=HELSINKI)
    old = _closed(closed, privacy_officer)
    recent = _closed(datetime(2021, 6, 11, 12, 0, tzinfo=HELSINKI), privacy_officer)
    still_open = BreachFactory(created_by=privacy_officer)
    old_affected = AffectedPerson.objects.get(breach=old)
    # Inserts of the list are not copied to the history (the row names who found it); a merge
    # is, and goes with the breach.
    AffectedPerson.objects.filter(pk=old_affected.pk).update(involved=["export", "view"])
    old_notification = PersonNotification.objects.get(affected=old_affected)
    events = {
        "BreachEvent": old.pk,
        "AffectedPersonEvent": old_affected.pk,
        "PersonNotificationEvent": old_notification.pk,
    }
    for name, pk in events.items():
        assert apps.get_model("breaches", name).objects.filter(pgh_obj_id=pk).exists()
    # Kept through 10.6.2026, gone on 11.6.2026 (Finnish law on time limits, 150/1930).
    run = enforce(CLOSED_BREACHES, now=datetime(2026, 6, 10, 23, 0, tzinfo=HELSINKI))
    assert run.rows == 0
    run = enforce(CLOSED_BREACHES, now=datetime(2026, 6, 11, 0, 5, tzinfo=HELSINKI))
    assert run.rows == 1 and run.errors == 0
    assert set(Breach.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not AffectedPerson.objects.filter(breach_id=old.pk).exists()
    assert not PersonNotification.objects.filter(affected__breach_id=old.pk).exists()
    assert not TimelineEntry.objects.filter(breach_id=old.pk).exists()
    # Their change history went with them.
    for name, pk in events.items():
        assert not apps.get_model("breaches", name).objects.filter(pgh_obj_id=pk).exists()


def test_erasing_a_person_keeps_the_breach_count_without_them(privacy_officer):
    breach = _closed(datetime(2026, 1, 1, tzinfo=HELSINKI), privacy_officer)
    affected = AffectedPerson.objects.get(breach=breach)
    person = affected.customer
    record = erase_person(person, reason=ErasureReason.REQUEST)
    assert record is not None
    affected.refresh_from_db()
    assert affected.customer is None and affected.involved == ["view"]
    notification = PersonNotification.objects.get(affected=affected)
    assert notification.sent_to == "" and notification.status == NotificationStatus.SENT
    assert AffectedPerson.objects.filter(breach=breach).count() == 1


def test_a_breach_is_no_reason_to_keep_a_person(privacy_officer):
    from privacy.erasure import people_without_reason

    breach = BreachFactory(created_by=privacy_officer)
    person = CustomerFactory()
    AffectedPerson.objects.create(
        breach=breach, customer=person, involved=["view"], found_by=privacy_officer
    )
    assert people_without_reason().filter(pk=person.pk).exists()


def test_the_register_is_in_no_marketing_or_export_path(marketer, clerk):
    # No role but the privacy officer's holds any permission on it.
    from accounts.roles import ROLE_PERMISSIONS, Role

    for role, codenames in ROLE_PERMISSIONS.items():
        if role is not Role.PRIVACY_OFFICER:
            assert not {c for c in codenames if c.startswith("breaches.")}, role
    for user in (marketer, clerk):
        assert not any(p.startswith("breaches.") for p in user.get_all_permissions())
