"""Scopes × routes, generated from the route table (`chalicelib.http.endpoint.ROUTES`).

Every private route is called with a key of each scope, a full-access key, a revoked key and no
key; what each must answer follows from the scope the route declares: `*` and the route's own
scope pass (any answer but 401/403: the ids are random and the body empty, so 400 and 404 are
fine), every other scope gets 403 INSUFFICIENT_SCOPE, a revoked key or none 401 UNAUTHORIZED.
Every authenticated answer carries the X-RateLimit-* headers. Public routes answer without a key.
"""
from __future__ import annotations

import json

import pytest
from chalice.test import Client

from apitools import aws_calls
from app import app
from chalicelib.http.endpoint import PATH_SHAPES, ROUTES
from chalicelib.kernel.scopes import FULL_ACCESS, SCOPES, VALID_SCOPES
from route_table import (NOT_IDS, PRIVATE, PUBLIC, TOO_LONG, UNKNOWN_PARAM_MESSAGE, fill,
                         params_of, random_values, route_key, too_long, unknown_private_params)

KEYS = [*SCOPES, FULL_ACCESS]
OUTSIDERS = ["revoked key", "no key"]
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
ALLOWED = "allowed (not 401/403/5xx)"


@pytest.fixture(scope="module")
def keyring(moto_session):
    """One account with a key per scope, a full-access key and a revoked key, built once per
    module (and worker): the tables are emptied here, not per test."""
    from apitools import make_account
    from awsfixtures import empty_everything

    from chalicelib.accounts.keys import issue_key, revoke_key
    from chalicelib.kernel.clock import FakeClock, SystemClock
    from chalicelib.kernel.runtime import runtime

    empty_everything()
    runtime.clock = FakeClock()
    try:
        account_id, full_key = make_account("Business")
        now = runtime.clock.now()
        keys = {scope: issue_key(account_id, scope, [scope], now)[1] for scope in SCOPES}
        revoked, keys["revoked key"] = issue_key(account_id, "revoked", [FULL_ACCESS], now)
        revoke_key(account_id, revoked.key_id)
        keys[FULL_ACCESS], keys["no key"] = full_key, None
        with Client(app) as client:
            yield client, keys
    finally:
        runtime.clock = SystemClock()


@pytest.fixture(autouse=True)
def fresh_minute(keyring):
    """Each route's calls in a new rate-limit minute: every key makes one call per route."""
    from chalicelib.kernel.runtime import runtime

    runtime.clock.advance(60)


def call(client, route: dict, key: str | None):
    headers = {"X-API-Key": key} if key else {}
    body = b""
    if route["method"] in ("POST", "PUT", "PATCH"):
        headers["Content-Type"] = "application/json"
        body = json.dumps({})
    return client.http.request(route["method"], fill(route["path"], random_values(route["path"])),
                               headers=headers, body=body)


def outcome(response) -> str | tuple:
    if response.status_code not in (401, 403) and response.status_code < 500:
        return ALLOWED
    try:
        code = json.loads(response.body).get("code")
    except (ValueError, AttributeError):
        code = None
    return response.status_code, code


def expected(route: dict, label: str) -> str | tuple:
    if label in OUTSIDERS:
        return 401, "UNAUTHORIZED"
    if label in (FULL_ACCESS, route["scope"]):
        return ALLOWED
    return 403, "INSUFFICIENT_SCOPE"


def test_every_route_declares_a_known_scope():
    unknown = [(route_key(r), r["scope"]) for r in PRIVATE if r["scope"] not in VALID_SCOPES]
    assert not unknown, f"routes with a scope no key can hold (only `*` reaches them): {unknown}"


def test_every_scope_opens_at_least_one_route():
    used = {r["scope"] for r in PRIVATE}
    assert not [s for s in SCOPES if s not in used], "a scope that grants nothing"


def test_every_private_path_parameter_has_an_id_prefix_or_a_reason():
    unknown = unknown_private_params()
    assert not unknown, UNKNOWN_PARAM_MESSAGE.format(names=sorted(unknown))


@pytest.mark.parametrize("route", [pytest.param(r, id=route_key(r)) for r in PRIVATE])
def test_each_key_gets_what_the_routes_scope_says(keyring, route):
    client, keys = keyring
    seen, unmetered = {}, []
    for label in KEYS + OUTSIDERS:
        response = call(client, route, keys[label])
        seen[label] = outcome(response)
        sent = {name.lower() for name in response.headers}
        if label in KEYS and not sent.issuperset(RATE_HEADERS):
            unmetered.append((label, response.status_code))
    assert seen == {label: expected(route, label) for label in KEYS + OUTSIDERS}
    assert not unmetered, f"authenticated answers without X-RateLimit-* headers: {unmetered}"


@pytest.mark.parametrize("route", [pytest.param(r, id=route_key(r)) for r in PUBLIC])
def test_a_public_route_answers_without_a_key(keyring, route):
    client, _ = keyring
    response = call(client, route, None)
    assert response.status_code not in (401, 403) and response.status_code < 500, response.body


# --- path values that cannot name anything ------------------------------------------------------

# Each path parameter too long alone, and all of them at once on routes with several.
TOO_LONG_CASES = [pytest.param(r, names, id=f"{route_key(r)} {'+'.join(names)}")
                  for r in ROUTES for names in
                  [[n] for n in params_of(r["path"])] + ([params_of(r["path"])]
                                                         if len(params_of(r["path"])) > 1 else [])]
# A body valid for the upsert by name, so its 400 is about the name in the path.
WEBSITE = {"type": "Website", "url": "https://a.example.com"}


def test_the_edge_knows_the_shape_of_every_path_parameter():
    unknown = {n for r in ROUTES for n in params_of(r["path"])} - set(PATH_SHAPES) - set(NOT_IDS)
    assert not unknown, (f"path parameters {sorted(unknown)}: say what they can be in "
                         "PATH_SHAPES of chalicelib/http/endpoint.py (or why not in NOT_IDS of "
                         "tests/route_table.py)")


@pytest.mark.parametrize("route, names", TOO_LONG_CASES)
def test_a_path_value_too_long_to_be_a_key_is_refused_before_any_lookup(keyring, route, names):
    client, keys = keyring
    values = {**random_values(route["path"]), **{n: too_long(n) for n in names}}
    headers = {"Content-Type": "application/json"}
    if not route["public"]:
        headers["X-API-Key"] = keys[FULL_ACCESS]
    body = json.dumps(WEBSITE) if route["method"] in ("POST", "PUT") else b""
    with aws_calls(with_params=True) as calls:
        response = client.http.request(route["method"], fill(route["path"], values),
                                       headers=headers, body=body)
    reached = [operation for operation, params in calls if "a" * TOO_LONG in repr(params)]
    assert not reached, f"{reached}: the value reached DynamoDB (which refuses such keys: a 500)"
    if route["public"]:
        assert calls == []
    if set(names) & set(NOT_IDS):   # the upsert's name is the body's: a 400 naming it
        assert response.status_code == 400, response.body
        assert [d["field"] for d in json.loads(response.body)["details"]] == ["name"]
        return
    assert response.status_code == 404, response.body
    if route["method"] != "HEAD":
        assert json.loads(response.body)["code"] == "NOT_FOUND"
