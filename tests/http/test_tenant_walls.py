"""Tenant walls, generated from the route table (`chalicelib.http.endpoint.ROUTES`).

Account A (full-access key) calls every private route that takes a path parameter with account
B's ids: each answer must be exactly the answer for a missing id, and nothing of B may change.
Bodies that name other objects must refuse B's ids exactly like missing ones (400
INVALID_REFERENCE) and create nothing. Public routes that take ids are not tenant-scoped by
design; each is listed with its reason and must reveal nothing private, with or without a key.

A new route fails here until the tables below say how to call it.
"""
from __future__ import annotations

import itertools
import json
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

import pytest
from chalice.test import Client

from apitools import Api, make_account
from app import app
from chalicelib.kernel.ids import new_id
from route_table import (ID_PREFIXES, NOT_IDS, PRIVATE, PUBLIC, UNKNOWN_PARAM_MESSAGE, fill,
                         params_of, random_values, route_key, unknown_private_params)

# A minimal valid body for every private POST/PUT/PATCH route with a path parameter (None: the
# route takes no body). `mine` holds A's own ids, so bodies that must name a channel are valid.
WEBHOOK = {"name": "A hook", "type": "Webhook", "webhookUrl": "https://a.example.com/hook"}
WEBSITE = {"name": "A site", "type": "Website", "url": "https://a.example.com"}
BODIES = {
    "POST /api/alert-channels/{channel_id}/test": lambda mine: None,
    "PUT /api/alert-channels/{channel_id}": lambda mine: WEBHOOK,
    "PUT /api/escalation-policies/{policy_id}":
        lambda mine: {"name": "A policy", "levels": [{"channelIds": [mine["channel_id"]]}]},
    "POST /api/incidents/{incident_id}/acknowledge": lambda mine: None,
    "POST /api/incidents/{incident_id}/resolve": lambda mine: {"message": "Fixed by A"},
    "POST /api/incidents/{incident_id}/updates": lambda mine: {"message": "A was here"},
    "PUT /api/maintenance-windows/{window_id}":
        lambda mine: {"name": "A window", "startsAt": "2026-05-01T00:00:00Z",
                      "endsAt": "2026-05-01T01:00:00Z", "allMonitors": True},
    "PUT /api/monitors/{monitor_id}": lambda mine: WEBSITE,
    "PATCH /api/monitors/{monitor_id}": lambda mine: {"intervalSeconds": 300},
    "PUT /api/monitors/by-name/{name}": lambda mine: WEBSITE,
    "POST /api/monitors/{monitor_id}/pause": lambda mine: None,
    "POST /api/monitors/{monitor_id}/resume": lambda mine: None,
    "POST /api/monitors/{monitor_id}/check": lambda mine: None,
    "POST /api/monitors/{monitor_id}/rotate-token": lambda mine: None,
    "PUT /api/alert-rules/{rule_id}":
        lambda mine: {"name": "A rule", "allMonitors": True, "channelIds": [mine["channel_id"]]},
    "PUT /api/status-pages/{page_id}":
        lambda mine: {"name": "A page", "slug": "a-walls-page", "components": []},
    "PUT /api/teams/{team_id}": lambda mine: {"name": "A team"},
    "POST /api/teams/{team_id}/members": lambda mine: {"email": "a-new@example.com"},
}

# Fields that change by themselves between two reads of an untouched object.
VOLATILE = {"lastCheckedAt"}


class PooledApi(Api):
    """An Api spreading its requests over several keys of one account: with the clock standing
    still, the suite makes more requests than one key's rate limits allow."""

    def __init__(self, client, keys: list[str]) -> None:
        super().__init__(client, keys[0])
        self.pool = itertools.cycle(keys)

    def request(self, method, path, body=None, key="default", **kw):
        return super().request(method, path, body, key=next(self.pool) if key == "default"
                               else key, **kw)


@dataclass
class World:
    """Accounts A and B, B's objects (`ids`, by path-parameter name) and A's own (`mine`)."""
    a: Api
    b: Api
    ids: dict[str, str]
    job_id: str
    ping_token: str
    slug: str
    page_id: str
    mine: dict[str, str]
    secrets: list[str] = field(default_factory=list)   # B's private strings
    baseline: dict | None = None                      # B's last snapshot, if still current
    targets: dict | None = None                       # A's objects to PUT (`a_objects`)

    def ids_for(self, kind: str | None) -> dict[str, str]:
        return {**self.ids, "monitor_id": self.job_id} if kind == "Job" else self.ids


def created(response) -> dict:
    assert response.status_code in (200, 201), response.json
    return response.json


def account_with_pool(size: int) -> tuple[str, list[str]]:
    from chalicelib.accounts.keys import issue_key
    from chalicelib.kernel.runtime import runtime

    account_id, key = make_account("Business")
    return account_id, [key] + [issue_key(account_id, f"pool {n}", ["*"], runtime.clock.now())[1]
                                for n in range(size - 1)]


@pytest.fixture(scope="module")
def world(moto_session):
    """Built once per module (and worker): a test that breaks a wall shows in B's snapshot, and
    the next test compares against a fresh one. The clock stands still except in public tests."""
    from awsfixtures import empty_everything

    from chalicelib.kernel.clock import FakeClock, SystemClock
    from chalicelib.kernel.runtime import runtime

    empty_everything()
    runtime.clock = FakeClock()
    try:
        with Client(app) as client:
            yield build_world(client)
    finally:
        runtime.clock = SystemClock()


def build_world(client) -> World:
    b_account, b_keys = account_with_pool(1)   # B's reads are unmetered (`snapshot`)
    _, a_keys = account_with_pool(8)
    a, b = PooledApi(client, a_keys), PooledApi(client, b_keys)
    hook_url = "https://hooks.b-private.example.com/secret-hook"
    site_url = "https://b-private.example.com/health"
    channel = created(b.post("/api/alert-channels", {
        "name": "B hook", "type": "Webhook", "webhookUrl": hook_url}))["id"]
    team = created(b.post("/api/teams", {"name": "B ops",
                                         "members": [{"email": "b-oncall@example.com"}]}))
    policy = created(b.post("/api/escalation-policies", {"name": "B policy", "levels": [
        {"channelIds": [channel], "teamIds": [team["id"]]}]}))["id"]
    website = created(b.post("/api/monitors", {
        "name": "B site", "type": "Website", "url": site_url, "alertChannelIds": [channel],
        "escalationPolicyId": policy}))
    job = created(b.post("/api/monitors", {"name": "B job", "type": "Job",
                                           "periodSeconds": 3600}))
    rule = created(b.post("/api/alert-rules", {
        "name": "B rule", "monitorIds": [website["id"]], "channelIds": [channel],
        "escalationPolicyId": policy}))["id"]
    incident = created(b.post("/api/incidents", {"title": "B outage",
                                                 "monitorId": website["id"]}))["id"]
    page = created(b.post("/api/status-pages", {
        "name": "B status", "slug": "b-walls", "components": [{"monitorId": website["id"]}]}))
    window = created(b.post("/api/maintenance-windows", {
        "name": "B window", "startsAt": "2026-04-01T00:00:00Z",
        "endsAt": "2026-04-01T01:00:00Z", "monitorIds": [website["id"]]}))["id"]
    report = created(b.post("/api/reports", {}))["id"]
    key = created(b.post("/api/keys", {"name": "B extra", "scopes": ["monitors:read"]}))
    mine = {"channel_id": created(a.post("/api/alert-channels", WEBHOOK))["id"]}
    ids = {"monitor_id": website["id"], "channel_id": channel, "rule_id": rule,
           "incident_id": incident, "page_id": page["id"], "team_id": team["id"],
           "member_id": team["members"][0]["id"], "policy_id": policy, "window_id": window,
           "report_id": report, "key_id": key["id"], "name": website["name"]}
    return World(a, b, ids, job["id"], job["pingToken"], page["slug"], page["id"], mine,
                 secrets=[b_account, *b_keys, key["key"], hook_url, site_url,
                          "b-oncall@example.com", channel, rule, policy, team["id"], window,
                          report, key["id"], incident])


def without_volatile(value):
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


@contextmanager
def unmetered():
    """B's snapshot reads skip the key lookup and the rate-limit count (two of the three
    DynamoDB calls of a small GET): the snapshot is most of this suite's requests."""
    from chalicelib.http import endpoint as http

    principals: dict[str, object] = {}
    authenticate = http.auth.authenticate

    def remembered(key):
        if key not in principals:
            principals[key] = authenticate(key)
        return principals[key]

    with mock.patch.object(http, "enforce_rate_limits", lambda *args: {}), \
            mock.patch.object(http.auth, "authenticate", remembered):
        yield


def snapshot(world: World) -> dict:
    """Everything B can read: every private GET route, with B's ids (both monitor kinds)."""
    with unmetered():
        return read_everything(world)


def read_everything(world: World) -> dict:
    seen = {}
    for route in PRIVATE:
        if route["method"] != "GET" or set(params_of(route["path"])) - set(world.ids):
            continue   # (a parameter the world has no object for fails its own tests)
        for kind in kinds_of(route):
            path = fill(route["path"], world.ids_for(kind))
            response = world.b.get(path)
            seen[path] = (response.status_code, without_volatile(response.json))
    return seen


def kinds_of(route: dict) -> list[str | None]:
    return ["Website", "Job"] if "monitor_id" in params_of(route["path"]) else [None]


def masked(message: str, values: dict[str, str], names: list[str]) -> str:
    for name in names:
        message = message.replace(values[name], "{" + name + "}")
    return message


def answer(response) -> tuple[int, str | None]:
    body = response.json
    return response.status_code, body.get("code") if isinstance(body, dict) else None


WALL_CASES = [pytest.param(route, kind, id=f"{route_key(route)}[{kind}]" if kind
                           else route_key(route))
              for route in PRIVATE if params_of(route["path"]) for kind in kinds_of(route)]


def test_every_private_path_parameter_has_an_id_prefix_or_a_reason():
    unknown = unknown_private_params()
    assert not unknown, UNKNOWN_PARAM_MESSAGE.format(names=sorted(unknown))


@pytest.mark.parametrize("route, kind", WALL_CASES)
def test_another_accounts_object_answers_exactly_like_a_missing_one(world, route, kind):
    key = route_key(route)
    has_body = route["method"] in ("POST", "PUT", "PATCH")
    assert not has_body or key in BODIES, (
        f"{key} has no entry in BODIES of {__file__}: add a minimal valid body (or "
        "`lambda mine: None` if the route takes none) so its tenant wall is tested")
    names = params_of(route["path"])
    assert not set(names) - set(world.ids), \
        UNKNOWN_PARAM_MESSAGE.format(names=sorted(set(names) - set(world.ids)))
    body = BODIES[key](world.mine) if has_body else None
    missing_values = random_values(route["path"])
    before = world.baseline if world.baseline is not None else snapshot(world)

    foreign = world.a.request(route["method"], fill(route["path"], world.ids_for(kind)), body)
    missing = world.a.request(route["method"], fill(route["path"], missing_values), body)

    assert answer(foreign) == answer(missing), (foreign.json, missing.json)
    if set(names) & set(NOT_IDS):
        assert foreign.status_code == 200 and foreign.json["id"] not in world.ids.values()
    else:
        assert answer(foreign) == (404, "NOT_FOUND"), foreign.json
        assert masked(foreign.json["message"], world.ids_for(kind), names) == \
            masked(missing.json["message"], missing_values, names)
    world.baseline = after = snapshot(world)
    assert after == before


# --- ids in bodies -------------------------------------------------------------------------------

def a_objects(world: World) -> dict[str, dict]:
    """A's own object of each kind whose PUT takes references, so a PUT has a target."""
    if world.targets is None:
        world.targets = make_a_objects(world)
    return world.targets


def make_a_objects(world: World) -> dict[str, dict]:
    a, mine = world.a, world.mine
    monitor = created(a.post("/api/monitors", {**WEBSITE, "name": "A own"}))
    return {
        "monitor_id": monitor, "name": monitor,
        "rule_id": created(a.post("/api/alert-rules", BODIES["PUT /api/alert-rules/{rule_id}"](
            mine))),
        "page_id": created(a.post("/api/status-pages", {"name": "A", "slug": "a-walls-own"})),
        "policy_id": created(a.post("/api/escalation-policies",
                                    BODIES["PUT /api/escalation-policies/{policy_id}"](mine))),
        "window_id": created(a.post("/api/maintenance-windows",
                                    BODIES["PUT /api/maintenance-windows/{window_id}"](mine))),
    }


def mon(ref):
    return {**WEBSITE, "name": "A own", "alertChannelIds": [ref]}


def mon_policy(ref):
    return {**WEBSITE, "name": "A own", "escalationPolicyId": ref}


def rule(mine, **target):
    return {"name": "A rule", "channelIds": [mine["channel_id"]], "allMonitors": True, **target}


def page(ref):
    return {"name": "A", "slug": "a-walls-new", "components": [{"monitorId": ref}]}


def window(ref):
    return {"name": "A window", "startsAt": "2026-05-01T00:00:00Z",
            "endsAt": "2026-05-01T01:00:00Z", "monitorIds": [ref]}


def level(mine, **ids):
    return {"name": "A policy", "levels": [{"channelIds": [mine["channel_id"]], **ids}]}


# (field named in the 400, the kind of B's id it carries, body(mine, ref)) for each body field
# that carries ids.
MONITOR_REFS = [("alertChannelIds", "channel_id", lambda mine, ref: mon(ref)),
                ("escalationPolicyId", "policy_id", lambda mine, ref: mon_policy(ref))]
RULE_REFS = [
    ("channelIds", "channel_id",
     lambda mine, ref: {**rule(mine), "channelIds": [ref]}),
    ("monitorIds", "monitor_id",
     lambda mine, ref: {**rule(mine), "allMonitors": False, "monitorIds": [ref]}),
    ("escalationPolicyId", "policy_id", lambda mine, ref: rule(mine, escalationPolicyId=ref)),
]
PAGE_REFS = [("components.0.monitorId", "monitor_id", lambda mine, ref: page(ref))]
POLICY_REFS = [("levels.0.channelIds", "channel_id",
                lambda mine, ref: {"name": "A policy", "levels": [{"channelIds": [ref]}]}),
               ("levels.0.teamIds", "team_id", lambda mine, ref: level(mine, teamIds=[ref]))]
WINDOW_REFS = [("monitorIds", "monitor_id", lambda mine, ref: window(ref))]

# Every private POST/PUT/PATCH route, with the id-carrying fields of its body (empty: none; the ids
# in its path are the walls of the test above).
BODY_REFERENCES = {
    "POST /api/monitors": MONITOR_REFS,
    "PUT /api/monitors/{monitor_id}": MONITOR_REFS,
    "PATCH /api/monitors/{monitor_id}": MONITOR_REFS,
    "PUT /api/monitors/by-name/{name}": MONITOR_REFS,
    "POST /api/alert-rules": RULE_REFS,
    "PUT /api/alert-rules/{rule_id}": RULE_REFS,
    "POST /api/status-pages": PAGE_REFS,
    "PUT /api/status-pages/{page_id}": PAGE_REFS,
    "POST /api/escalation-policies": POLICY_REFS,
    "PUT /api/escalation-policies/{policy_id}": POLICY_REFS,
    "POST /api/maintenance-windows": WINDOW_REFS,
    "PUT /api/maintenance-windows/{window_id}": WINDOW_REFS,
    "POST /api/incidents": [("monitorId", "monitor_id",
                             lambda mine, ref: {"title": "A outage", "monitorId": ref})],
    "POST /api/alert-channels": [],
    "PUT /api/alert-channels/{channel_id}": [],
    "POST /api/alert-channels/{channel_id}/test": [],
    "POST /api/keys": [],
    "POST /api/reports": [],
    "POST /api/teams": [],
    "PUT /api/teams/{team_id}": [],
    "POST /api/teams/{team_id}/members": [],
    "POST /api/incidents/{incident_id}/acknowledge": [],
    "POST /api/incidents/{incident_id}/resolve": [],
    "POST /api/incidents/{incident_id}/updates": [],
    "POST /api/monitors/{monitor_id}/pause": [],
    "POST /api/monitors/{monitor_id}/resume": [],
    "POST /api/monitors/{monitor_id}/check": [],
    "POST /api/monitors/{monitor_id}/rotate-token": [],
    # Monitors as code names objects by name, looked up in the caller's account only.
    "POST /api/config/plan": [],
    "POST /api/config/apply": [],
}
WRITES = [r for r in PRIVATE if r["method"] in ("POST", "PUT", "PATCH")]
REFERENCE_CASES = [pytest.param(route_key(r), *case, id=f"{route_key(r)} {case[0]}")
                   for r in WRITES for case in BODY_REFERENCES.get(route_key(r), [])]


def test_every_write_route_says_which_body_fields_carry_ids():
    unlisted = [route_key(r) for r in WRITES if route_key(r) not in BODY_REFERENCES]
    assert not unlisted, (f"{unlisted}: add them to BODY_REFERENCES in {__file__} with the body "
                          "fields that name other objects ([] if none)")
    stale = set(BODY_REFERENCES) - {route_key(r) for r in WRITES}
    assert not stale, f"BODY_REFERENCES names routes that no longer exist: {sorted(stale)}"


def a_state(world: World, path: str, url: str) -> dict:
    """What the write could have changed: A's usage, the collection and the target object."""
    collection = re.sub(r"/(by-name/)?{.*$", "", path)
    return {p: without_volatile(world.a.get(p).json)
            for p in ("/api/account", collection, url) if p != "/api/monitors/by-name/A own"}


@pytest.mark.parametrize("key, field_name, kind, make_body", REFERENCE_CASES)
def test_a_body_naming_another_accounts_object_is_refused_like_a_missing_one(
        world, key, field_name, kind, make_body):
    method, path = key.split(" ", 1)
    targets = a_objects(world) if params_of(path) else {}
    url = fill(path, {name: targets[name]["name" if name == "name" else "id"]
                      for name in params_of(path)})
    theirs, missing = world.ids[kind], new_id(ID_PREFIXES[kind])
    before = a_state(world, path, url)

    foreign = world.a.request(method, url, make_body(world.mine, theirs))
    absent = world.a.request(method, url, make_body(world.mine, missing))

    assert answer(foreign) == answer(absent) == (400, "INVALID_REFERENCE"), \
        (foreign.json, absent.json)
    assert foreign.json["details"][0]["field"] == absent.json["details"][0]["field"] == field_name
    assert foreign.json["message"].replace(theirs, "?") == absent.json["message"].replace(
        missing, "?")
    assert a_state(world, path, url) == before


# List filters that take an id: another account's id filters the caller's own items (none).
QUERY_REFERENCES = [("GET /api/incidents", "monitorId", "monitor_id"),
                    ("GET /api/alerts", "monitorId", "monitor_id")]


@pytest.mark.parametrize("key, name, kind", QUERY_REFERENCES)
def test_a_list_filtered_by_another_accounts_id_shows_nothing_of_theirs(world, key, name, kind):
    _, path = key.split(" ", 1)
    response = world.a.get(f"{path}?{name}={world.ids[kind]}")
    assert response.status_code == 200
    assert response.json["totalCount"] == 0
    assert not [s for s in world.secrets if s in json.dumps(response.json)]


# --- public routes -------------------------------------------------------------------------------

# Every public route, why it is not tenant-scoped, and where its path values come from
# ("monitor", "slug", "ping_token", "subscription_token": B's; fresh tokens per call).
PUBLIC_BY_DESIGN = {
    "GET /api/badges/{monitor_id}/uptime.svg":
        ("a README embeds a badge by monitor id; it shows an uptime figure only", "monitor"),
    "GET /api/badges/{monitor_id}/status.svg":
        ("a README embeds a badge by monitor id; it shows up/down only", "monitor"),
    **{f"{m} /ping/{{token}}{suffix}":
       ("the unguessable ping token is the job's credential: cron jobs ping without a key",
        "ping_token")
       for m in ("GET", "HEAD", "POST")
       for suffix in ("", "/fail", "/start", "/log", "/{exit_status}")},
    "GET /api/public/status-pages/{slug}": ("a status page is published at its slug", "slug"),
    "GET /status/{slug}": ("a status page is published at its slug (HTML)", "slug"),
    "POST /api/public/status-pages/{slug}/subscribe":
        ("anyone may ask for updates of a published page; double opt-in by email", "slug"),
    "GET /api/public/subscriptions/{token}/confirm":
        ("the emailed, unguessable token is the subscriber's credential", "subscription_token"),
    "GET /api/public/subscriptions/{token}/unsubscribe":
        ("the emailed, unguessable token is the subscriber's credential", "subscription_token"),
    "POST /api/public/subscriptions/{token}/unsubscribe":
        ("RFC 8058 one-click unsubscribe from the mail client", "subscription_token"),
    "GET /openapi/v1.json": ("the API's documentation; no ids", None),
    "GET /openapi/config.schema.json": ("the monitors-as-code document's schema; no ids", None),
    "GET /openapi/v3.1.json": ("the API's documentation (OpenAPI 3.1); no ids", None),
    "GET /docs": ("the API explorer; no ids", None),
    "GET /docs/scalar.js": ("the API explorer's script; no ids", None),
}


def test_every_public_route_is_listed_as_public_by_design_with_a_reason():
    unlisted = [route_key(r) for r in PUBLIC if route_key(r) not in PUBLIC_BY_DESIGN]
    assert not unlisted, (f"public routes {unlisted} are not in PUBLIC_BY_DESIGN of {__file__}: "
                          "say why they need no key, and where their path values come from")
    stale = set(PUBLIC_BY_DESIGN) - {route_key(r) for r in PUBLIC}
    assert not stale, f"PUBLIC_BY_DESIGN names routes that are not public (any more): {stale}"


def subscription_token(world: World) -> str:
    """A fresh pending subscription to B's page, and its link token."""
    from chalicelib.storage import status_pages as store
    from chalicelib.status_pages.subscriptions import token_for

    email = f"reader-{secrets.token_hex(4)}@example.com"
    assert world.b.post(f"/api/public/status-pages/{world.slug}/subscribe", {"email": email},
                        key=None).status_code == 202
    return token_for(store.get_subscriber(world.page_id, email).nonce)


def public_value(world: World, source: str) -> str:
    return {"monitor": lambda: world.ids["monitor_id"], "slug": lambda: world.slug,
            "ping_token": lambda: world.ping_token,
            "subscription_token": lambda: subscription_token(world)}[source]()


def call_public(world: World, route: dict, source: str | None, key):
    """The raw answer (badges, pings and pages are not JSON), with or without a key."""
    path = route["path"]
    if source is not None:
        value = public_value(world, source)
        path = fill(path, {name: value for name in params_of(path)})
    headers, body = {"X-API-Key": key} if key else {}, b""
    if route["path"].endswith("/subscribe"):
        headers["Content-Type"] = "application/json"
        body = json.dumps({"email": f"reader-{secrets.token_hex(4)}@example.com"})
    return world.a.client.http.request(route["method"], path, headers=headers, body=body)


def public_answer(response) -> tuple:
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    return response.status_code, body


@pytest.mark.parametrize("route", [pytest.param(r, id=route_key(r)) for r in PUBLIC
                                   if params_of(r["path"])])
def test_a_public_route_shows_another_account_nothing_a_stranger_cannot_see(world, route):
    from chalicelib.kernel.runtime import runtime

    runtime.clock.advance(60)      # fresh subscription rate-limit windows
    world.baseline = None          # pings and subscriptions change what B reads
    assert route_key(route) in PUBLIC_BY_DESIGN, f"add {route_key(route)} to PUBLIC_BY_DESIGN"
    _, source = PUBLIC_BY_DESIGN[route_key(route)]
    with_key = call_public(world, route, source, key=world.a.key)
    anonymous = call_public(world, route, source, key=None)
    assert with_key.status_code not in (401, 403, 500)
    assert public_answer(with_key) == public_answer(anonymous)
    assert not [s for s in world.secrets if s in public_answer(with_key)[1]]
    assert not any(h.lower().startswith("x-ratelimit") for h in with_key.headers)
