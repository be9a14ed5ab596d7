"""API benchmark: website visits POSTed to the app under gunicorn, against a bare DRF endpoint.

Our endpoint (`POST /api/v1/visits/`: scoped token, validation, attribution) is driven by wrk
for 30 s with 8 connections, one visit per request; then a bare Django REST framework endpoint
(ModelSerializer, DRF token authentication, nothing else; bench/baseline/, mounted only by its
own settings) writing the same model, the same way; then our endpoint with batches of 50.
Gunicorn runs 4 sync workers on 127.0.0.1, sharing the machine with wrk.

Builds its own database (pkregister_bench_api) afresh on every run.
Final line: `api visits_per_s=… p95_ms=… baseline_per_s=… ratio=… batch_visits_per_s=…`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._database as database  # noqa: E402

BENCH_DB = "pkregister_bench_api"
DATABASE_URL = database.url(BENCH_DB)
DURATION = int(os.environ.get("BENCH_SECONDS", "30"))
CONNECTIONS = 8
THREADS = 2
WORKERS = 4
BATCH = 50

SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_ENV": "development",
    "DJANGO_DEBUG": "false",
    "DJANGO_CONN_MAX_AGE": "60",
    "DJANGO_LOG_LEVEL": "ERROR",
    # The benchmark measures throughput, not the rate limit every scope has.
    "API_RATE_VISITS": "100000000/minute",
}

LUA = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "%(auth)s"

response = function(status, headers, body)
  if status ~= 201 and not reported then
    reported = true
    io.write("FIRST " .. status .. " " .. body .. "\\n")
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%%d duration_us=%%d p95_us=%%d errors=%%d non2xx=%%d\\n",
    summary.requests, summary.duration, latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def manage(*args: str, settings: str = "pkregister.settings") -> str:
    env = {**os.environ, **SERVER_ENV, "DJANGO_SETTINGS_MODULE": settings}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def create_database() -> None:
    database.create(BENCH_DB)
    # The baseline's settings add DRF's token table to everything ours have.
    manage("migrate", "--noinput", "-v", "0", settings="bench.baseline.settings")


def credentials() -> tuple[int, str, str]:
    """Create our API client and the baseline's user with a DRF token, in the bench database."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth.models import User\n"
        "from rest_framework.authtoken.models import Token\n"
        "from accounts.models import ApiClient, Scope\n"
        "client, token = ApiClient.issue(name='Verkkosivut (bench)', scopes=[Scope.VISITS])\n"
        "from consents.models import AnalyticsConsent\n"
        f"AnalyticsConsent.objects.create(visitor_id='{VISITOR}', banner_version='bench', "
        "given_through=client)\n"
        "user = User.objects.create_user('bench-baseline', password=None)\n"
        "print(client.pk, token, Token.objects.create(user=user).key)\n"
    )
    env = {**os.environ, **SERVER_ENV, "DJANGO_SETTINGS_MODULE": "bench.baseline.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), out[1], out[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(settings: str, client_id: int, probe: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        **SERVER_ENV,
        "DJANGO_SETTINGS_MODULE": settings,
        "BENCH_API_CLIENT_ID": str(client_id),
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "pkregister.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + probe, timeout=1)  # noqa: S310
            return process, base
        except urllib.error.HTTPError:
            return process, base
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"gunicorn ({settings}) did not start")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# The visitor every benchmark visit comes from; its analytics consent is in force.
VISITOR = "5c0ffee0-0000-4000-8000-000000000001"


def visit(n: int) -> dict:
    return {
        "ip_address": f"198.51.{n // 250 % 250}.{n % 250 + 1}",
        "visitor_id": VISITOR,
        "visited_at": (datetime.now(UTC) - timedelta(seconds=n % 600)).isoformat(),
        "language": "fi-FI",
        "browser": "Firefox 131",
        "screen_resolution": "1920x1080",
    }


def check(url: str, body: object, auth: str) -> None:
    """One request first, so that a misconfiguration fails loudly instead of timing errors."""
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": auth},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != 201:
            raise RuntimeError(f"{url} answered {response.status}")


def wrk(url: str, body: object, auth: str, seconds: int) -> dict[str, int]:
    check(url, body, auth)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"body": json.dumps(body), "auth": auth})
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    match = re.search(r"RESULT (.*)", out.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}{out.stderr}")
    result = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
    if result["errors"] or result["non2xx"]:
        first = re.search(r"FIRST (.*)", out.stdout)
        raise RuntimeError(
            f"{url}: {result['errors']} errors, {result['non2xx']} non-2xx"
            + (f"; the first: {first.group(1)[:300]}" if first else "")
        )
    return result


def truncate() -> None:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("TRUNCATE feedback_websitevisit")
        conn.execute("VACUUM ANALYZE feedback_websitevisit")


def measure(url: str, body: object, auth: str) -> dict[str, float]:
    truncate()
    wrk(url, body, auth, 3)  # warm the workers and their connections
    truncate()
    result = wrk(url, body, auth, DURATION)
    seconds = result["duration_us"] / 1e6
    return {"per_s": result["requests"] / seconds, "p95_ms": result["p95_us"] / 1000}


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench/api.py needs wrk: apt-get install -y wrk")
    create_database()
    client_id, token, baseline_token = credentials()
    ours_auth, baseline_auth = f"Bearer {token}", f"Token {baseline_token}"

    server, base = start_gunicorn("pkregister.settings", client_id, "/api/v1/whoami/")
    try:
        single = measure(base + "/api/v1/visits/", visit(1), ours_auth)
        print(f"ours, one visit a request: {single['per_s']:.0f}/s, p95 {single['p95_ms']:.1f} ms")
        batch = measure(base + "/api/v1/visits/", [visit(n) for n in range(BATCH)], ours_auth)
        batch_visits = batch["per_s"] * BATCH
        print(
            f"ours, batches of {BATCH}: {batch['per_s']:.0f} requests/s = {batch_visits:.0f} "
            f"visits/s, p95 {batch['p95_ms']:.1f} ms"
        )
    finally:
        stop(server)

    server, base = start_gunicorn("bench.baseline.settings", client_id, "/baseline/visits/")
    try:
        baseline = measure(base + "/baseline/visits/", visit(1), baseline_auth)
        print(f"bare DRF baseline: {baseline['per_s']:.0f}/s, p95 {baseline['p95_ms']:.1f} ms")
    finally:
        stop(server)

    print(
        f"api visits_per_s={single['per_s']:.0f} p95_ms={single['p95_ms']:.1f} "
        f"baseline_per_s={baseline['per_s']:.0f} ratio={single['per_s'] / baseline['per_s']:.2f} "
        f"batch_visits_per_s={batch_visits:.0f}"
    )


if __name__ == "__main__":
    main()
