from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, current_code

LOGIN = "/account/login/"


def post_password(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):
    return client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
        REMOTE_ADDR=ip,
    )


def post_code(client: Client, code: str, ip: str = "10.0.0.1"):
    return client.post(
        LOGIN,
        {"login_view-current_step": "token", "token-otp_token": code},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def device(clerk) -> TOTPDevice:
    return TOTPDevice.objects.create(user=clerk, name="default", confirmed=True)


def test_login_page_is_finnish(db):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fi"
    body = response.content.decode()
    assert "Kirjaudu" in body
    assert 'lang="fi"' in body


def test_login_with_password_and_totp_code_reaches_front_page(clerk, device):
    client = Client()
    response = post_password(client, "clerk")
    assert response.status_code == 200
    assert "token-otp_token" in response.content.decode()  # asked for the code, not signed in
    assert "_auth_user_id" not in client.session

    response = post_code(client, current_code(device))
    assert response.status_code == 302
    assert response.url == reverse("home")
    front = client.get(reverse("home"))
    assert front.status_code == 200
    assert front.wsgi_request.user.is_verified()


def test_wrong_totp_code_does_not_sign_in(clerk, device):
    client = Client()
    post_password(client, "clerk")
    good = current_code(device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = post_code(client, wrong)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_anonymous_user_is_sent_to_login(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.parametrize("role", ["clerk", "supervisor", "privacy_officer", "marketer", "outsider"])
def test_with_2fa_required_an_account_without_a_device_is_signed_out_without_an_enrolment(
    cast, role, settings
):
    """Enrolling needs a link the privacy officer issued (tests/accounts/test_session_and_...)."""
    settings.REQUIRE_2FA = True
    client = Client()
    client.force_login(cast[role])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session


def test_with_2fa_off_a_password_login_reaches_the_front_page(clerk, settings):
    settings.REQUIRE_2FA = False
    client = Client()
    response = post_password(client, "clerk")
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_with_2fa_required_a_verified_user_is_let_in(clerk, client_for, settings):
    settings.REQUIRE_2FA = True
    assert client_for(clerk).get(reverse("home")).status_code == 200


def test_2fa_defaults_on_in_production_and_off_in_development():
    import subprocess
    import sys

    def require_2fa(env: dict[str, str]) -> str:
        code = "from django.conf import settings; print(settings.REQUIRE_2FA)"
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pkregister.settings", **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    production = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "rekisteri.example",
        "SMS_GATEWAY_URL": "https://sms.example/messages",
        "SMS_GATEWAY_TOKEN": "sms-token",
    }
    assert require_2fa(production) == "True"
    assert require_2fa({**production, "DJANGO_REQUIRE_2FA": "false"}) == "False"
    assert require_2fa({"DJANGO_ENV": "development"}) == "False"


# --- Admin --------------------------------------------------------------------------------------


def test_admin_cannot_be_reached_with_a_password_alone(privacy_officer, settings):
    settings.REQUIRE_2FA = False  # even with the switch off
    client = Client()
    client.force_login(privacy_officer)
    response = client.get("/admin/", follow=True)
    assert response.request["PATH_INFO"] == LOGIN
    assert "Kirjaudu sisään" in response.content.decode()


def test_admin_login_page_is_the_staff_login(db):
    response = Client().get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_admin_opens_for_a_verified_privacy_officer(privacy_officer, client_for):
    response = client_for(privacy_officer).get("/admin/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_admin_stays_closed_to_other_roles_even_verified(cast, role, client_for):
    response = client_for(cast[role]).get("/admin/", follow=True)
    assert response.request["PATH_INFO"] == LOGIN


# --- Lockout ------------------------------------------------------------------------------------


def test_repeated_failures_lock_out_that_username_from_that_address(clerk, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_password(client, "clerk", "wrong-password")
    response = post_password(Client(), "clerk")  # even the right password
    assert response.status_code == 429
    assert "lukittu" in response.content.decode()


def test_one_users_failures_never_lock_out_another(clerk, supervisor, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        post_password(client, "clerk", "wrong-password")
    settings.REQUIRE_2FA = False
    response = post_password(Client(), "supervisor")
    assert response.status_code == 302  # signed in


def test_lockout_of_a_username_from_one_address_leaves_other_addresses_open(clerk, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_password(Client(), "clerk", "wrong-password", ip="10.0.0.66")
    response = post_password(Client(), "clerk", ip="10.0.0.7")
    assert response.status_code == 302


def test_lockout_ends_after_the_cool_off(clerk, settings, time_machine):
    time_machine.move_to("2026-11-25 10:00:00+00:00", tick=False)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_password(Client(), "clerk", "wrong-password")
    assert post_password(Client(), "clerk").status_code == 429
    time_machine.move_to("2026-11-25 10:16:00+00:00", tick=False)
    assert post_password(Client(), "clerk").status_code == 302


# --- Sessions -----------------------------------------------------------------------------------


def test_session_expires_after_idle_timeout_and_is_renewed_by_activity(clerk, client_for, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    client = client_for(clerk)
    client.get(reverse("home"))
    session = Session.objects.get(session_key=client.session.session_key)
    from django.utils import timezone

    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60


def test_idle_session_no_longer_signs_in(clerk, client_for, time_machine):
    time_machine.move_to("2026-11-25 10:00:00+00:00", tick=False)
    client = client_for(clerk)
    assert client.get(reverse("home")).status_code == 200
    time_machine.move_to("2026-11-25 10:31:00+00:00", tick=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_deletes_the_session_on_the_server(clerk, client_for):
    client = client_for(clerk)
    session_key = client.session.session_key
    stolen = Client()
    stolen.cookies["sessionid"] = session_key
    assert stolen.get(reverse("home")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    # A copy of the old cookie is worthless.
    assert stolen.get(reverse("home")).status_code == 302


def test_logout_needs_post(clerk, client_for):
    client = client_for(clerk)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
