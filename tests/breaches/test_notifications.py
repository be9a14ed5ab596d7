"""Telling the people (GDPR Art. 34): one notice per person, recorded once, however often the
sending is retried; the unreachable listed; a public communication needs its reason."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from breaches import services
from breaches.models import (
    AffectedPerson,
    NotificationChannel,
    NotificationStatus,
    PersonNotification,
    Risk,
)
from breaches.tasks import send_person_notifications
from jobs.models import Job
from tests.breaches.factories import BreachFactory
from tests.customers.factories import CustomerFactory
from tests.waiting import HUNG

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(privacy_officer):
    return BreachFactory(
        created_by=privacy_officer,
        risk=Risk.HIGH,
        risk_reasoning="Terveystietoja.",
        state="assessed",
    )


@pytest.fixture
def people(breach, privacy_officer):
    by_email = CustomerFactory(email="aino@example.fi")
    in_english = CustomerFactory(email="john@example.fi", preferred_language="en")
    by_letter = CustomerFactory(email="")
    unreachable = CustomerFactory(email="", street_address="", postal_code="", city="")
    for person in (by_email, in_english, by_letter, unreachable):
        AffectedPerson.objects.create(
            breach=breach, customer=person, involved=["view"], found_by=privacy_officer
        )
    return {"email": by_email, "en": in_english, "letter": by_letter, "none": unreachable}


def test_each_person_is_told_once_however_often_it_is_retried(
    breach, people, privacy_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        prepared = services.notifications_prepare(breach=breach, by=privacy_officer)
        again = services.notifications_prepare(breach=breach, by=privacy_officer)
    assert (prepared.email, prepared.letter, prepared.unreachable) == (2, 1, 1)
    assert again.total == 0
    # Recorded in the preparing transaction (jobs/): a broker outage cannot lose the sending.
    assert Job.objects.of(services.NOTIFY_JOB, breach.pk).exists()
    # The job, delivered twice (a retry after a lost acknowledgement).
    assert send_person_notifications.apply(args=[breach.pk]).get() == 2
    assert send_person_notifications.apply(args=[breach.pk]).get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "john@example.fi"]
    assert PersonNotification.objects.count() == 4
    statuses = dict(PersonNotification.objects.values_list("affected__customer", "status"))
    assert statuses == {
        people["email"].pk: NotificationStatus.SENT,
        people["en"].pk: NotificationStatus.SENT,
        people["letter"].pk: NotificationStatus.PENDING,
        people["none"].pk: NotificationStatus.UNREACHABLE,
    }
    breach.refresh_from_db()
    assert breach.state == "people_notified"


def test_the_notice_is_plain_finnish_or_english_on_request(
    breach, people, privacy_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_prepare(breach=breach, by=privacy_officer)
    by_address = {m.to[0]: m for m in mail.outbox}
    finnish = by_address["aino@example.fi"]
    english = by_address["john@example.fi"]
    for message in (finnish, english):
        assert "tietosuoja.pko@sok.fi" in message.body  # the contact point
        assert breach.consequences in message.body
        assert breach.measures_taken in message.body
        assert breach.reference in message.body
    assert "Tietoturvaloukkaus" in finnish.subject
    assert "breach" in english.subject


def test_two_senders_at_once_send_each_email_once(
    transactional_db, breach, people, privacy_officer, monkeypatch
):
    # Not the job: the two senders below are.
    monkeypatch.setattr(send_person_notifications, "apply_async", lambda **kw: None)
    with transaction.atomic():
        services.notifications_prepare(breach=breach, by=privacy_officer)
    # The email backend holds the first sender mid-send, its row locked, until the second has
    # finished: however slow the machine, the second always runs while the first holds its row.
    results = []
    second_finished = threading.Event()

    def second() -> None:
        try:
            results.append(services.notifications_send_emails(breach_pk=breach.pk))
        finally:
            connection.close()
            second_finished.set()

    thread = threading.Thread(target=second)
    original = services.send_mail

    def send_and_wait(*args, **kwargs):
        if thread.ident is None:  # the first sender's first email
            thread.start()
            # The deadline only ends a hung test (a second sender waiting for the first's row).
            assert second_finished.wait(timeout=HUNG), "the second sender never finished"
        return original(*args, **kwargs)

    services.send_mail = send_and_wait
    try:
        results.append(services.notifications_send_emails(breach_pk=breach.pk))
    finally:
        services.send_mail = original
        thread.join(timeout=HUNG)
    assert sorted(results) == [1, 1]
    assert sorted(m.to[0] for m in mail.outbox) == ["aino@example.fi", "john@example.fi"]


def test_the_database_allows_one_notice_per_person(breach, people, privacy_officer):
    affected = AffectedPerson.objects.filter(breach=breach).first()
    PersonNotification.objects.create(
        affected=affected, channel=NotificationChannel.EMAIL, prepared_by=privacy_officer
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonNotification.objects.create(
            affected=affected, channel=NotificationChannel.LETTER, prepared_by=privacy_officer
        )


def test_letters_are_recorded_posted_once(
    breach, people, privacy_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_prepare(breach=breach, by=privacy_officer)
    assert services.letters_posted(breach=breach, by=privacy_officer) == 1
    assert services.letters_posted(breach=breach, by=privacy_officer) == 0
    letter = PersonNotification.objects.get(channel=NotificationChannel.LETTER)
    assert letter.status == NotificationStatus.SENT and letter.sent_at is not None
    assert people["letter"].city in letter.sent_to


def test_a_public_communication_needs_its_reason(breach, privacy_officer):
    with pytest.raises(services.BreachRefused):
        services.public_communication_record(
            breach=breach,
            at=timezone.now(),
            where="pkterveys.fi",
            reason=" ",
            by=privacy_officer,
        )
    services.public_communication_record(
        breach=breach,
        at=timezone.now(),
        where="pkterveys.fi/tiedotteet",
        reason="Yhteystiedot puuttuvat 40 000 henkilöltä.",
        by=privacy_officer,
    )
    breach.refresh_from_db()
    assert breach.public_communication_at is not None
    assert breach.state == "people_notified"


def test_the_notices_page_lists_the_unreachable(
    breach,
    people,
    privacy_officer,
    client_for,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    client = client_for(privacy_officer)
    url = f"/admin/breaches/breach/{breach.pk}/ilmoitukset/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "prepare"})
    assert response.status_code == 302
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert people["none"].customer_number in page
    assert people["email"].customer_number not in page
    assert len(mail.outbox) == 2
