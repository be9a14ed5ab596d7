"""A retry that arrives while the first request with its Idempotency-Key is still running
waits for it and answers as it did: one record, one answer."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from accounts.models import IdempotencyRecord
from feedback.models import Feedback


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_waits_for_the_first_and_gets_its_answer(every_scope):
    client, headers = every_scope
    body = {"topic": "other", "text": "Kiitos"}
    canonical = json.dumps(body, sort_keys=True)
    fingerprint = hashlib.sha256(f"feedback\n{canonical}".encode()).hexdigest()
    answers: list = []

    def retry() -> None:
        try:
            answers.append(
                Client().post(
                    "/api/v1/feedback/",
                    body,
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="k-race",
                    **headers,
                )
            )
        finally:
            connection.close()

    thread = threading.Thread(target=retry)
    # The first request, in flight: its key taken, its transaction not yet committed.
    with transaction.atomic():
        IdempotencyRecord.objects.create(
            client=client, key="k-race", endpoint="feedback", fingerprint=fingerprint
        )
        thread.start()
        give_up = time.monotonic() + 60  # a guard against a hang, not a timing assertion
        while _waiting_on_locks() < 1:
            assert not answers, answers[0].content
            assert time.monotonic() < give_up, "the retry never waited for the first request"
            time.sleep(0.01)  # polling for the handshake's condition
        IdempotencyRecord.objects.filter(key="k-race").update(
            status=201, body={"id": 41, "received_at": "2026-11-30T10:00:00Z"}
        )
    thread.join()
    assert answers[0].status_code == 201
    assert answers[0].json() == {"id": 41, "received_at": "2026-11-30T10:00:00Z"}
    assert not Feedback.objects.exists()  # the retry did nothing of its own
