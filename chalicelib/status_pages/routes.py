"""/api/status-pages (private CRUD) and the public side of status pages: the JSON view, the HTML
page at /status/{slug}, email subscription with double opt-in, confirm and unsubscribe links.

The subscription routes serve both browsers and API clients: the subscribe form of the HTML
page posts `application/x-www-form-urlencoded`, clients post JSON, and each answer is a small
HTML page when the request's Accept prefers text/html, else JSON (errors included).
"""
from __future__ import annotations

from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib.accounts.service import require_account
from chalicelib.status_pages import (
    render as status_page_render,
    view as status_page_view,
    service as status_pages,
    subscriptions,
)
from chalicelib.http.endpoint import Call, endpoint, json_response, page
from chalicelib.kernel.errors import EnoriError, NotFoundError, ValidationError
from chalicelib.status_pages.models import StatusPageIn
from chalicelib.status_pages.representations import Message, StatusPage, StatusPageList
from chalicelib.http.contract import FORM, JSON, NO_BODY, OBJECT, Body, Success
from chalicelib.http.contract import HTML as HTML_MEDIA
from chalicelib.http.contract import PAGING
from chalicelib.storage import status_pages as store

bp = Blueprint(__name__)

HTML = "text/html; charset=utf-8"
# The pages load nothing: inline CSS only, no script, forms back to this origin.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
HTML_HEADERS = {"Content-Type": HTML, "Content-Security-Policy": CSP}
MESSAGE = Success(Message, media=(JSON, HTML_MEDIA),
                  description="JSON, or a small HTML page when Accept prefers text/html")
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60"}


# --- private CRUD ----------------------------------------------------------------------------

@endpoint(bp, "/api/status-pages", "GET", scope="status-pages:read", query=PAGING,
          returns=StatusPageList)
def list_status_pages(call: Call):
    limit, offset = call.paging()
    return page([status_pages.page_json(p) for p in status_pages.list_pages(call.account_id)],
                limit, offset)


@endpoint(bp, "/api/status-pages", "POST", scope="status-pages:write", status=201,
          body=StatusPageIn, representation=StatusPage)
def create_status_page(call: Call):
    account = require_account(call.account_id)
    item = status_pages.create_page(account, call.body(StatusPageIn), call.clock.now())
    return status_pages.page_json(item)


@endpoint(bp, "/api/status-pages/{page_id}", "GET", scope="status-pages:read",
          returns=StatusPage)
def get_status_page(call: Call, page_id: str):
    return status_pages.page_json(status_pages.require_page(call.account_id, page_id))


@endpoint(bp, "/api/status-pages/{page_id}", "PUT", scope="status-pages:write",
          body=StatusPageIn, representation=StatusPage)
def replace_status_page(call: Call, page_id: str):
    status_pages.require_page(call.account_id, page_id)  # 404 before any 400
    item = status_pages.replace_page(call.account_id, page_id, call.body(StatusPageIn),
                                     call.clock.now())
    return status_pages.page_json(item)


@endpoint(bp, "/api/status-pages/{page_id}", "DELETE", scope="status-pages:write")
def delete_status_page(call: Call, page_id: str):
    status_pages.delete_page(call.account_id, page_id)
    return None


# --- public pages ----------------------------------------------------------------------------

def _view(call: Call, slug: str) -> dict:
    view = status_page_view.public_view(slug, call.clock.now())
    if view is None:
        raise NotFoundError(f"No status page at '{slug}'.")
    return view


@endpoint(bp, "/api/public/status-pages/{slug}", "GET", public=True, returns=OBJECT)
def public_status_page(call: Call, slug: str):
    return json_response(_view(call, slug), headers=PUBLIC_CACHE)


@endpoint(bp, "/status/{slug}", "GET", public=True, returns=Success(
    {"type": "string"}, media=(HTML_MEDIA,), description="The public status page"))
def status_page_html(call: Call, slug: str):
    try:
        body, status = status_page_render.render_page(_view(call, slug)), 200
    except NotFoundError as error:
        body = status_page_render.render_message("Status page not found", error.message)
        status = 404
    return Response(body=body, status_code=status, headers={**HTML_HEADERS, **PUBLIC_CACHE})


# --- subscriptions ---------------------------------------------------------------------------

def prefers_html(request) -> bool:
    """True when Accept ranks text/html above application/json (a browser's form post)."""
    weights = {"text/html": 0.0, "application/json": 0.0}
    for part in (request.headers.get("accept") or "").split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.strip().lower() in weights:
            weights[media.strip().lower()] = max(weights[media.strip().lower()], quality)
    return weights["text/html"] > weights["application/json"]


def _answer(call: Call, status: int, title: str, message: str, back: str | None,
            body: dict) -> Response:
    if prefers_html(call.request):
        return Response(body=status_page_render.render_message(title, message, back),
                        status_code=status, headers=dict(HTML_HEADERS))
    return json_response(body, status)


def _html_errors(handler):
    """Errors as a small HTML page for browsers; the JSON envelope (raised on) for the rest."""
    def wrapped(call: Call, **params):
        try:
            return handler(call, **params)
        except EnoriError as error:
            if not prefers_html(call.request):
                raise
            return Response(body=status_page_render.render_message(error.title_override
                                                                   or error.title, error.message),
                            status_code=error.status, headers={**HTML_HEADERS,
                                                               **error.headers})
    wrapped.__name__ = handler.__name__
    return wrapped


def _subscribe_body(call: Call) -> dict:
    content_type = (call.request.headers.get("content-type") or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        raw = (call.request.raw_body or b"").decode("utf-8", errors="replace")
        return {name: values[-1] for name, values in parse_qs(raw).items()}
    return call.json()


@endpoint(bp, "/api/public/status-pages/{slug}/subscribe", "POST", public=True, status=202,
          body=Body(subscriptions.SubscribeIn, media=(JSON, FORM)), returns=MESSAGE, errors=(429,))
@_html_errors
def subscribe(call: Call, slug: str):
    item = store.find_by_slug(slug)
    if item is None:
        raise NotFoundError(f"No status page at '{slug}'.")
    data = _subscribe_body(call)
    if not isinstance(data, dict):
        raise ValidationError.for_field("email", "required")
    body = call.body_of(data, subscriptions.SubscribeIn.model_validate)
    subscriptions.subscribe(item, body.email, call.clock.now())
    return _answer(call, 202, "Check your inbox",
                   f"If {body.email} can receive email, a confirmation link is on its way. "
                   "Updates start once you confirm.", f"/status/{slug}",
                   {"message": "Check your inbox for a confirmation link."})


@endpoint(bp, "/api/public/subscriptions/{token}/confirm", "GET", public=True,
          returns=MESSAGE)
@_html_errors
def confirm_subscription(call: Call, token: str):
    item = subscriptions.confirm(token, call.clock.now())
    back = f"/status/{item.slug}" if item else None
    return _answer(call, 200, "Subscription confirmed",
                   f"You will get an email when {item.name if item else 'the page'} reports an "
                   "incident, an update or a resolution.", back, {"status": "confirmed"})


@endpoint(bp, "/api/public/subscriptions/{token}/unsubscribe", ["GET", "POST"], public=True,
          body=NO_BODY, returns=MESSAGE)
@_html_errors
def unsubscribe(call: Call, token: str):
    # POST: RFC 8058 one-click unsubscribe from the mail client (List-Unsubscribe-Post).
    item = subscriptions.unsubscribe(token)
    back = f"/status/{item.slug}" if item else None
    return _answer(call, 200, "Unsubscribed", "You will get no more emails from this status page.",
                   back, {"status": "unsubscribed"})
