"""Demo accounts get random TOTP secrets, printed once, and demo data loads only with DEBUG on
(issue 15, item 7)."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_USERS, load_demo_staff


def test_demo_secrets_are_random_and_returned_only_when_created(db):
    first = {user.username: secret for user, secret in load_demo_staff()}
    assert all(first.values())
    for username, secret in first.items():
        device = TOTPDevice.objects.get(user__username=username)
        assert base64.b32encode(bytes.fromhex(device.key)).decode() == secret
        # Not the old derivation from the username anyone could repeat.
        derived = hashlib.sha256(f"pkregister-demo:{username}".encode()).hexdigest()[:40]
        assert device.key != derived
    assert len(set(first.values())) == len(DEMO_USERS)
    assert [secret for _user, secret in load_demo_staff()] == [None] * len(DEMO_USERS)

    User.objects.filter(username__in=first).delete()
    again = {user.username: secret for user, secret in load_demo_staff()}
    assert not set(again.values()) & set(first.values())


def test_demo_data_refuses_to_load_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_data")
    assert not User.objects.exists()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "tietosuoja")


def test_the_command_prints_each_secret_once(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    secrets = {
        device.user.username: base64.b32encode(bytes.fromhex(device.key)).decode()
        for device in TOTPDevice.objects.select_related("user")
    }
    printed = out.getvalue()
    assert all(secret in printed for secret in secrets.values())
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    assert not any(secret in out.getvalue() for secret in secrets.values())
    assert "demo_totp" in out.getvalue()
