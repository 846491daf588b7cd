"""Local stand-ins for the paging and push providers (all on 127.0.0.1, one server): PagerDuty's
Events API v2, Opsgenie's Alert API (US and EU roots), Telegram's Bot API `sendMessage` and an
ntfy server. Each answers as its provider documents it, error answers included, and keeps what
the provider would: PagerDuty's and Opsgenie's alerts by dedup key / alias (a second trigger of an
open alert opens nothing new), Telegram's and ntfy's messages.

    standins = ProviderStandins().start()
    LocalStack(..., env=standins.env())          # the product's provider roots point here
    standins.script("pagerduty", PAGERDUTY_THROTTLED)   # the next answer, then normal again
    standins.stop()

Known credentials: `PAGERDUTY_KEY`, `OPSGENIE_KEY`, `TELEGRAM_TOKEN` and its chat `TELEGRAM_CHAT`,
`NTFY_TOKEN` for the protected topic `NTFY_PROTECTED_TOPIC`. Anything else gets the provider's
answer for a wrong key, an unknown chat, a forbidden topic.
"""
from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@dataclass
class Received:
    provider: str
    path: str
    headers: dict
    body: dict


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
        self._scripts: dict[str, list[tuple[int, dict | None]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> "ProviderStandins":
        standins = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, body = standins.handle(self.path, dict(self.headers), raw)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
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
        """The settings that point the product's provider roots here (`settings.PROVIDER_URLS`)."""
        return {"ENORI_PAGERDUTY_URL": self.url("pagerduty"),
                "ENORI_OPSGENIE_URL": self.url("opsgenie"),
                "ENORI_OPSGENIE_EU_URL": self.url("opsgenie-eu"),
                "ENORI_TELEGRAM_URL": self.url("telegram"),
                "ENORI_NTFY_URL": self.url("ntfy")}

    def provider_urls(self) -> dict[str, str]:
        """The same, as `settings.provider_urls` (for tests that patch the settings)."""
        return {"pagerduty": self.url("pagerduty"), "opsgenie": self.url("opsgenie"),
                "opsgenie_eu": self.url("opsgenie-eu"), "telegram": self.url("telegram"),
                "ntfy": self.url("ntfy")}

    def script(self, provider: str, *answers: tuple[int, dict | None]) -> None:
        """Answer the provider's next requests with these, then as usual again."""
        with self._lock:
            self._scripts.setdefault(provider, []).extend(answers)

    def of(self, provider: str) -> list[Received]:
        return [r for r in self.received if r.provider == provider]

    # --- dispatch ---------------------------------------------------------------------------

    def handle(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict | None]:
        provider, _, rest = path.lstrip("/").partition("/")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        with self._lock:
            self.received.append(Received(provider, "/" + rest, headers, body))
            scripted = self._scripts.get(provider)
            if scripted:
                return scripted.pop(0)
            handler = {"pagerduty": self._pagerduty, "opsgenie": self._opsgenie,
                       "opsgenie-eu": self._opsgenie, "telegram": self._telegram,
                       "ntfy": self._ntfy}.get(provider)
            if handler is None:
                return 404, {"error": "no such provider"}
            return handler("/" + rest, headers, body)

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
            alert = self.pagerduty.get(dedup)
            if alert is None or alert.status == "resolved":
                self.pagerduty[dedup] = PagingAlert(dedup, actions=["trigger"])
            else:
                alert.triggers += 1
                alert.actions.append("trigger")
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
            alias = body.get("alias") or request_id
            alert = self.opsgenie.get(alias)
            if alert is None or alert.status == "resolved":
                self.opsgenie[alias] = PagingAlert(alias, actions=["create"])
            else:
                alert.triggers += 1
                alert.actions.append("create")
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
