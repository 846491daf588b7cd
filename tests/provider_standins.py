"""A local stand-in for the alert providers (Pushover, Google Chat, Mattermost, Matrix, Gotify,
Zulip, Twilio): one HTTP server on 127.0.0.1 that answers each provider's path the way the
provider does, keeps every request, and plays any provider's documented error answer on cue
(`answer_next`). Unit tests send through the channels' real `send`; system tests point a channel
(or `ENORI_PROVIDER_URLS`) at it.

Matrix is played faithfully in the part that matters: a repeated transaction id (a retry) gets
the first event id back and posts nothing new (`room_messages` keeps the posts)."""
from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

# Error answers as the providers document them: (status, JSON body).
ERRORS: dict[str, tuple[int, Any]] = {
    "pushover_invalid_user": (400, {"user": "invalid", "errors": ["user identifier is invalid"],
                                    "status": 0, "request": "5042853c-402d-4a18-abcb-168734a801de"}),
    "pushover_invalid_token": (400, {"token": "invalid", "errors": ["application token is invalid"],
                                     "status": 0, "request": "e460545a-8c3c-4f8b-8a5b-3c0e5c4d2f11"}),
    "pushover_over_quota": (429, {"errors": ["application is over its monthly message limit"],
                                  "status": 0, "request": "0f0b4b58-2b5c-4c1b-9b3f-08e0f8d3c1a2"}),
    "google_chat_not_found": (404, {"error": {"code": 404, "status": "NOT_FOUND",
                                              "message": "Requested entity was not found."}}),
    "google_chat_bad_key": (400, {"error": {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "API key not valid. Please pass a valid API key.",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]}}),
    "google_chat_bad_card": (400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                             "message": "Invalid JSON payload received."}}),
    "mattermost_invalid_hook": (400, {"id": "web.incoming_webhook.invalid.app_error",
                                      "message": "Invalid webhook.", "detailed_error": "",
                                      "request_id": "ig3n7qehnbdwtpdcpezotaspwc",
                                      "status_code": 400}),
    "mattermost_no_text": (400, {"id": "web.incoming_webhook.text.app_error",
                                 "message": "No text specified", "detailed_error": "",
                                 "request_id": "ig3n7qehnbdwtpdcpezotaspwd", "status_code": 400}),
    "matrix_unknown_token": (401, {"errcode": "M_UNKNOWN_TOKEN",
                                   "error": "Invalid access token passed.", "soft_logout": False}),
    "matrix_not_in_room": (403, {"errcode": "M_FORBIDDEN",
                                 "error": "User @enori:example.org not in room !ops:example.org"}),
    "matrix_rate_limited": (429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests",
                                  "retry_after_ms": 2000}),
    "gotify_bad_token": (401, {"error": "Unauthorized", "errorCode": 401,
                               "errorDescription": "you need to provide a valid access token or "
                                                   "user credentials to access this api"}),
    "zulip_bad_key": (401, {"result": "error", "msg": "Invalid API key",
                            "code": "INVALID_API_KEY"}),
    "zulip_no_stream": (400, {"result": "error", "msg": "Channel 'ops' does not exist",
                              "code": "STREAM_DOES_NOT_EXIST", "stream": "ops"}),
    "zulip_rate_limited": (429, {"result": "error", "msg": "API usage exceeded rate limit",
                                 "code": "RATE_LIMIT_HIT", "retry-after": 1.5}),
    "twilio_auth": (401, {"code": 20003, "message": "Authenticate", "status": 401,
                          "more_info": "https://www.twilio.com/docs/errors/20003"}),
    "twilio_invalid_to": (400, {"code": 21211, "status": 400,
                                "message": "Invalid 'To' Phone Number: +1555000", "more_info":
                                "https://www.twilio.com/docs/errors/21211"}),
    "twilio_too_many": (429, {"code": 20429, "message": "Too Many Requests", "status": 429,
                              "more_info": "https://www.twilio.com/docs/errors/20429"}),
    "twilio_too_long": (400, {"code": 21617, "status": 400, "more_info":
                              "https://www.twilio.com/docs/errors/21617", "message":
                              "The concatenated message body exceeds the 1600 character limit"}),
    "server_error": (503, "<html><body>503 Service Unavailable</body></html>"),
    "bad_gateway": (502, "Bad Gateway"),
}
HANG = "hang"


class ProviderStandIn:
    def __init__(self) -> None:
        self.requests: list[SimpleNamespace] = []
        self.room_messages: list[dict] = []          # Matrix posts, one per transaction
        self._scripted: list[Any] = []
        self._events: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self._release = threading.Event()
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                stand_in._handle(self, "POST")

            def do_PUT(self) -> None:
                stand_in._handle(self, "PUT")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer_next(self, *answers: str) -> None:
        """The next requests get these answers (names of ERRORS, or HANG), then the usual ones."""
        self._scripted.extend(answers)

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # --- the server side -------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        request = SimpleNamespace(method=method, path=handler.path, headers=dict(handler.headers),
                                  body=body)
        with self._lock:
            self.requests.append(request)
            scripted = self._scripted.pop(0) if self._scripted else None
        if scripted == HANG:
            self._release.wait(10)
            return
        status, answer = ERRORS[scripted] if scripted else self._success(request)
        data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        kind = "text/plain" if isinstance(answer, str) else "application/json"
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _success(self, request: SimpleNamespace) -> tuple[int, Any]:
        path, number = request.path, next(self._ids)
        if path.startswith("/1/messages.json"):
            return 200, {"status": 1, "request": f"req-{number}"}
        if path.startswith("/2010-04-01/Accounts/"):
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            return 201, {"sid": f"SM{number:032x}", "status": "queued", "to": form.get("To"),
                         "from": form.get("From"), "body": form.get("Body"), "num_segments": "1"}
        if path.startswith("/_matrix/client/v3/rooms/") and request.method == "PUT":
            return 200, {"event_id": self._matrix_event(request, number)}
        if path.startswith("/api/v1/messages"):
            return 200, {"result": "success", "msg": "", "id": number}
        if path.startswith("/message"):
            return 200, {"id": number, "appid": 1, "date": "2026-03-24T14:30:05Z",
                         **json.loads(request.body or b"{}")}
        if path.startswith("/v1/spaces/"):
            return 200, {"name": f"spaces/AAAA/messages/{number}", "text": "..."}
        return 200, "ok"                                   # Mattermost: a plain "ok"

    def _matrix_event(self, request: SimpleNamespace, number: int) -> str:
        room, _, txn = request.path.split("/rooms/", 1)[1].partition("/send/m.room.message/")
        key = (room, txn)
        with self._lock:
            if key not in self._events:          # a repeated transaction is the same event
                self._events[key] = f"$event{number}"
                self.room_messages.append(json.loads(request.body))
            return self._events[key]
