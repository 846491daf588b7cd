"""Sign-in, sign-out and the dashboard's static files.

Sign-in is by email and password (once a person has set one, `views_members.py`), or by
one-time link: `python -m local login` (printed by `make run` too) locally,
`python -m infra.signin` against a deployed stage (the first user of a stage; see README), or an
invitation. Opening a link shows a button; pressing it (a POST) trades the link for a session, so
a mail scanner that fetches the link uses nothing up. A wrong email and a wrong password get the
same answer (`accounts/users.py`)."""
from __future__ import annotations

from datetime import datetime, timezone

from chalice import Blueprint, Response

from chalicelib.accounts import members, passwords, users
from chalicelib.kernel.errors import ValidationError
from chalicelib.storage import rate_limits as rate_store
from chalicelib.web import assets, forms, sessions
from chalicelib.web.pages import Web, page, session_cookie, session_token

bp = Blueprint(__name__)

# Sign-in attempts per client address and window: a link is 256 random bits, so guessing is
# hopeless anyway; this keeps a flood of attempts from costing DynamoDB reads (and scrypt time).
# Passwords have a lockout per email address besides (`accounts/lockout.py`).
SIGN_IN_ATTEMPTS, SIGN_IN_WINDOW_SECONDS = 20, 900


def sign_in_allowed(web: Web) -> bool:
    """Count one attempt from this client's address; False once its window is full."""
    address = ((web.request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"
    start = int(web.now.timestamp()) // SIGN_IN_WINDOW_SECONDS * SIGN_IN_WINDOW_SECONDS
    expires = datetime.fromtimestamp(start + 2 * SIGN_IN_WINDOW_SECONDS, timezone.utc)
    return rate_store.take_one(f"web-signin#{address}#{start}", SIGN_IN_ATTEMPTS,
                               expires) is not None


@page(bp, "/signin", ["GET", "POST"], public=True)
def sign_in(web: Web):
    if web.request.method == "GET":
        if web.session is not None:
            return web.redirect("/")
        return web.render("signin.html", state="needed")
    if not sign_in_allowed(web):
        return web.render("error.html", status=429, status_code=429,
                          message="Too many sign-in attempts from here. Wait 15 minutes.")
    if "link" not in web.form:
        return _sign_in_with_password(web)
    session = sessions.redeem_link(web.field("link"), web.now)
    if session is None:
        return web.render("signin.html", status=400, state="expired")
    return _signed_in(web, session)


def _password_form(web: Web, status: int, errors: dict, **extra):
    return web.render("signin.html", status=status, state="needed", errors=errors,
                      email=web.field("email"), **extra)


def _typed_password_problem(password: str) -> str | None:
    if not password:
        return "enter your password"
    if len(password) > passwords.MAX_LENGTH:
        return f"is longer than {passwords.MAX_LENGTH} characters: no password is"
    return None


def _sign_in_with_password(web: Web):
    password = (web.form.get("password") or [""])[-1]    # as typed: spaces count
    errors, email = {}, ""
    try:
        email = forms.email_address(web.field("email"))
    except ValidationError as exc:
        errors = forms.errors_of(exc)
    if problem := _typed_password_problem(password):
        errors["password"] = problem
    if errors:
        return _password_form(web, 400, errors)
    checked = users.check_password(email, password, web.now)
    if checked.locked_until is not None:
        return _password_form(web, 429, {}, locked_until=checked.locked_until)
    if checked.user is None:
        return _password_form(web, 400, {"_form": "Wrong email or password."})
    member = members.first_membership(email)
    if member is None:
        return _password_form(web, 403, {"_form": "You are not a member of any account any "
                                                   "more. Ask an Owner for an invitation."})
    return _signed_in(web, sessions.open_session(member.account_id, member.email, member.role,
                                                 web.now))


def _signed_in(web: Web, session: sessions.Session):
    response = web.redirect("/")
    lifetime = int((session.expires_at - web.now).total_seconds())
    response.headers["Set-Cookie"] = session_cookie(web.request, session.token, lifetime)
    return response


@page(bp, "/signin/{link}", public=True)
def sign_in_link(web: Web, link: str):
    if not sessions.link_is_valid(link, web.now):
        return web.render("signin.html", status=404, state="expired")
    return web.render("signin.html", state="confirm", link=link)


@page(bp, "/session")
def session_page(web: Web):
    return web.render("session.html", section="")


@page(bp, "/signout/everywhere", "POST")
def sign_out_everywhere(web: Web):
    assert web.session is not None
    sessions.end_every_session(web.session.account_id, web.session.email)
    response = web.redirect("/signin", notice="signed-out")
    response.headers["Set-Cookie"] = session_cookie(web.request, "", 0)
    return response


@page(bp, "/signout", "POST")
def sign_out(web: Web):
    sessions.end_session(session_token(web.request) or "")
    response = web.redirect("/signin", notice="signed-out")
    response.headers["Set-Cookie"] = session_cookie(web.request, "", 0)
    return response


@bp.route("/static/{digest}/{name}", methods=["GET"])
def static_file(digest: str, name: str):
    found = assets.lookup(digest, name)
    if found is None:
        return Response(body="Not found", status_code=404,
                        headers={"Content-Type": "text/plain; charset=utf-8"})
    body, content_type = found
    return Response(body=body, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": assets.LONG_CACHE,
                             "X-Content-Type-Options": "nosniff"})


