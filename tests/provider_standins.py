"""Local stand-ins for every provider an alert channel reaches, on one HTTP server on 127.0.0.1.

The paging and push providers live under a prefix of their own (`url("pagerduty")`):
PagerDuty's Events API v2, Opsgenie's Alert API (US and EU roots), Telegram's Bot API
`sendMessage` and an ntfy server. Each answers as its provider documents it, error answers
included, and keeps what the provider would: PagerDuty's and Opsgenie's alerts by dedup key /
alias (a second trigger of an open alert opens nothing new), Telegram's and ntfy's messages.

The alert providers (Pushover, Google Chat, Mattermost, Matrix, Gotify, Zulip, Twilio) answer at
their own paths under `root`, as a self-hosted server or a fixed address pointed here does.
Matrix is played faithfully in the part that matters: a repeated transaction id (a retry) gets
the first event id back and posts nothing new (`room_messages` keeps the posts).

    standins = ProviderStandins().start()
    LocalStack(..., env=standins.env())          # the product's provider roots point here
    standins.script("pagerduty", PAGERDUTY_THROTTLED)   # its next answer, then normal again
    standins.answer_next("zulip_bad_key", HANG)  # the next requests, whoever they are for
    standins.stop()

Every request is kept (`received`, `of(provider)`). Known credentials: `PAGERDUTY_KEY`,
`OPSGENIE_KEY`, `TELEGRAM_TOKEN` and its chat `TELEGRAM_CHAT`, `NTFY_TOKEN` for the protected
topic `NTFY_PROTECTED_TOPIC`. Anything else gets the provider's answer for a wrong key, an
unknown chat, a forbidden topic.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PAGERDUTY_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
OPSGENIE_KEY = "eb243592-faa2-4ba2-a551-1afdf565c889"
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
TELEGRAM_CHAT = "-1001234567890"
TELEGRAM_BLOCKED_CHAT = "424242"
NTFY_TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
NTFY_PROTECTED_TOPIC = "ops-private"

# Scripted answers (status, JSON body), as the providers send them.
PAGERDUTY_THROTTLED = (429, None)
PAGERDUTY_INVALID_EVENT = (400, {"status": "invalid event", "message": "Event object is invalid",
                                 "errors": ["'payload.summary' is missing or blank"]})
OPSGENIE_THROTTLED = (429, {"message": "You are making too many requests! To avoid errors, we "
                                       "recommend you limit requests.", "took": 0.0,
                            "requestId": "00000000-0000-0000-0000-000000000429"})
TELEGRAM_THROTTLED = (429, {"ok": False, "error_code": 429,
                            "description": "Too Many Requests: retry after 5",
                            "parameters": {"retry_after": 5}})
NTFY_THROTTLED = (429, {"code": 42901, "http": 429, "error": "limit reached: too many requests",
                        "link": "https://ntfy.sh/docs/publish/#limitations"})

# Telegram's HTML mode: the tags it knows (https://core.telegram.org/bots/api#html-style).
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}


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
ANY = ""                                 # `answer_next`: the next request, whatever its provider
PAGING = ("pagerduty", "opsgenie", "opsgenie-eu", "telegram", "ntfy")     # served under a prefix
# The alert providers' own paths (first match), each request kept under the provider's name.
ALERT_PATHS = (("/1/messages.json", "pushover"), ("/2010-04-01/Accounts/", "twilio"),
               ("/_matrix/client/v3/rooms/", "matrix"), ("/api/v1/messages", "zulip"),
               ("/message", "gotify"), ("/v1/spaces/", "google_chat"))


@dataclass
class Received:
    provider: str
    method: str
    path: str                            # without the paging providers' prefix
    headers: dict
    body: bytes

    @property
    def json(self) -> Any:
        """The body as JSON, None when it is not."""
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None


@dataclass
class PagingAlert:
    key: str
    status: str = "triggered"           # triggered, acknowledged, resolved
    triggers: int = 1                   # triggers the provider folded into this alert
    actions: list = field(default_factory=list)


class ProviderStandins:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.pagerduty: dict[str, PagingAlert] = {}
        self.opsgenie: dict[str, PagingAlert] = {}
        self.telegram: list[dict] = []
        self.ntfy: list[dict] = []
        self.room_messages: list[dict] = []          # Matrix posts, one per transaction
        self._events: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self._scripts: dict[str, list[Any]] = {}
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "ProviderStandins":
        standins = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                standins._serve(self, "POST")

            def do_PUT(self) -> None:
                standins._serve(self, "PUT")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, provider: str) -> str:
        return f"{self.root}/{provider}"

    def env(self) -> dict[str, str]:
        """The setting that points the product's paging provider roots here (ENORI_PROVIDER_URLS,
        as `settings.PROVIDER_URLS` names them)."""
        return {"ENORI_PROVIDER_URLS": ",".join(f"{name}={url}"
                                                for name, url in self.provider_urls().items())}

    def provider_urls(self) -> dict[str, str]:
        """The paging providers' roots here, as `settings.provider_urls` holds them (for tests that
        patch the settings)."""
        return {"pagerduty": self.url("pagerduty"), "opsgenie": self.url("opsgenie"),
                "opsgenie_eu": self.url("opsgenie-eu"), "telegram": self.url("telegram"),
                "ntfy": self.url("ntfy")}

    def script(self, provider: str, *answers: tuple[int, Any] | str) -> None:
        """Answer the provider's next requests with these ((status, JSON body) or HANG), then as
        usual again."""
        with self._lock:
            self._scripts.setdefault(provider, []).extend(answers)

    def answer_next(self, *answers: str) -> None:
        """The next requests, whatever their provider, get these answers (names of ERRORS, or
        HANG), then the usual ones."""
        self.script(ANY, *(answer if answer == HANG else ERRORS[answer] for answer in answers))

    def of(self, provider: str) -> list[Received]:
        return [r for r in self.received if r.provider == provider]

    # --- dispatch ---------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        answer = self.handle(handler.path, dict(handler.headers), raw, method)
        if answer == HANG:                   # no answer until the test is over
            self._release.wait(10)
            return
        status, body = answer
        data = body.encode() if isinstance(body, str) else \
            b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type",
                            "text/plain" if isinstance(body, str) else "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, path: str, headers: dict, raw: bytes,
               method: str = "POST") -> tuple[int, Any] | str:
        """The answer to one request: (status, body: JSON, a text or None), or HANG."""
        first, _, rest = path.lstrip("/").partition("/")
        provider, path = (first, "/" + rest) if first in PAGING else (_alert_provider(path), path)
        request = Received(provider, method, path, headers, raw)
        with self._lock:
            self.received.append(request)
            scripted = self._scripts.get(provider) or self._scripts.get(ANY)
            if scripted:
                return scripted.pop(0)
            if provider not in PAGING:
                return self._success(request)
            handler = {"pagerduty": self._pagerduty, "opsgenie": self._opsgenie,
                       "opsgenie-eu": self._opsgenie, "telegram": self._telegram,
                       "ntfy": self._ntfy}[provider]
            return handler(path, headers, request.json)

    # --- PagerDuty Events API v2 ------------------------------------------------------------

    def _pagerduty(self, path: str, headers: dict, body) -> tuple[int, dict | None]:
        if path != "/v2/enqueue":
            return 404, None
        if not isinstance(body, dict):
            return 400, _pd_invalid("Event object is invalid")
        key = body.get("routing_key") or ""
        if len(key) != 32:
            return 400, _pd_invalid("Length of 'routing_key' is incorrect (should be 32 characters)")
        if key != PAGERDUTY_KEY:
            return 400, _pd_invalid("Invalid routing key")
        action, dedup = body.get("event_action"), body.get("dedup_key")
        if action not in ("trigger", "acknowledge", "resolve"):
            return 400, _pd_invalid("'event_action' is invalid (must be one of the following: "
                                    "'trigger', 'acknowledge' or 'resolve')")
        if action == "trigger":
            payload = body.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not payload.get(name):
                    return 400, _pd_invalid(f"'payload.{name}' is missing or blank")
            if payload["severity"] not in ("critical", "error", "warning", "info"):
                return 400, _pd_invalid("'payload.severity' is invalid")
            dedup = dedup or uuid.uuid4().hex
            _open_or_fold(self.pagerduty, dedup, "trigger")
        elif not dedup:
            return 400, _pd_invalid("'dedup_key' is missing or blank")
        else:
            alert = self.pagerduty.get(dedup)
            if alert is not None and alert.status != "resolved":   # else: ignored, still a 202
                alert.actions.append(action)
                alert.status = {"acknowledge": "acknowledged", "resolve": "resolved"}[action]
        return 202, {"status": "success", "message": "Event processed", "dedup_key": dedup}

    # --- Opsgenie Alert API -----------------------------------------------------------------

    def _opsgenie(self, path: str, headers: dict, body) -> tuple[int, dict | None]:
        request_id = str(uuid.uuid4())
        if headers.get("Authorization") != f"GenieKey {OPSGENIE_KEY}":
            return 401, {"message": "Could not authenticate", "took": 0.0,
                         "requestId": request_id}
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        accepted = {"result": "Request will be processed", "took": 0.01, "requestId": request_id}
        if segments == ["v2", "alerts"]:
            if not isinstance(body, dict) or not body.get("message"):
                return 422, {"message": "Request body is not processable. Please check the "
                                        "errors.", "errors": {"message": "Message can not be "
                                                                         "empty."},
                             "took": 0.0, "requestId": request_id}
            if len(body["message"]) > 130:
                return 422, {"message": "Request body is not processable. Please check the "
                                        "errors.", "errors": {"message": "Message can not be "
                                                                         "longer than 130"},
                             "took": 0.0, "requestId": request_id}
            _open_or_fold(self.opsgenie, body.get("alias") or request_id, "create")
            return 202, accepted
        if len(segments) == 4 and segments[:2] == ["v2", "alerts"] and \
                segments[3] in ("acknowledge", "close", "notes"):
            if parse_qs(parts.query).get("identifierType") != ["alias"]:
                return 404, {"message": "Alert with id does not exist", "took": 0.0,
                             "requestId": request_id}
            alert = self.opsgenie.get(unquote(segments[2]))
            # Opsgenie accepts an action on an unknown alias and fails it later, asynchronously.
            if alert is not None:
                alert.actions.append(segments[3])
                if segments[3] == "acknowledge" and alert.status == "triggered":
                    alert.status = "acknowledged"
                elif segments[3] == "close":
                    alert.status = "resolved"
            return 202, accepted
        return 404, {"message": "Not found", "took": 0.0, "requestId": request_id}

    # --- Telegram Bot API sendMessage -------------------------------------------------------

    def _telegram(self, path: str, headers: dict, body) -> tuple[int, dict | None]:
        token, _, method = path.strip("/").partition("/")
        if not token.startswith("bot") or ":" not in token:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if token[3:] != TELEGRAM_TOKEN:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method != "sendMessage":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        chat = str((body or {}).get("chat_id") or "")
        if chat == TELEGRAM_BLOCKED_CHAT:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot was blocked by the user"}
        if chat != TELEGRAM_CHAT:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: chat not found"}
        text = body.get("text") or ""
        if not text:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message text is empty"}
        if len(text) > 4096:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message is too long"}
        if body.get("parse_mode") == "HTML":
            problem = _telegram_html_problem(text)
            if problem:
                return 400, {"ok": False, "error_code": 400,
                             "description": f"Bad Request: can't parse entities: {problem}"}
        self.telegram.append(body)
        return 200, {"ok": True, "result": {"message_id": len(self.telegram),
                                            "chat": {"id": int(chat), "type": "supergroup"},
                                            "date": 1774362600, "text": text}}

    # --- ntfy publish -----------------------------------------------------------------------

    def _ntfy(self, path: str, headers: dict, body) -> tuple[int, dict | None]:
        if path != "/" or not isinstance(body, dict):
            return 404, {"code": 40401, "http": 404, "error": "page not found"}
        auth = headers.get("Authorization")
        if auth is not None and auth != f"Bearer {NTFY_TOKEN}":
            return 401, {"code": 40101, "http": 401, "error": "unauthorized",
                         "link": "https://ntfy.sh/docs/publish/#authentication"}
        topic = body.get("topic") or ""
        if topic == NTFY_PROTECTED_TOPIC and auth is None:
            return 403, {"code": 40301, "http": 403, "error": "forbidden",
                         "link": "https://ntfy.sh/docs/publish/#authentication"}
        if body.get("priority") not in (None, 1, 2, 3, 4, 5):
            return 400, {"code": 40007, "http": 400, "error": "invalid priority"}
        self.ntfy.append(body)
        return 200, {"id": uuid.uuid4().hex[:12], "time": 1774362600, "event": "message",
                     "topic": topic, "title": body.get("title"), "message": body.get("message"),
                     "priority": body.get("priority")}


    # --- the alert providers' successes --------------------------------------------------------

    def _success(self, request: Received) -> tuple[int, Any]:
        provider, number = request.provider, next(self._ids)
        if provider == "pushover":
            return 200, {"status": 1, "request": f"req-{number}"}
        if provider == "twilio":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            return 201, {"sid": f"SM{number:032x}", "status": "queued", "to": form.get("To"),
                         "from": form.get("From"), "body": form.get("Body"), "num_segments": "1"}
        if provider == "matrix" and request.method == "PUT":
            return 200, {"event_id": self._matrix_event(request, number)}
        if provider == "zulip":
            return 200, {"result": "success", "msg": "", "id": number}
        if provider == "gotify":
            return 200, {"id": number, "appid": 1, "date": "2026-03-24T14:30:05Z",
                         **json.loads(request.body or b"{}")}
        if provider == "google_chat":
            return 200, {"name": f"spaces/AAAA/messages/{number}", "text": "..."}
        return 200, "ok"                                   # Mattermost: a plain "ok"

    def _matrix_event(self, request: Received, number: int) -> str:
        room, _, txn = request.path.split("/rooms/", 1)[1].partition("/send/m.room.message/")
        key = (room, txn)
        if key not in self._events:              # a repeated transaction is the same event
            self._events[key] = f"$event{number}"
            self.room_messages.append(json.loads(request.body))
        return self._events[key]


def _alert_provider(path: str) -> str:
    return next((name for prefix, name in ALERT_PATHS if path.startswith(prefix)), "mattermost")


def _open_or_fold(alerts: dict[str, PagingAlert], key: str, action: str) -> None:
    """A new alert, or one more trigger folded into the open one with the same key (PagerDuty's
    dedup key, Opsgenie's alias): the provider opens nothing new for it."""
    alert = alerts.get(key)
    if alert is None or alert.status == "resolved":
        alerts[key] = PagingAlert(key, actions=[action])
    else:
        alert.triggers += 1
        alert.actions.append(action)


def _pd_invalid(error: str) -> dict:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": [error]}


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in TELEGRAM_TAGS:
            self.problem = self.problem or f"Unsupported start tag \"{tag}\""
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.problem = self.problem or f"Unexpected end tag \"{tag}\""

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.problem = self.problem or f"Unsupported HTML entity \"&{name};\""


def _telegram_html_problem(text: str) -> str | None:
    """What Telegram would refuse in an HTML-mode text: an unknown tag, a tag left open or
    closed out of order, an unknown named entity, a bare `<`."""
    for match in re.finditer("<", text):
        if not _TAG.match(text, match.start()):
            return f"Unclosed start tag at byte offset {match.start()}"
    for match in re.finditer("&", text):
        if not _ENTITY.match(text, match.start()):
            return f"Unsupported HTML entity at byte offset {match.start()}"
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.problem is None and parser.open:
        parser.problem = f"Can't find end tag corresponding to start tag \"{parser.open[-1]}\""
    return parser.problem


_TAG = re.compile(r"</?[a-z][a-z-]*(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
