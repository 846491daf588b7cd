"""Real local receivers for the alert channels (all on 127.0.0.1), the events they are sent, and
`deliver`, which runs one sender with `asyncio.run` through the product's HTTP client."""
from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.channels.kinds import email
from chalicelib.channels import messages
from chalicelib.channels.kinds.base import SendContext
from chalicelib.kernel.clock import FakeClock
from chalicelib.kernel.netguard import OutboundGuard, make_http_client

NOW = datetime(2026, 3, 24, 14, 30, 5, tzinfo=timezone.utc)
BASE_URL = "https://enori.example"
MAIL_FROM = "alerts@enori.example"
CHUNK = b"x" * 65536


class Receiver(BaseHTTPRequestHandler):
    """POST /status/<code> answers that code; /hang never answers (until the test ends);
    /endless streams a body that never ends; anything else answers 200 "ok"."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append(SimpleNamespace(path=self.path, headers=dict(self.headers),
                                                    body=body))
        parts = self.path.strip("/").split("/")
        if parts[0] == "status":
            return self._send(int(parts[1]), f'{{"status": {parts[1]}}}'.encode())
        if parts[0] == "hang":
            self.server.release.wait(10)
            return None
        if parts[0] == "endless":
            return self._endless()
        return self._send(200, b"ok")

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Connection", "close")    # no length: the body ends when we stop
        self.end_headers()
        try:
            while self.server.sent < 2 * 1024 ** 3:
                self.wfile.write(CHUNK)
                self.server.sent += len(CHUNK)
        except OSError:                            # the client hung up: what the test wants
            pass

    def _send(self, code: int, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def receiver() -> Any:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    server.requests, server.sent, server.release = [], 0, threading.Event()
    server.handle_error = lambda *args: None
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield SimpleNamespace(server=server, requests=server.requests,
                          url=f"http://127.0.0.1:{server.server_address[1]}")
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fixed_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Links and the sender address the literal snapshots expect, whatever the environment says."""
    monkeypatch.setattr(messages, "settings",
                        dataclasses.replace(messages.settings, public_base_url=BASE_URL))
    monkeypatch.setattr(email, "settings", dataclasses.replace(email.settings, mail_from=MAIL_FROM))


def deliver(send: Any, config: dict, event: dict, *, guard: OutboundGuard | None = None,
            **context: Any) -> Any:
    """Run `send(config, event, ctx)` once; the guard allows private targets unless given."""
    async def go() -> Any:
        guard_ = guard or OutboundGuard(allow_private=True)
        async with make_http_client(guard_, 4) as client:
            fields = {"clock": FakeClock(NOW), "attempt": 1, "delivery_id": "msg_test_1",
                      "smtp_url": None, **context}
            ctx = SendContext(http_client=client, guard=guard_, **fields)
            return await send(config, event, ctx)
    return asyncio.run(go())


@pytest.fixture
def run_sender() -> Any:
    return deliver


# --- events, shaped like the evaluator's and incidents.py's stored events ------------------

DOWN = {
    "id": "evt_down_1", "event": "monitor.down", "accountId": "acc_1",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230},
    "slot": 29568090, "region": "UsEast", "downSinceSlot": 29568089,
}
UP = {
    "id": "evt_up_1", "event": "monitor.up", "accountId": "acc_1",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Recovered", "message": "HTTP 200 OK",
              "timestamp": "2026-03-24T14:45:00Z", "responseTimeMs": 120},
    "slot": 29568105, "region": "UsEast", "downSinceSlot": None,
}
INCIDENT_CREATED = {
    "id": "evt_inc_1", "event": "incident.created", "accountId": "acc_1",
    "incident": {"id": "inc_1", "monitorId": "mon_abc123", "monitorName": "Production API",
                 "title": "Production API is down", "cause": "HTTP 503 Service Unavailable",
                 "status": "Open", "automatic": True, "severity": None,
                 "startedAt": "2026-03-24T14:30:00Z", "acknowledgedAt": None,
                 "acknowledgedBy": None, "resolvedAt": None, "resolvedBy": None,
                 "durationSeconds": 0},
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
}


@pytest.fixture
def events() -> dict[str, dict]:
    return {"monitor.down": DOWN, "monitor.up": UP, "incident.created": INCIDENT_CREATED}
