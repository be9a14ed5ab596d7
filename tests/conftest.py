"""The cast: one user per role, plus an outsider with no role, so every access rule is tested
against each of them."""

from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from tests.waiting import HUNG

PASSWORD = "Testisalasana-2026"


def make_user(username: str, role: Role | None, *, is_staff: bool = False) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.capitalize(),
        is_staff=is_staff,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


@pytest.fixture
def clerk(db) -> User:
    return make_user("clerk", Role.CUSTOMER_SERVICE)


@pytest.fixture
def supervisor(db) -> User:
    return make_user("supervisor", Role.SUPERVISOR)


@pytest.fixture
def privacy_officer(db) -> User:
    return make_user("privacy", Role.PRIVACY_OFFICER, is_staff=True)


@pytest.fixture
def marketer(db) -> User:
    return make_user("marketer", Role.MARKETING)


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider", None)


@pytest.fixture
def cast(clerk, supervisor, privacy_officer, marketer, outsider) -> dict[str, User]:
    return {
        "clerk": clerk,
        "supervisor": supervisor,
        "privacy_officer": privacy_officer,
        "marketer": marketer,
        "outsider": outsider,
    }


def verified_client(user: User) -> Client:
    """A test client signed in as the user with a verified second factor, as after a real
    two-factor login."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for():
    """Return a verified, signed-in test client for a user."""
    return verified_client


def isolated_redis_url() -> str:
    """The configured Redis server, on its last database, so tests never meet a dev worker."""
    url = settings.REDIS_URL
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/15"


def rebind_producers() -> None:
    """Make the next publication connect to the broker URL configured now.

    Celery keeps its producer pool bound to the first broker URL it connected to (an eager
    task opens it too); without this, a test's tasks could still go to the broker an earlier
    test used, where no worker of this test reads."""
    from pkregister.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the real Redis broker, consuming a queue of its own: another
    test run on the same Redis at the same time never takes this test's tasks."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping)

    from pkregister.celery import app

    url = isolated_redis_url()
    queue = f"pkregister-test-{uuid.uuid4().hex}"
    previous, consumed = app.conf.task_default_queue, list(app.amqp.queues.consume_from)
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=False, task_default_queue=queue
    )
    rebind_producers()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=HUNG, queues=[queue]
        ) as worker:
            yield worker
    finally:
        app.conf.task_default_queue = previous
        app.amqp.queues.select(consumed)  # the next worker consumes what it did before
