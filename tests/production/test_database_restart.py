"""A database restart in the middle of traffic: every gunicorn worker keeps its connection
(CONN_MAX_AGE), the server's backends are terminated between two bursts of requests, and the
next requests reconnect (CONN_HEALTH_CHECKS) instead of answering 500.

Only this server's own backends are terminated, found by the application_name it connects
with; the shared PostgreSQL is never restarted."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiClient, Scope
from accounts.roles import Role
from tests.conftest import make_user
from tests.production.conftest import Browser
from tests.production.test_smoke import sign_in

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]

CLIENTS = 4
REQUESTS_PER_BURST = 10


def server_backends(application_name: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name]
        )
        return [pid for (pid,) in cursor.fetchall()]


def terminate(pids: list[int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM unnest(%s) AS pid",
            [pids],
        )
        return cursor.fetchone()[0]


def test_requests_after_the_database_drops_every_connection_never_answer_500(production_server):
    officer = make_user("tietosuoja", Role.PRIVACY_OFFICER, is_staff=True)
    device = TOTPDevice.objects.create(user=officer, name="default", confirmed=True)
    _client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.FEEDBACK])
    signed_in = production_server.client()
    sign_in(signed_in, "tietosuoja", device)  # a TOTP code is good once: the tabs share it
    browsers = [
        Browser(production_server.host, cookies=dict(signed_in.cookies)) for _ in range(CLIENTS)
    ]

    statuses: list[int] = []
    lock = threading.Lock()
    # The clients stop at the barrier between the bursts; the backends are terminated there.
    between_bursts = threading.Barrier(CLIENTS + 1)
    restarted = threading.Event()

    def traffic(browser):
        for burst in (1, 2):
            for number in range(REQUESTS_PER_BURST):
                if number % 2:
                    answer = browser.get("/asiakkaat/")
                else:
                    answer = browser.get(
                        "/api/v1/whoami/", headers={"Authorization": f"Bearer {token}"}
                    )
                with lock:
                    statuses.append(answer.status)
            if burst == 1:
                between_bursts.wait(timeout=120)
                assert restarted.wait(timeout=120)

    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = [pool.submit(traffic, browser) for browser in browsers]
        between_bursts.wait(timeout=120)
        kept = server_backends(production_server.application_name)
        assert kept, "the workers keep no connection: nothing to test"
        assert terminate(kept) == len(kept)
        restarted.set()
        for run in runs:
            run.result(timeout=300)

    assert len(statuses) == 2 * CLIENTS * REQUESTS_PER_BURST
    assert set(statuses) == {200}, sorted(set(statuses))
    # The workers reconnected: new backends, none of the terminated ones.
    assert set(server_backends(production_server.application_name)).isdisjoint(kept)
