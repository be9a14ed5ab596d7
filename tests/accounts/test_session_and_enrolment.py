"""Sessions end 12 hours after sign-in however busy they are, and a password alone never gets a
session that can do anything: an account without an authentication app enrols one only with a
link the privacy officer or an administrator issued (issue 15, item 12)."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Enrolment
from tests.accounts.test_login import LOGIN, post_password

SETUP = "/account/two_factor/setup/"


# --- Absolute lifetime --------------------------------------------------------------------------


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(clerk, client_for, time_machine):
    time_machine.move_to("2026-11-25 06:00:00+00:00", tick=False)
    client = client_for(clerk)
    # A page that polls every ten minutes keeps the idle timeout from ever running out.
    for minutes in range(0, 12 * 60, 10):
        time_machine.move_to(f"2026-11-25 {6 + minutes // 60:02d}:{minutes % 60:02d}:00+00:00")
        assert client.get(reverse("home")).status_code == 200, minutes
    time_machine.move_to("2026-11-25 18:00:00+00:00", tick=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.get(reverse("home")).status_code == 302  # signed out, not just redirected


def test_the_absolute_lifetime_is_a_setting(clerk, client_for, settings, time_machine):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    settings.SESSION_ABSOLUTE_SECONDS = 60 * 60
    time_machine.move_to("2026-11-25 06:00:00+00:00", tick=False)
    client = client_for(clerk)
    for minute in (20, 40, 59):
        time_machine.move_to(f"2026-11-25 06:{minute}:00+00:00", tick=False)
        assert client.get(reverse("home")).status_code == 200
    time_machine.move_to("2026-11-25 07:00:00+00:00", tick=False)
    assert client.get(reverse("home")).status_code == 302


# --- Enrolment ----------------------------------------------------------------------------------


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def issue_in_admin(issuer_client: Client, user: User) -> str:
    """Issue an enrolment link in the admin; return the link's path from the message."""
    response = issuer_client.post("/admin/accounts/enrolment/add/", {"user": user.pk}, follow=True)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    match = re.search(r"https?://[^/\s]+(/tunnistautuminen/[^/\s]+/)", " ".join(messages))
    assert match, messages
    return match[1]


def enrol_app(client: Client) -> TOTPDevice:
    """Walk the set-up wizard as a person with an authenticator app would."""
    response = client.get(SETUP)
    assert response.status_code == 200
    response = client.post(SETUP, {"setup_view-current_step": "welcome"})
    secret = response.context["secret_key"]
    code = totp(base64.b32decode(secret))
    response = client.post(
        SETUP, {"setup_view-current_step": "generator", "generator-token": f"{code:06d}"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return TOTPDevice.objects.get(user=response.wsgi_request.user, confirmed=True)


@pytest.mark.parametrize("role", ["clerk", "supervisor", "privacy_officer", "marketer", "outsider"])
def test_a_password_alone_gets_no_session_that_can_do_anything(cast, role, require_2fa):
    for path in ("/", SETUP, "/account/two_factor/", "/asiakkaat/", "/admin/"):
        client = Client()
        post_password(client, cast[role].username)
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response.url, path
        assert "_auth_user_id" not in client.session, path
    assert not TOTPDevice.objects.exists()


def test_signing_in_without_a_device_says_whom_to_ask(clerk, require_2fa):
    client = Client()
    post_password(client, "clerk")
    page = client.get("/", follow=True).content.decode()
    assert "Pyydä tietosuojavastaavalta" in page


def test_an_issued_link_lets_that_account_enrol_once(
    clerk, privacy_officer, client_for, require_2fa
):
    link = issue_in_admin(client_for(privacy_officer), clerk)
    client = Client()
    response = client.get(link)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    post_password(client, "clerk")
    response = client.get("/")
    assert response.status_code == 302 and response.url == SETUP
    assert client.get("/asiakkaat/").url == SETUP  # nothing else until the app is added
    device = enrol_app(client)
    assert device.user == clerk
    assert client.get("/").status_code == 200
    enrolment = Enrolment.objects.get()
    assert enrolment.used_at is not None and enrolment.created_by == privacy_officer
    # Spent: the link does not work again.
    assert Client().get(link).status_code == 404


def test_a_link_for_one_account_does_not_let_another_enrol(
    clerk, supervisor, privacy_officer, client_for, require_2fa
):
    link = issue_in_admin(client_for(privacy_officer), clerk)
    client = Client()
    client.get(link)
    post_password(client, "supervisor")
    response = client.get(SETUP)
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not TOTPDevice.objects.filter(user__in=[clerk, supervisor]).exists()


def test_an_expired_or_replaced_link_does_not_work(clerk, time_machine, require_2fa):
    time_machine.move_to("2026-11-25 06:00:00+00:00", tick=False)
    _old, replaced = Enrolment.issue(user=clerk, by=None)
    _new, token = Enrolment.issue(user=clerk, by=None)
    assert Client().get(reverse("enrol", args=[replaced])).status_code == 404
    time_machine.move_to("2026-11-26 06:00:01+00:00", tick=False)
    response = Client().get(reverse("enrol", args=[token]))
    assert response.status_code == 404
    assert "Pyydä tietosuojavastaavalta uusi" in response.content.decode()


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_only_the_privacy_officer_and_administrators_issue_links(cast, role, client_for):
    response = client_for(cast[role]).post("/admin/accounts/enrolment/add/", {"user": 1})
    assert response.status_code == 302 and "/login/" in response.url
    assert not Enrolment.objects.exists()


def test_the_privacy_officer_cannot_issue_a_link_into_an_administrators_account(
    privacy_officer, client_for
):
    admin = User.objects.create_superuser("paakayttaja", password="x" * 20)
    response = client_for(privacy_officer).post(
        "/admin/accounts/enrolment/add/", {"user": admin.pk}
    )
    assert response.status_code == 200  # the form again, with an error
    assert not Enrolment.objects.exists()
    assert issue_in_admin(client_for(admin), admin)


def test_the_first_administrator_gets_a_link_from_the_command(db, capsys, require_2fa):
    User.objects.create_superuser("paakayttaja", password="Paakayttaja-salasana-1")
    call_command("issue_enrolment", "paakayttaja", "--base-url", "https://rekisteri.example")
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://rekisteri.example/tunnistautuminen/")
    client = Client()
    client.get(link.removeprefix("https://rekisteri.example"))
    post_password(client, "paakayttaja", "Paakayttaja-salasana-1")
    assert client.get("/").url == SETUP
