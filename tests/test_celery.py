"""Tasks travel through the real Redis broker to a real worker and back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from pkregister.celery import app


def test_a_task_round_trips_through_redis_and_a_real_worker(celery_worker):
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    live = SessionStore()
    live.create()

    result = clear_expired_sessions.delay()
    assert result.get(timeout=600) == 1
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert Session.objects.filter(session_key=live.session_key).exists()


def test_celery_configuration():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert set(app.conf.beat_schedule) == set(settings.SCHEDULED_JOBS)
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, f"{entry['task']} is scheduled but not registered"


def test_the_privacy_officer_sees_the_schedule_read_only(privacy_officer, client_for):
    response = client_for(privacy_officer).get("/jarjestelma/ajastukset/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ajastetut tehtävät" in body
    assert "clear-expired-sessions" in body
    assert "Poistaa vanhentuneet käyttäjäistunnot" in body
    assert "<form" not in body.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("role", ["clerk", "supervisor", "marketer", "outsider"])
def test_other_roles_do_not_see_the_schedule(cast, role, client_for):
    response = client_for(cast[role]).get("/jarjestelma/ajastukset/")
    assert response.status_code == 403
    assert "Ei käyttöoikeutta" in response.content.decode()
