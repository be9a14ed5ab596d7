"""A typed password is never stored: not by axes' record of failed logins, not in the session,
not anywhere in the database (issue 15, item 1)."""

from __future__ import annotations

import importlib

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_login import post_code, post_password
from tests.conftest import PASSWORD, current_code

TYPED = "Salasana-kirjoitusvirhe-7Q"


def tables_holding(text: str) -> list[str]:
    """Return every table whose rows, read as text, contain `text` (case-insensitive)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {quoted} AS t WHERE t::text ILIKE %s)",  # noqa: S608
                [f"%{text}%"],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_the_dump_finds_what_is_planted(clerk):
    """The search itself works: a value written anywhere is found."""
    clerk.first_name = TYPED
    clerk.save()
    assert "auth_user" in tables_holding(TYPED)


def test_a_failed_login_leaves_no_trace_of_the_typed_password(clerk):
    response = post_password(Client(), "clerk", TYPED)
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="clerk")
    assert "auth-password" in attempt.post_data  # the field is recorded, masked
    assert tables_holding(TYPED) == []


def test_a_right_password_with_a_wrong_code_leaves_no_trace_of_the_password(clerk):
    device = TOTPDevice.objects.create(user=clerk, name="default", confirmed=True)
    client = Client()
    post_password(client, "clerk")
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    post_code(client, wrong)
    assert tables_holding(PASSWORD) == []


def test_lockout_still_counts_failures_with_the_password_masked(clerk, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        post_password(Client(), "clerk", TYPED)
    assert post_password(Client(), "clerk").status_code == 429
    assert tables_holding(TYPED) == []


@pytest.mark.django_db
def test_the_migration_blanks_the_form_data_of_attempts_already_stored():
    AccessAttempt.objects.create(
        username="clerk",
        ip_address="10.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/account/login/",
        get_data="",
        post_data=f"auth-username=clerk\nauth-password={TYPED}",
        failures_since_start=1,
    )
    migration = importlib.import_module("accounts.migrations.0003_blank_stored_login_passwords")
    migration.blank_post_data(apps, None)
    assert tables_holding(TYPED) == []
    assert AccessAttempt.objects.get().username == "clerk"
