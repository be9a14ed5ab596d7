"""Production serves pages: gunicorn with production settings (DEBUG off, the static manifest,
whitenoise, mandatory two-factor login) answers the login, a signed-in page, the admin and the
API as it should, and serves static files under their hashed names."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiClient, Scope
from accounts.roles import Role
from tests.conftest import PASSWORD, current_code, make_user
from tests.production.conftest import Browser

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]

LOGIN = "/account/login/"


def sign_in(browser: Browser, username: str, device: TOTPDevice) -> None:
    """Sign in through the real two-factor login: password, then the TOTP code."""
    answer = browser.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": PASSWORD,
        },
    )
    assert answer.status == 200 and "token-otp_token" in answer.body
    answer = browser.post(
        LOGIN, {"login_view-current_step": "token", "token-otp_token": current_code(device)}
    )
    assert answer.status == 302, answer.body[:500]
    assert answer.headers["location"] == "/"


@pytest.fixture
def officer_device():
    officer = make_user("tietosuoja", Role.PRIVACY_OFFICER, is_staff=True)
    return TOTPDevice.objects.create(user=officer, name="default", confirmed=True)


def test_the_login_page_answers_and_references_hashed_static_files(production_server):
    browser = production_server.client()
    login = browser.get(LOGIN)
    assert login.status == 200
    assert "Kirjaudu" in login.body
    assert "Traceback" not in login.body
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.body)
    assert stylesheet, "the page does not reference the hashed stylesheet"
    script = re.search(r'src="(/static/js/app\.[0-9a-f]{12}\.js)"', login.body)
    assert script, "the page does not reference the hashed script"

    css = browser.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"]  # whitenoise: a hashed name never changes
    assert css.headers.get("content-encoding") == "gzip"  # compressed at build time
    assert browser.get(script.group(1)).status == 200
    # Chart.js, whose source-map reference once broke the build, is collected and served too.
    manifest = (production_server.static_root / "staticfiles.json").read_text()
    chart = re.search(r'"(vendor/chartjs/chart-4\.6\.1\.umd\.min\.[0-9a-f]{12}\.js)"', manifest)
    assert chart and browser.get(f"/static/{chart.group(1)}").status == 200


def test_production_does_not_serve_plain_http(production_server):
    answer = Browser(production_server.host).request(
        "GET", LOGIN, headers={"X-Forwarded-Proto": "http"}
    )
    assert answer.status == 301
    assert answer.headers["location"].startswith("https://")


def test_a_signed_in_privacy_officer_reaches_pages_and_the_admin(production_server, officer_device):
    browser = production_server.client()
    anonymous_admin = browser.get("/admin/")
    assert anonymous_admin.status == 302
    assert anonymous_admin.headers["location"] == "/admin/login/?next=/admin/"
    admin_login = browser.get(anonymous_admin.headers["location"])
    assert admin_login.status == 302  # the admin uses the two-factor login, never its own
    assert admin_login.headers["location"].startswith(LOGIN)
    assert browser.get("/asiakkaat/").status == 302  # no page without signing in

    sign_in(browser, "tietosuoja", officer_device)
    front = browser.get("/")
    assert front.status == 200 and "Tietosuoja" in front.body
    customers = browser.get("/asiakkaat/")
    assert customers.status == 200 and "Asiakkaat" in customers.body
    admin = browser.get("/admin/")
    assert admin.status == 200 and "Traceback" not in admin.body
    assert browser.get("/jarjestelma/ajastukset/").status == 200


def test_the_api_answers_401_without_a_token_and_200_with_one(production_server):
    _client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.FEEDBACK])
    browser = production_server.client()
    anonymous = browser.get("/api/v1/whoami/")
    assert anonymous.status == 401
    assert anonymous.headers["content-type"] == "application/json"
    known = browser.get("/api/v1/whoami/", headers={"Authorization": f"Bearer {token}"})
    assert known.status == 200
    assert '"Verkkosivut"' in known.body


def test_an_unknown_page_is_a_plain_404_without_debug_output(production_server):
    answer = production_server.client().get("/ei-ole-olemassa/")
    assert answer.status == 404
    assert "Traceback" not in answer.body and "DEBUG" not in answer.body
