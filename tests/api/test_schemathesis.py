"""The live OpenAPI schema against the API itself (schemathesis): every operation, a bounded
number of generated requests each, every check — a 500, an undocumented status, a body or a
header the schema does not describe fails the suite. Derandomised, so CI is deterministic."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from pkregister.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Called as a WSGI app, Django closes its connection after each request; the test's
    transaction lives on it (Django's own test client disconnects the same handlers)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(every_scope, unlimited, settings):
    settings.API_SCHEMA_PUBLIC = True
    return {"Authorization": every_scope[1]["HTTP_AUTHORIZATION"]}


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema(case, auth, media_root_for_fuzz):
    # Every check but one: a schema-valid request may still be refused for what no schema can
    # say (a person token the register signed, a purpose in use, a call within the last 30
    # days counted from now), so "valid data is accepted" cannot hold.
    case.call_and_validate(
        headers=auth, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
