"""A private Redis for broker outages: started and stopped by the test on a port of its own,
never the shared server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from pkregister.celery import app
from tests.conftest import isolated_redis_url, rebind_producers
from tests.waiting import HUNG, wait_until


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server this test owns: stop() is the outage, start() the recovery."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=HUNG)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Ready when it answers; a server that died at start fails here, not later.
        wait_until(self._answers, what="redis-server to answer")

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            if self.process is None or self.process.poll() is not None:
                raise
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # our own process only
            self.process.wait(timeout=HUNG)
        self.process = None


@pytest.fixture
def private_broker(transactional_db, tmp_path):
    """Celery's broker is a private redis-server for this test, with a queue of its own;
    results go to the tests' database of the shared Redis (jobs never ask for one)."""
    server = PrivateRedis(tmp_path)
    server.start()
    queue = f"pkregister-outage-{uuid.uuid4().hex}"
    previous = {
        "broker_url": app.conf.broker_url,
        "result_backend": app.conf.result_backend,
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
    }
    consumed = list(app.amqp.queues.consume_from)
    app.conf.update(
        broker_url=server.url,
        result_backend=isolated_redis_url(),
        task_always_eager=False,
        task_default_queue=queue,
    )
    rebind_producers()
    server.queue = queue
    try:
        yield server
    finally:
        server.stop()
        app.conf.update(**previous)
        app.amqp.queues.select(consumed)
        rebind_producers()


@contextmanager
def worker_on(server: PrivateRedis):
    """A real Celery worker consuming the private broker's queue."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping)

    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=HUNG, queues=[server.queue]
    ) as worker:
        yield worker
