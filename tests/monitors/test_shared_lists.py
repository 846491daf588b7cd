"""Concurrent identical monitor lists share one read (`monitors.routes.list_monitors` on
`kernel.collapse`, E20), through the local edge's gateway from several threads: lists arriving
while nothing is written share the read running; an edit answered to a client is in that
client's next list even while other lists run; lists of other accounts or other queries never
share one."""
from __future__ import annotations

import json
import threading

import pytest

from apitools import make_account

WEBSITE = {"name": "Before", "type": "Website", "url": "https://api.example.com",
           "intervalSeconds": 60}
LIST_ROUTE = ("GET", "/api/monitors")


@pytest.fixture
def gateway(clock):
    """The app as the local edge serves it (`current_request` per thread), restored after."""
    from app import app
    from local.http_server import ApiGateway

    original = type(app)
    yield ApiGateway(app)
    app.__class__ = original


def call(gateway, key: str, method: str, path: str, body: dict | None = None):
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    status, _, raw = gateway.handle(method, path, headers,
                                    None if body is None else json.dumps(body).encode())
    return status, json.loads(raw) if raw else None


def names(gateway, key: str, query: str = "") -> list[str]:
    status, body = call(gateway, key, "GET", "/api/monitors" + query)
    assert status == 200, body
    return [m["name"] for m in body["items"]]


class HeldRead:
    """The account list's Query (`storage.monitors.list_monitors_listed`), its first call held
    after it has read, until `release`."""

    def __init__(self, monkeypatch) -> None:
        from chalicelib.storage import monitors as store

        self.read = store.list_monitors_listed
        self.holding, self.released = threading.Event(), threading.Event()
        self.calls = 0
        monkeypatch.setattr(store, "list_monitors_listed", self)

    def __call__(self, account_id: str):
        items = self.read(account_id)
        self.calls += 1
        if self.calls == 1:
            self.holding.set()
            assert self.released.wait(10)
        return items


def in_thread(work) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(answer=work()), daemon=True)
    thread.start()
    return thread, out


def wait_for_waiters(account_id: str, query: tuple = (), count: int = 1) -> None:
    """Until `count` lists of the account wait for the list being read to end."""
    from chalicelib.monitors.routes import _shared_lists

    key = (account_id, LIST_ROUTE, (), query)
    for _ in range(2000):
        if _shared_lists.waiting(key) == count:
            return
        threading.Event().wait(0.005)
    assert _shared_lists.waiting(key) == count


def wait_for_joiners(account_id: str, count: int) -> None:
    """Until `count` lists of the account besides the first share the list being read."""
    from chalicelib.monitors.routes import _shared_lists

    key = (account_id, LIST_ROUTE, (), ())
    for _ in range(2000):
        if _shared_lists.joined(key) == count + 1:
            return
        threading.Event().wait(0.005)
    assert _shared_lists.joined(key) == count + 1


def test_lists_arriving_while_nothing_is_written_share_the_running_read(gateway, monkeypatch):
    account_id, key = make_account()
    assert call(gateway, key, "POST", "/api/monitors", WEBSITE)[0] == 201
    held = HeldRead(monkeypatch)
    running, first = in_thread(lambda: names(gateway, key))
    assert held.holding.wait(10)
    joining = [in_thread(lambda: names(gateway, key)) for _ in range(4)]
    wait_for_joiners(account_id, 4)
    held.released.set()
    for thread, _ in [(running, None), *joining]:
        thread.join(10)
    assert [out["answer"] for _, out in [(running, first), *joining]] == [["Before"]] * 5
    assert held.calls == 1                             # the running read, for all five


def test_lists_after_an_edit_show_it_though_a_read_before_it_runs_and_share_the_next_read(
        gateway, monkeypatch):
    """The clients' lists arrive after their edit was acknowledged: the read running began
    before it (its answer lacks it), so they wait for it to end and share the next read."""
    account_id, key = make_account()
    status, monitor = call(gateway, key, "POST", "/api/monitors", WEBSITE)
    assert status == 201
    held = HeldRead(monkeypatch)
    running, before = in_thread(lambda: names(gateway, key))
    assert held.holding.wait(10)
    status, _ = call(gateway, key, "PATCH", f"/api/monitors/{monitor['id']}", {"name": "After"})
    assert status == 200                               # the edit is acknowledged
    waiting = [in_thread(lambda: names(gateway, key)) for _ in range(4)]
    wait_for_waiters(account_id, count=4)              # not one joins the running read
    held.released.set()
    for thread, _ in [(running, None), *waiting]:
        thread.join(10)
    assert before["answer"] == ["Before"]
    assert [out["answer"] for _, out in waiting] == [["After"]] * 4
    assert held.calls == 2                             # the held read, then one for the four


def test_lists_sharing_a_read_share_one_encoding_and_keep_their_own_headers(
        gateway, monkeypatch):
    """The shared answer is encoded once per read, not once per caller; each caller still gets
    its own rate-limit count (the key's hits stay exact)."""
    account_id, key = make_account()
    assert call(gateway, key, "POST", "/api/monitors", WEBSITE)[0] == 201
    encoded, dumps = [], json.dumps

    def counting_dumps(value, *args, **kwargs):
        if isinstance(value, dict) and "totalCount" in value:
            encoded.append(value)
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", counting_dumps)
    held = HeldRead(monkeypatch)
    running, _ = in_thread(lambda: names(gateway, key))
    assert held.holding.wait(10)

    def listed():
        status, headers, raw = gateway.handle("GET", "/api/monitors", {"X-API-Key": key}, None)
        return status, dict(headers)["X-RateLimit-Remaining"], json.loads(raw)

    joining = [in_thread(listed) for _ in range(4)]
    wait_for_joiners(account_id, 4)
    held.released.set()
    for thread, _ in [(running, None), *joining]:
        thread.join(10)
    answers = [out["answer"] for _, out in joining]
    assert [(status, [m["name"] for m in body["items"]]) for status, _, body in answers] == \
        [(200, ["Before"])] * 4
    assert len({remaining for _, remaining, _ in answers}) == 4     # each its own hit
    assert (held.calls, len(encoded)) == (1, 1)        # one read, encoded once for the five


def test_lists_of_another_account_or_another_query_do_not_wait_for_a_running_one(
        gateway, monkeypatch):
    account_id, key = make_account()
    _, other_key = make_account()
    assert call(gateway, key, "POST", "/api/monitors", WEBSITE)[0] == 201
    assert call(gateway, other_key, "POST", "/api/monitors", {**WEBSITE, "name": "Theirs"})[0] \
        == 201
    held = HeldRead(monkeypatch)
    running, mine = in_thread(lambda: names(gateway, key))
    assert held.holding.wait(10)
    assert names(gateway, other_key) == ["Theirs"]     # answered while the first is held
    assert names(gateway, key, "?type=Website") == ["Before"]
    assert names(gateway, key, "?type=Port") == []
    held.released.set()
    running.join(10)
    assert mine["answer"] == ["Before"]
    assert held.calls == 4


def test_every_list_after_an_edit_shows_it_while_other_lists_run(gateway):
    _, key = make_account()
    status, monitor = call(gateway, key, "POST", "/api/monitors", WEBSITE)
    assert status == 201
    stop, seen = threading.Event(), []

    def keep_listing():
        for _ in range(25):                            # within the key's 200 reads a minute
            if stop.is_set():
                return
            seen.append(names(gateway, key))

    others = [threading.Thread(target=keep_listing, daemon=True) for _ in range(3)]
    for thread in others:
        thread.start()
    for i in range(10):
        status, _ = call(gateway, key, "PATCH", f"/api/monitors/{monitor['id']}",
                         {"name": f"Edit {i}"})
        assert status == 200
        assert names(gateway, key) == [f"Edit {i}"]
    stop.set()
    for thread in others:
        thread.join(10)
    assert seen and all(len(listed) == 1 for listed in seen)
