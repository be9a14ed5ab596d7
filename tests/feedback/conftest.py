from __future__ import annotations

import json
from pathlib import Path

import pytest

from accounts.models import ApiClient, Scope
from pkregister.celery import app
from tests.conftest import isolated_redis_url


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores files in its own empty directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path) -> Path:
    """Text messages go to real files, one per message, in the test's own directory."""
    outbox = tmp_path / "sms"
    settings.SMS_BACKEND = "feedback.sms.backends.file.SmsBackend"
    settings.SMS_FILE_PATH = str(outbox)
    return outbox


def sent_messages(outbox: Path) -> list[dict]:
    if not outbox.exists():
        return []
    return [json.loads(path.read_text()) for path in sorted(outbox.glob("*.json"))]


@pytest.fixture
def eager_celery():
    """Run tasks in the calling thread, retries included (an eager task that propagated its
    exception could not retry), for tests that are not about the broker;
    tests/feedback/test_worker.py goes through a real worker."""
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    # Celery opens its producer pool even for an eager task, and keeps it: on the tests' own
    # Redis database, so that a later real-worker test still publishes where its worker reads.
    url = isolated_redis_url()
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=True, task_eager_propagates=False
    )
    yield
    app.conf.update(task_always_eager=previous[0], task_eager_propagates=previous[1])


@pytest.fixture
def website(db) -> tuple[ApiClient, dict[str, str]]:
    client, token = ApiClient.issue(name="Verkkosivut", scopes=[Scope.FEEDBACK, Scope.VISITS])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def gateway_client(db) -> tuple[ApiClient, dict[str, str]]:
    client, token = ApiClient.issue(name="Tekstiviestipalvelu", scopes=[Scope.SURVEYS])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def telephony(db) -> tuple[ApiClient, dict[str, str]]:
    client, token = ApiClient.issue(name="Puhelinjärjestelmä", scopes=[Scope.CALLS])
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}
