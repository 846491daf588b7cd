"""The real local stack for the benches: tests/system's LocalStack (imported with tests/system
on sys.path), a stoppable HTTP target and a webhook receiver (small copies, so the benches do not
depend on test helpers that move), plus API helpers."""
from __future__ import annotations

import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "system"))
sys.path.insert(0, str(REPO_ROOT))

from conftest import LocalStack  # noqa: E402,F401


class _TargetHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class HttpTarget:
    """An HTTP target that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def start(self) -> "HttpTarget":
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _TargetHandler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class WebhookReceiver:
    """Takes POSTs (200) and keeps every request body."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def start_stack() -> tuple[LocalStack, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory(prefix="enori-bench-")
    stack = LocalStack(Path(tmp.name) / "data").start(timeout=180)
    return stack, tmp


def stop_stack(stack: LocalStack, tmp: tempfile.TemporaryDirectory) -> None:
    try:
        stack.stop()
    finally:
        stack.kill()
        tmp.cleanup()


def make_keys(stack: LocalStack, count: int) -> list[str]:
    """`count` full-access keys besides the bootstrap key (each may create 10 monitors an hour)."""
    keys = []
    for i in range(count):
        status, body = stack.request("POST", "/api/keys", key=stack.key,
                                     body={"name": f"bench-{i}", "scopes": ["*"]})
        if status != 201:
            raise RuntimeError(f"creating a key answered {status}: {body}")
        keys.append(body["key"])
    return keys


def create_monitors(stack: LocalStack, keys: list[str], bodies: list[dict]) -> list[dict]:
    """Create monitors, ten per key (the create_monitor tier is 10 an hour per key)."""
    created = []
    for i, body in enumerate(bodies):
        status, answer = stack.request("POST", "/api/monitors", key=keys[i // 10], body=body)
        if status != 201:
            raise RuntimeError(f"creating monitor {body['name']} answered {status}: {answer}")
        created.append(answer)
    return created
