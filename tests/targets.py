"""Real local targets and receivers for tests (all on 127.0.0.1): an HTTP server that can be stopped and started again on
the same port, so a monitor sees its target go down and come back."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpTarget:
    def __init__(self) -> None:
        self.port = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def start(self) -> "HttpTarget":
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        server.allow_reuse_address = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class WebhookReceiver:
    """Takes POSTs, answering the scripted statuses in turn (then 200); keeps every request."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def payloads(self) -> list[dict]:
        import json

        return [json.loads(body) for _, body in self.received]

    def events(self) -> list[str]:
        return [payload.get("event") for payload in self.payloads()]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self
        self.messages: list[tuple[list[str], bytes]] = []

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append((list(envelope.rcpt_tos), envelope.content))
                return "250 OK"

        from local.dynamodb_local import free_port

        self.port = free_port()  # aiosmtpd checks readiness by connecting, so no port 0
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def bodies(self) -> list[str]:
        """Each message's text (every text part, decoded)."""
        from email import message_from_bytes, policy

        texts = []
        for _, content in self.messages:
            message = message_from_bytes(content, policy=policy.default)
            texts.append("\n".join(part.get_content() for part in message.walk()
                                    if part.get_content_maintype() == "text"))
        return texts

    def subjects(self) -> list[str]:
        from email import message_from_bytes

        return [message_from_bytes(content)["Subject"] for _, content in self.messages]

    def stop(self) -> None:
        self._controller.stop()
