"""The container image gets no secrets, and the documented servers log no query strings
(issue 15, items 5 and 14)."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from audit.logging import NoQueryStrings
from tests.waiting import HUNG, wait_until

ROOT = Path(__file__).resolve().parent.parent


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """Read .dockerignore as Docker does: each line a pattern (`**` any directories, `*` and
    `?` within one name), `!` re-including; the last matching line wins."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include, pattern = line.startswith("!"), line.lstrip("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(
                part, re.escape(part)
            )
        # A pattern that names a directory excludes everything in it.
        rules.append((include, re.compile(f"^{regex}(?:/.*)?$")))
    return rules


def excluded(path: str) -> bool:
    result = False
    for include, regex in dockerignore_rules():
        if regex.match(path):
            result = not include
    return result


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "pkregister/.env",
        "deploy/tls/server.key",
        "deploy/tls/server.pem",
        "secrets/sms-token",
        "config/secrets/db.txt",
        "id_rsa",
        ".aws/credentials",
        ".pgpass",
        ".git/config",
        ".venv/bin/python",
        "var/media/calls/2026/11/25/a.wav",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image(path):
    assert excluded(path), path


@pytest.mark.parametrize(
    "path", ["manage.py", "pkregister/settings.py", "requirements.lock", "static/css/app.css"]
)
def test_dockerignore_keeps_the_application(path):
    assert not excluded(path), path


def test_the_matcher_reads_patterns_as_docker_does():
    assert re.compile("^(?:.*/)?\\.env(?:/.*)?$").match("a/b/.env")
    assert not excluded("pkregister/environment.py")


# --- Request logs ------------------------------------------------------------------------------


def test_log_filter_drops_query_strings_from_request_lines():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /asiakkaat/?q=Virtanen+Matti&sort=name HTTP/1.1", "200", "5120"),
        None,
    )
    assert NoQueryStrings().filter(record)
    assert record.getMessage() == '"GET /asiakkaat/ HTTP/1.1" 200 5120'


def test_django_logging_filters_every_handler_of_the_project(settings):
    config = settings.LOGGING
    for name, handler in config["handlers"].items():
        assert "no_query_strings" in handler.get("filters", []), name
    assert config["loggers"]["django.server"]["propagate"] is False


@pytest.mark.skipif(shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) is None, reason="")
def test_gunicorn_with_the_documented_config_logs_no_query_string(tmp_path):
    # The socket is bound before gunicorn starts and handed over, so the request below waits in
    # its backlog until gunicorn answers, however long starting takes.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "pkregister.wsgi:application",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(listener.fileno(),),
    )
    listener.close()  # gunicorn holds its own copy
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/account/login/?q=Virtanen%20Matti",
            headers={"Referer": f"http://127.0.0.1:{port}/asiakkaat/?q=0401234567"},
        )
        # An error page is logged as well (the server may have no database to read).
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=HUNG).read()  # noqa: S310

        def logged() -> str:
            text = log.read_text() if log.exists() else ""
            return text if "/account/login/" in text else ""

        # gunicorn writes the access line after it has sent the answer.
        text = wait_until(logged, what="gunicorn's access line")
    finally:
        server.terminate()
        server.wait(timeout=HUNG)
    assert "GET /account/login/" in text
    assert "Virtanen" not in text and "0401234567" not in text and "?q=" not in text
