"""Concurrent redeliveries of one survey answer: every one gets the same answer, one effect."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from feedback.models import Feedback, SurveyInvitation
from tests.calls.factories import CallRecordingFactory
from tests.customers.factories import CustomerFactory
from tests.feedback.factories import SurveyInvitationFactory

URL = "/api/v1/surveys/answers/"
DELIVERIES = 8


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        # The statistics views keep one snapshot per transaction; this one runs in one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_deliveries_of_one_message_get_one_answer(gateway_client):
    _client, headers = gateway_client
    customer = CustomerFactory(phone="+358401234567")
    call = CallRecordingFactory(customer=customer, caller_number=customer.phone)
    invitation = SurveyInvitationFactory(customer=customer, call=call)
    answers: list = []
    started = threading.Barrier(DELIVERIES + 1)

    def deliver() -> None:
        try:
            started.wait()
            answers.append(
                Client().post(
                    URL,
                    {"message_id": "sms-77", "sender": "+358401234567", "text": "5 Hyvä"},
                    content_type="application/json",
                    **headers,
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    # Hold the invitation so that every delivery is inside its transaction, waiting for the
    # row, before any of them may go on: the handshake is PostgreSQL's own lock queue.
    with transaction.atomic():
        SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        for thread in threads:
            thread.start()
        started.wait()
        give_up = time.monotonic() + 60  # a guard against a hang, not a timing assertion
        while _waiting_on_locks() < DELIVERIES:
            assert len(answers) == 0, [a.content for a in answers]
            assert time.monotonic() < give_up, "the deliveries never reached the lock"
            time.sleep(0.01)  # polling for the handshake's condition, not ordering by time
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200] * (DELIVERIES - 1) + [201]
    assert len({a.content for a in answers}) == 1, [a.content for a in answers]
    assert Feedback.objects.count() == 1
