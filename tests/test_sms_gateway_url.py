"""The SMS gateway is reached over https:// outside development (issue 15, item 13)."""

from __future__ import annotations

import pytest

from tests.test_settings import PRODUCTION, manage


@pytest.mark.parametrize("url", ["http://sms.pkterveys.example/messages", "sms.example/x"])
def test_production_refuses_a_gateway_without_https_at_start(url):
    result = manage("check", env={**PRODUCTION, "SMS_GATEWAY_URL": url})
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Configuration error: SMS_GATEWAY_URL must start with https:// when DJANGO_ENV=production."
    )


def test_production_starts_with_an_https_gateway():
    assert manage("check", env=PRODUCTION).returncode == 0


def test_development_may_use_a_local_http_gateway():
    env = {"DJANGO_ENV": "development", "SMS_GATEWAY_URL": "http://127.0.0.1:9999/messages"}
    assert manage("check", env=env).returncode == 0
