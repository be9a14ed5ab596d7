from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test stores files in its own empty directory."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks queued on commit run in the calling thread, on the tests' own Redis database."""
    from pkregister.celery import app
    from tests.conftest import isolated_redis_url

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    url = isolated_redis_url()
    app.conf.update(
        broker_url=url, result_backend=url, task_always_eager=True, task_eager_propagates=False
    )
    yield
    app.conf.update(task_always_eager=previous[0], task_eager_propagates=previous[1])
