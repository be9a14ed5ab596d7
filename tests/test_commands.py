"""The set-up commands `make run` and `make test` stand on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_check_services_passes_when_both_answer():
    result = manage("check_services")
    assert result.returncode == 0, result.stderr


def test_unreachable_postgres_gives_one_line_naming_the_url_and_the_fix():
    result = manage(
        "check_services", DATABASE_URL="postgres://postgres:sekret@127.0.0.1:1/pkregister"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "postgres://postgres:***@127.0.0.1:1/pkregister" in lines[0]
    assert "sekret" not in lines[0]
    assert "pg_ctlcluster" in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_redis_gives_one_line_naming_the_url_and_the_fix():
    result = manage("check_services", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "redis://127.0.0.1:1/0" in lines[0] and "redis-server" in lines[0]


def test_docker_compose_defines_the_five_services():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"db", "redis", "web", "worker", "beat"}
    assert "gunicorn" in " ".join(compose["services"]["web"]["command"])
    assert (ROOT / "Dockerfile").exists()


def test_docker_compose_config_is_valid():
    probe = (
        subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if _has_docker()
        else None
    )
    if probe is None or probe.returncode != 0:
        pytest.skip("the docker compose client is not installed")
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SECRET_KEY": "x", "POSTGRES_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr


def _has_docker() -> bool:
    import shutil

    return shutil.which("docker") is not None
