"""Settings: API keys (create with scope checkboxes, the key shown once with a copy button, the
masked list, revoke) and the account (plan, add-ons, usage against each limit). Both need `*`,
as in the API: Owners and Admins."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts import routes as account_api
from chalicelib.accounts import key_routes as keys_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.scopes import FULL_ACCESS, SCOPES
from chalicelib.web import forms, invites
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)


def _keys_page(web: Web, created: dict | None = None, errors: dict | None = None,
               status: int = 200):
    keys = web.api(keys_api.list_keys, query={"limit": str(MAX_LIMIT)})["items"]
    return web.render("keys.html", status=status, section="keys", keys=keys, created=created,
                      scopes=(FULL_ACCESS, *SCOPES), errors=errors or {})


@page(bp, "/settings/keys", ["GET", "POST"])
def keys(web: Web):
    if web.request.method == "GET":
        return _keys_page(web)
    body = forms.body_from(web.form, texts=("name",), lists=("scopes",))
    body.setdefault("scopes", [])
    try:
        created = web.api(keys_api.create_key, body=body)
    except ValidationError as exc:
        return _keys_page(web, errors=forms.errors_of(exc), status=400)
    # Shown in this answer only, never stored in a page or a redirect: the key is shown once.
    return _keys_page(web, created=created, status=201)


@page(bp, "/settings/keys/{key_id}/revoke", "POST", scope=FULL_ACCESS)
def revoke(web: Web, key_id: str):
    web.api(keys_api.revoke_key, key_id=key_id)
    return web.redirect("/settings/keys", notice="revoked")


@page(bp, "/account", ["GET", "POST"])
def account(web: Web):
    summary = web.api(account_api.get_my_account)   # `*`: Owners and Admins only
    rows = [(name, summary["usage"].get(name), limit)
            for name, limit in summary["limits"].items() if name in summary["usage"]]
    errors, invited, status = {}, None, 200
    if web.request.method == "POST":
        assert web.session is not None
        try:
            invites.invite(web.session.account_id, web.field("email"), web.field("role"),
                           web.session.email, web.now)
            invited, status = web.field("email"), 201
        except ValidationError as exc:
            errors, status = forms.errors_of(exc), 400
    return web.render("account.html", status=status, section="account", account=summary,
                      rows=rows, roles=invites.INVITE_ROLES, errors=errors, invited=invited)
