"""A tiny SMS gateway on 127.0.0.1 for tests: it fails the first requests it is told to, can
answer too slowly, and delivers each idempotency key once, as a real gateway does."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class GatewayState:
    fail_first: int = 0
    fail_status: int = 503
    slow_first: int = 0
    # Kept for callers; a slow answer now waits for the gateway to close instead (`released`),
    # so it comes too late for the client however slow or fast the machine is.
    slow_seconds: float = 0.0
    released: threading.Event = field(default_factory=threading.Event)
    token: str = "gateway-secret"
    requests: list[dict] = field(default_factory=list)
    delivered: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: GatewayState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("Idempotency-Key", "")
            with state.lock:
                number = len(state.requests)
                state.requests.append(
                    {"key": key, "auth": self.headers.get("Authorization"), "body": body}
                )
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._answer(401, {"error": "unauthorised"})
            if number < state.fail_first:
                return self._answer(state.fail_status, {"error": "temporarily unavailable"})
            with state.lock:
                if key not in state.delivered:  # a retry of a delivered message is not resent
                    state.delivered[key] = {"id": f"gw-{len(state.delivered) + 1}", **body}
                message_id = state.delivered[key]["id"]
            if number < state.fail_first + state.slow_first:
                # Took it, but the answer comes only once the test is over: too late.
                state.released.wait()
            return self._answer(200, {"id": message_id})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


class FakeGateway:
    def __init__(self, **options: object) -> None:
        self.state = GatewayState(**options)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.released.set()
        self.server.shutdown()
        self.server.server_close()
