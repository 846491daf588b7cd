"""The dashboard's plumbing: sessions from the cookie, CSRF on every POST, the API's handlers
called in-process with the session's scopes, templates and the security headers.

A page handler is `handler(web, **path_params)` and returns `web.render(...)` or
`web.redirect(...)`. It reaches data only through `web.api(<API handler>, ...)`: the very
function that serves the API's route, given a `Call` whose principal is the signed-in person
(scopes from their role, `roles.py`). So validation, tenant walls and plan limits are the API's
own, and a Viewer's POST fails the same scope check a read-only key would.

HTML routes are registered with `bp.route`, not `api.http.endpoint`: they are not in `ROUTES`,
so neither the OpenAPI document nor the API suites list them.
"""
from __future__ import annotations

import functools
import json
import logging
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode

import jinja2
from chalice import Blueprint, Response
from chalice.app import MultiDict

from chalicelib.http import auth
from chalicelib.kernel import scopes
from chalicelib.http.endpoint import ROUTES, Call, check_path
from chalicelib.kernel.errors import EnoriError, InsufficientScopeError, NotFoundError
from chalicelib.kernel.runtime import runtime
from chalicelib.web import assets, roles, sessions

log = logging.getLogger("enori.web")

TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE = "enori_session"
SECURE_COOKIE = "__Host-enori_session"   # the prefix browsers accept only with Secure, Path=/
# A GET has no Content-Type, which Chalice reads as JSON.
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json",
              "text/plain"]
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                    "Cache-Control": "no-store"}
# What a redirect after a POST may say (`?notice=`): known words only, so a crafted link cannot
# put text of its own on a page.
NOTICES = {
    "created": "Created.", "saved": "Saved.", "deleted": "Deleted.", "paused": "Paused.",
    "resumed": "Resumed.", "queued": "Check queued.", "acknowledged": "Acknowledged.",
    "resolved": "Resolved.", "updated": "Update posted.", "revoked": "Key revoked.",
    "signed-out": "You are signed out.",
}


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["when"] = when
    return env


def when(value: str | None) -> str:
    """An ISO time as `2026-03-24 10:00 UTC` (its own ISO string in the `datetime` attribute)."""
    if not value:
        return "—"
    return value.replace("T", " ")[:16] + " UTC"


@dataclass
class FormRequest:
    """What an API handler reads of a request, built from a page's form or query."""
    raw_body: bytes
    query_params: MultiDict | None
    method: str
    headers: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)


def answered(answer: Any) -> Any:
    """A route's answer as a page reads it: a JSON body the route answered already encoded
    (`endpoint.encoded_response`: the monitor list, encoded once for all the callers of a
    shared read) decoded again; any other answer as it is."""
    if isinstance(answer, Response) and str((answer.headers or {}).get(
            "Content-Type", "")).startswith("application/json"):
        return json.loads(answer.body)
    return answer


@functools.lru_cache(maxsize=None)
def route_of(handler: Callable) -> dict:
    """The API's route-table entry (method, path, scope, rate tier) of an API handler."""
    found = [r for r in ROUTES if r["handler"] == handler.__name__ and not r["public"]]
    if len(found) != 1:
        raise LookupError(f"{handler.__name__} is not one private API route")
    return found[0]


class Web:
    """One page request: the session, the form, and the API's handlers on the person's behalf."""

    def __init__(self, request, session: sessions.Session | None, root: str) -> None:
        self.request = request
        self.session = session
        self.root = root
        self._form: dict[str, list[str]] | None = None
        self.principal = None if session is None else auth.Principal(
            session.account_id, f"web:{session.account_id}:{session.email}", session.email,
            roles.scopes_for(session.role))

    @property
    def now(self):
        return runtime.clock.now()

    # -- input
    def query(self, name: str, default: str = "") -> str:
        params = self.request.query_params or {}
        return params.get(name, default) if params else default

    @property
    def form(self) -> dict[str, list[str]]:
        if self._form is None:
            raw = (self.request.raw_body or b"").decode("utf-8", "replace")
            self._form = parse_qs(raw, keep_blank_values=True)
        return self._form

    def field(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        return values[-1].strip() if values else default

    def fields(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.get(name, []) if v.strip()]

    # -- the API, in-process
    def can(self, scope: str) -> bool:
        return self.principal is not None and scopes.grants(self.principal.scopes, scope)

    def api(self, handler: Callable, body: Any = None, query: dict | None = None, *,
            run: Callable | None = None, **params: str) -> Any:
        """What `handler` (an API route's function) answers for this person; its errors raise.
        `run`: a function of the route's `Call` that the handler is built on, answered in its
        place under the route's scope and checks (a page that needs the stored items, not
        their representation)."""
        route = route_of(handler)
        handler = run or handler
        method, path, scope = route["method"], route["path"], route["scope"]
        if not self.can(scope):
            raise InsufficientScopeError(f"Your role cannot do this (it needs {scope}).")
        check_path(params)
        raw = b"" if body is None else json.dumps(body).encode()
        query_params = MultiDict({k: v if isinstance(v, list) else [v]
                                  for k, v in (query or {}).items() if v not in (None, "")})
        request = FormRequest(raw, query_params or None, method)
        call = Call(request, self.principal, params, route=(method, path))
        if route["rate"] is None:
            return answered(handler(call, **params))
        # The route's own tier (create monitor, check now, test alert) counts per person as it
        # does per key, given back if the work fails; page views are not counted as reads.
        with call.charge(route["rate"]):
            return answered(handler(call, **params))

    # -- output
    def url(self, path: str, **query: Any) -> str:
        wanted = {k: v for k, v in query.items() if v not in (None, "")}
        return self.root + path + (("?" + urlencode(wanted, doseq=True)) if wanted else "")

    def render(self, template: str, status: int = 200, **data: Any) -> Response:
        notice = NOTICES.get(self.query("notice"))
        body = environment().get_template(template).render(
            web=self, url=self.url, asset=lambda name: self.root + assets.url(name),
            notice=notice, user=self.session, **data)
        return Response(body=body, status_code=status,
                        headers={"Content-Type": "text/html; charset=utf-8"})

    def redirect(self, path: str, **query: Any) -> Response:
        return Response(body="", status_code=303, headers={"Location": self.url(path, **query)})


def site_root(request) -> str:
    """The path prefix before the app's routes (`/dev` on an API Gateway stage URL, else '')."""
    context = request.context or {}
    path, resource = context.get("path") or "", context.get("resourcePath") or ""
    for name, value in (request.uri_params or {}).items():
        resource = resource.replace("{" + name + "}", value)
    return path[:-len(resource)] if resource and path.endswith(resource) else ""


def is_https(request) -> bool:
    return (request.headers.get("x-forwarded-proto") or "").lower() == "https"


def session_token(request) -> str | None:
    try:
        jar = SimpleCookie(request.headers.get("cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(SECURE_COOKIE if is_https(request) else COOKIE)
    return morsel.value if morsel else None


def session_cookie(request, token: str, max_age: int) -> str:
    """The Set-Cookie value: HttpOnly, SameSite=Lax, and Secure with the `__Host-` name on
    HTTPS (locally the app is plain HTTP, where a Secure cookie would not be sent back)."""
    secure = is_https(request)
    name = SECURE_COOKIE if secure else COOKIE
    return (f"{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure else ""))


def page(bp: Blueprint, path: str, methods: list[str] | str = "GET", *,
         scope: str | None = None, public: bool = False) -> Callable:
    """Declare a dashboard route. Private pages need a session (else the sign-in page); every
    POST needs the session's CSRF token and, when `scope` is given, a role that grants it."""
    methods = [methods] if isinstance(methods, str) else list(methods)

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            started = time.perf_counter()
            request = bp.current_request
            root = site_root(request)
            session = sessions.load_session(session_token(request), runtime.clock.now())
            web = Web(request, session, root)
            try:
                if not public:
                    if session is None:
                        return _to_sign_in(web, request)
                    if request.method == "POST" and not sessions.csrf_matches(
                            session, web.field("csrf")):
                        return error_page(web, 403, "This form has expired. Reload the page "
                                                    "and try again.")
                    if scope is not None and not web.can(scope):
                        raise InsufficientScopeError("Your role cannot change this.")
                check_path(params)
                response = handler(web, **params)
            except NotFoundError:
                response = error_page(web, 404, "There is nothing here, or it is not yours "
                                                "to see.")
            except EnoriError as error:
                response = error_page(web, error.status, error.message)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, path)
                response = error_page(web, 500, "Something went wrong on our side.")
            # The server's own time for the page (data and template), for the browser's developer
            # tools and bench/dashboard.py; the transport is not in it.
            took = (time.perf_counter() - started) * 1000
            response.headers = {**SECURITY_HEADERS, **(response.headers or {}),
                                "Server-Timing": f"app;dur={took:.1f}"}
            return response

        bp.route(path, methods=methods, content_types=FORM_TYPES)(view)
        return handler

    return decorate


def _to_sign_in(web: Web, request) -> Response:
    if request.method != "GET":
        return error_page(web, 401, "Your session has ended. Sign in again.")
    return web.render("signin.html", status=401, state="needed")


def error_page(web: Web, status: int, message: str) -> Response:
    return web.render("error.html", status=status, status_code=status, message=message)


def confirmed_delete(web: Web, delete: Callable[[], Any], *, path: str, name: str, thing: str,
                     message: str, gone_to: str, section: str) -> Response:
    """`{path}/delete`: GET asks "Delete {name}?" (POST-only buttons cannot be followed by a
    crawler or a prefetch); POST calls `delete` (the API's handler, through `web.api`) and goes
    to `gone_to`."""
    if web.request.method == "POST":
        delete()
        return web.redirect(gone_to, notice="deleted")
    return web.render("confirm.html", section=section, title=f"Delete {name}?", message=message,
                      action=f"{path}/delete", button=f"Delete {thing}", back=path)
