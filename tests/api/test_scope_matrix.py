"""Scopes × routes, generated from the route table (`chalicelib.api.http.ROUTES`).

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

from app import app
from chalicelib.scopes import FULL_ACCESS, SCOPES, VALID_SCOPES
from route_table import (PRIVATE, PUBLIC, UNKNOWN_PARAM_MESSAGE, fill, random_values, route_key,
                         unknown_private_params)

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

    from chalicelib.apikeys import issue_key, revoke_key
    from chalicelib.clock import FakeClock, SystemClock
    from chalicelib.runtime import runtime

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
    from chalicelib.runtime import runtime

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
