"""Behind reverse proxies lockout counts the real client's address, as the proxies report it,
never one a client wrote itself (issue 15, item 9)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from accounts.lockout import client_ip
from tests.conftest import PASSWORD

LOGIN = "/account/login/"
PROXY = "172.18.0.5"


def post_via_proxy(username: str, password: str, *, forwarded_for: str):
    """A login as the proxy passes it on: from the proxy's address, the client in the header."""
    return Client().post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", PROXY),  # no proxy configured: the header is a client's word
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # the client forged the left one
        (2, "203.0.113.66, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "198.51.100.7", PROXY),  # fewer entries than proxies: misconfigured, the peer
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
    ],
)
def test_client_address_is_read_from_the_entries_our_proxies_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another_client(clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REQUIRE_2FA = False
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_via_proxy("clerk", "wrong-password", forwarded_for="203.0.113.66")
    assert post_via_proxy("clerk", PASSWORD, forwarded_for="203.0.113.66").status_code == 429
    # The real user, from another address through the same proxy, still signs in.
    assert post_via_proxy("clerk", PASSWORD, forwarded_for="198.51.100.7").status_code == 302


def test_a_client_cannot_dodge_the_lockout_by_forging_the_header(clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_via_proxy("clerk", "wrong-password", forwarded_for=f"192.0.2.{attempt}, 203.0.113.66")
    response = post_via_proxy("clerk", PASSWORD, forwarded_for="192.0.2.200, 203.0.113.66")
    assert response.status_code == 429
