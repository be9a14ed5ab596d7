from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3y-for-the-deploy-check-" + "x7Q9" * 12,
    "DJANGO_ALLOWED_HOSTS": "rekisteri.pkterveys.example",
    "SMS_GATEWAY_URL": "https://sms.pkterveys.example/messages",
    "SMS_GATEWAY_TOKEN": "sms-token-for-the-deploy-check",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_production_passes_the_deploy_check_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_without_a_secret_stops_with_one_clear_line(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        == f"Configuration error: {missing} must be set when DJANGO_ENV=production."
    )


def test_production_security_settings():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], s.REQUIRE_2FA, s.DEBUG)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "pkregister.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["31536000", "True", "True", "Argon2PasswordHasher", "True", "False"]


def test_time_and_language():
    assert settings.TIME_ZONE == "Europe/Helsinki"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "fi"
    assert [code for code, _name in settings.LANGUAGES] == ["fi", "en"]


def test_content_security_policy_allows_only_our_own_origin(client, db):
    response = client.get("/account/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "http" not in policy  # no third-party origin anywhere


def test_production_without_the_sms_gateway_stops_with_one_clear_line():
    env = {k: v for k, v in PRODUCTION.items() if k != "SMS_GATEWAY_TOKEN"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Configuration error: SMS_GATEWAY_TOKEN must be set when DJANGO_ENV=production."
    )
