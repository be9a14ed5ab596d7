"""The 72-hour clock of GDPR Art. 33(1) and its reminders, with a frozen clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from breaches import services
from breaches.models import AuthorityNotification, Breach, Decision, Phase, Risk, TimelineKind
from tests.breaches.factories import BreachFactory

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("aware", "deadline"),
    [
        # Art. 33(1): 72 hours from becoming aware, to the minute.
        (local(2026, 11, 2, 10, 20), local(2026, 11, 5, 10, 20)),
        # Elapsed hours: over the spring clock change (29.3.2026, 3.00 → 4.00) the local time
        # of the deadline is an hour later.
        (local(2026, 3, 27, 12, 0), local(2026, 3, 30, 13, 0)),
        # ... and over the autumn one (25.10.2026, 4.00 → 3.00) an hour earlier.
        (local(2026, 10, 23, 12, 0), local(2026, 10, 26, 11, 0)),
        # Across a year's end and a leap day.
        (local(2026, 12, 30, 23, 59), local(2027, 1, 2, 23, 59)),
        (local(2028, 2, 27, 8, 0), local(2028, 3, 1, 8, 0)),
    ],
)
def test_the_deadline_is_72_elapsed_hours_after_awareness(aware, deadline):
    assert Breach(became_aware_at=aware).authority_deadline == deadline


@pytest.fixture
def assessed(db, privacy_officer):
    return BreachFactory(
        became_aware_at=local(2026, 11, 2, 10, 0),
        risk=Risk.RISK,
        risk_reasoning="Nimiä ja osoitteita; ei terveystietoja.",
        state="assessed",
        created_by=privacy_officer,
    )


@pytest.fixture
def officer_email(privacy_officer):
    privacy_officer.email = "tietosuoja@example.fi"
    privacy_officer.save()
    return privacy_officer.email


def test_reminders_go_at_24_and_60_hours_each_once(assessed, officer_email):
    with time_machine.travel(local(2026, 11, 3, 9, 59), tick=False):
        assert services.send_reminders() == 0  # 23 h 59 min
    with time_machine.travel(local(2026, 11, 3, 10, 0), tick=False):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0  # the job again: nothing twice
    with time_machine.travel(local(2026, 11, 4, 21, 59), tick=False):
        assert services.send_reminders() == 0
    with time_machine.travel(local(2026, 11, 4, 22, 0), tick=False):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    assert len(mail.outbox) == 2
    first = mail.outbox[0]
    assert first.to == [officer_email]
    assert assessed.reference in first.subject and "24" in first.subject
    # The reference and the link, nothing of what happened.
    assert f"/admin/breaches/breach/{assessed.pk}/change/" in first.body
    assert assessed.description not in first.body
    assert "60" in mail.outbox[1].subject
    kinds = list(assessed.timeline.values_list("kind", "details"))
    assert kinds == [(TimelineKind.REMINDER, {"hours": 24}), (TimelineKind.REMINDER, {"hours": 60})]


def test_after_downtime_only_the_latest_reminder_goes(assessed, officer_email):
    with time_machine.travel(local(2026, 11, 4, 23, 0), tick=False):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    assert len(mail.outbox) == 1 and "60" in mail.outbox[0].subject


def test_no_reminder_once_the_ombudsman_is_notified_or_not_to_be(
    assessed, officer_email, privacy_officer
):
    with time_machine.travel(local(2026, 11, 3, 9, 0), tick=False):
        services.authority_notification_record(
            breach=assessed,
            phase=Phase.INITIAL,
            sent_at=local(2026, 11, 3, 8, 0),
            case_number="TSV/123/2026",
            content="...",
            late_reasons="",
            by=privacy_officer,
        )
    other = BreachFactory(
        became_aware_at=local(2026, 11, 2, 10, 0),
        risk=Risk.NONE,
        risk_reasoning="Salattu laite, avain tallessa.",
        authority_decision=Decision.NOT_NOTIFY,
        authority_decision_reason="Ei todennäköisesti aiheuta riskiä.",
        state="assessed",
    )
    with time_machine.travel(local(2026, 11, 5, 12, 0), tick=False):
        assert services.send_reminders() == 0
    assert not mail.outbox
    assert not Breach.objects.clock_running().filter(pk__in=[assessed.pk, other.pk]).exists()


def test_a_failed_send_leaves_the_reminder_for_the_next_run(assessed, officer_email, settings):
    settings.EMAIL_BACKEND = "tests.breaches.test_clock.RefusingBackend"
    with time_machine.travel(local(2026, 11, 3, 11, 0), tick=False):
        assert services.send_reminders() == 0
        assessed.refresh_from_db()
        assert assessed.reminded_24h_at is None
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert services.send_reminders() == 1


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


def test_a_late_initial_notification_needs_the_reasons(assessed, privacy_officer):
    with time_machine.travel(local(2026, 11, 6, 9, 0), tick=False):
        # 72 h 1 min after awareness.
        late = local(2026, 11, 5, 10, 1)
        with pytest.raises(services.BreachRefused) as refused:
            services.authority_notification_record(
                breach=assessed,
                phase=Phase.INITIAL,
                sent_at=late,
                case_number="",
                content="...",
                late_reasons="  ",
                by=privacy_officer,
            )
        assert refused.value.field == "late_reasons"
        notification = services.authority_notification_record(
            breach=assessed,
            phase=Phase.INITIAL,
            sent_at=late,
            case_number="TSV/1/2026",
            content="...",
            late_reasons="Laajuus selvisi vasta lokien läpikäynnin jälkeen.",
            by=privacy_officer,
        )
    assert notification.late
    assessed.refresh_from_db()
    assert assessed.state == "authority_notified"


def test_a_notification_at_exactly_72_hours_is_on_time(assessed, privacy_officer):
    with time_machine.travel(local(2026, 11, 6, 9, 0), tick=False):
        notification = services.authority_notification_record(
            breach=assessed,
            phase=Phase.INITIAL,
            sent_at=local(2026, 11, 5, 10, 0),
            case_number="",
            content="...",
            late_reasons="",
            by=privacy_officer,
        )
    assert not notification.late and notification.late_reasons == ""


def test_the_database_refuses_a_late_notification_without_reasons(assessed, privacy_officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuthorityNotification.objects.create(
            breach=assessed,
            phase=Phase.INITIAL,
            sent_at=local(2026, 11, 6, 10, 0),
            content="...",
            late=True,
            recorded_by=privacy_officer,
        )


def test_supplementary_notifications_follow_one_initial(assessed, privacy_officer):
    kwargs = {
        "breach": assessed,
        "case_number": "",
        "content": "...",
        "late_reasons": "",
        "by": privacy_officer,
    }
    with time_machine.travel(local(2026, 11, 4, 9, 0), tick=False):
        with pytest.raises(services.BreachRefused):
            services.authority_notification_record(
                phase=Phase.SUPPLEMENTARY, sent_at=local(2026, 11, 3, 9, 0), **kwargs
            )
        services.authority_notification_record(
            phase=Phase.INITIAL, sent_at=local(2026, 11, 3, 9, 0), **kwargs
        )
        with pytest.raises(services.BreachRefused):
            services.authority_notification_record(
                phase=Phase.INITIAL, sent_at=local(2026, 11, 3, 10, 0), **kwargs
            )
        # A supplementary one after 72 hours is fine: the initial one was on time.
    with time_machine.travel(local(2026, 11, 9, 9, 0), tick=False):
        supplementary = services.authority_notification_record(
            phase=Phase.SUPPLEMENTARY, sent_at=local(2026, 11, 9, 8, 0), **kwargs
        )
    assert not supplementary.late
    assert assessed.authority_notifications.count() == 2


def test_the_front_page_shows_the_running_clock_to_the_privacy_officer_only(
    assessed, client_for, privacy_officer, clerk
):
    with time_machine.travel(local(2026, 11, 3, 10, 0), tick=False):
        page = client_for(privacy_officer).get("/").content.decode()
        assert assessed.reference in page and "48 h" in page
        assert assessed.reference not in client_for(clerk).get("/").content.decode()
    with time_machine.travel(local(2026, 11, 5, 12, 30), tick=False):
        page = client_for(privacy_officer).get("/").content.decode()
        assert "3 h myöhässä" in page


def test_the_art33_items_are_ready_to_paste(assessed):
    assessed.approx_people = 40
    assessed.people_found = 52
    assessed.data_categories = ["basic"]
    with time_machine.travel(local(2026, 11, 3, 10, 0), tick=False):
        items = services.art33_items(assessed)
    text = "\n".join(f"{i.label}\n{i.text}" for i in items)
    assert "52" in text  # the larger of the estimate and the people found
    assert "tietosuoja.pko@sok.fi" in text
    assert assessed.consequences in text and assessed.measures_taken in text
    assert "Perustiedot" in text
    assert len(items) == 4
    with time_machine.travel(local(2026, 11, 6, 10, 0), tick=False):
        assert len(services.art33_items(assessed)) == 5  # late: the reasons for the delay


def test_the_reminders_run_as_a_command_too(assessed, officer_email):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(local(2026, 11, 3, 10, 30), tick=False):
        call_command("send_breach_reminders", stdout=out)
        call_command("send_breach_reminders", stdout=out)
    assert out.getvalue() == "1 reminders sent.\n0 reminders sent.\n"
    assert len(mail.outbox) == 1
