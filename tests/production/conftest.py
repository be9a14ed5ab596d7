"""The register as an operator runs it: production settings, `collectstatic` without the runtime
secrets, gunicorn on a loopback socket of its own, and a small HTTP client that talks to it as
the reverse proxy would (HTTPS told by `X-Forwarded-Proto`)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent

SECRETS = {
    "DJANGO_SECRET_KEY": "smoke-test-secret-" + "k8Zp" * 12,
    "SMS_GATEWAY_URL": "https://sms.pkterveys.example/messages",
    "SMS_GATEWAY_TOKEN": "sms-token-for-the-smoke-test",
}


def production_env(**extra: str) -> dict[str, str]:
    """The process environment less every DJANGO_* variable, with production mode on."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return {**base, "DJANGO_ENV": "production", **extra}


@dataclass
class ProductionServer:
    """A gunicorn serving the test database with production settings."""

    port: int
    application_name: str
    static_root: Path
    log: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self) -> Browser:
        return Browser(self.host)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Browser:
    """A client that keeps its cookies (Secure ones too: the proxy in front speaks HTTPS)."""

    host: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {
            "Host": self.host,
            "X-Forwarded-Proto": "https",
            "Accept-Language": "fi",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"https://{self.host}{path}"  # CSRF over HTTPS checks it
        connection = http.client.HTTPConnection(self.host, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    for name, morsel in SimpleCookie(value).items():
                        if morsel.value:
                            self.cookies[name] = morsel.value
                        else:
                            self.cookies.pop(name, None)
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                raw.decode("utf-8", errors="replace"),
            )
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        """Post a form with the CSRF cookie's token (a page is fetched first only when there is
        no cookie yet: fetching the login page again would restart its steps)."""
        if "csrftoken" not in self.cookies:
            self.get(path)
        token = self.cookies["csrftoken"]
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **form})


def _database_url(application_name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return (
        f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
        f"?application_name={application_name}"
    )


@pytest.fixture(scope="session")
def production_server(django_db_setup, tmp_path_factory) -> ProductionServer:
    """Build static files as the image does (no runtime secrets), then serve the test
    database with gunicorn on a loopback socket this fixture binds and hands over, so the
    port is known before gunicorn starts and early requests wait in the socket's backlog."""
    work = tmp_path_factory.mktemp("production")
    static_root, media_root = work / "static", work / "media"
    media_root.mkdir()
    built = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=production_env(DJANGO_STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert (static_root / "staticfiles.json").exists()

    application_name = f"pkregister-smoke-{uuid.uuid4().hex[:12]}"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = work / "gunicorn.log"
    env = production_env(
        **SECRETS,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_MEDIA_ROOT=str(media_root),
        DATABASE_URL=_database_url(application_name),
        REDIS_URL=settings.REDIS_URL,
    )
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "pkregister.wsgi:application",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                "2",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    listener.close()  # gunicorn holds its own copy
    try:
        yield ProductionServer(port, application_name, static_root, log)
    finally:
        server.send_signal(signal.SIGTERM)  # our own process only
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
