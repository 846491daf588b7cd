"""/api/keys: create (the full key shown once), list (masked), revoke."""
from chalice import Blueprint

from chalicelib.accounts import keys as apikeys
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ValidationError
from chalicelib.accounts.models import ApiKeyCreate
from chalicelib.accounts.representations import KEY_CREATE, ApiKeyCreated, ApiKeyList
from chalicelib.http.contract import PAGING, Body, query
from chalicelib.kernel.scopes import FULL_ACCESS

bp = Blueprint(__name__)


def key_out(item) -> dict:
    return {"id": item.key_id, "name": item.name, "maskedKey": apikeys.masked(item.prefix),
            "scopes": list(item.scopes), "createdAt": iso(item.created_at)}


@endpoint(bp, "/api/keys", "POST", scope=FULL_ACCESS, status=201,
          body=Body(ApiKeyCreate, example=KEY_CREATE), returns=ApiKeyCreated)
def create_key(call: Call):
    body = call.body(ApiKeyCreate)
    item, full_key = apikeys.issue_key(call.account_id, body.name, body.scopes, call.clock.now())
    return {**key_out(item), "key": full_key}


@endpoint(bp, "/api/keys", "GET", scope=FULL_ACCESS, query=PAGING, returns=ApiKeyList)
def list_keys(call: Call):
    limit, offset = call.paging()
    return page([key_out(k) for k in apikeys.list_keys(call.account_id)], limit, offset)


@endpoint(bp, "/api/keys/{key_id}", "DELETE", scope=FULL_ACCESS, query=[
    query("force", {"type": "boolean", "default": False},
          "Let a key revoke itself (else 409). The account's last full-access key is never "
          "revoked (409)")])
def revoke_key(call: Call, key_id: str):
    apikeys.revoke_key(call.account_id, key_id, caller_key_id=call.principal.key_id,
                       force=_force(call.query("force")))
    return None


def _force(raw: str | None) -> bool:
    """`?force=true` lets a key revoke itself; anything but true/false is a 400 naming it."""
    if raw is None or raw.lower() == "false":
        return False
    if raw.lower() == "true":
        return True
    raise ValidationError.for_field("force", "must be true or false")
