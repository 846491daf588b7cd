"""E16 point 3 on the real local stack: a monitor's lastCheckedAt and uptime in GET /api/monitors
and the overview's figures follow its checks (a local HTTP target up, then down) with no
per-check write on the monitor: they come from the shard heads the worker keeps, and, once the
hourly rollup job has run (here run as an hour later, against the stack's DynamoDB Local), from
what it stored, unchanged.

Needs the whole of E16 point 3: the worker writing minute items and heads instead of the
per-check telemetry (branch "write")."""
import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import REPO_ROOT, wait_until
from targets import HttpTarget
from test_evaluator_concurrency import endpoints
from test_monitoring_flow import check_now

SIGN_IN = re.compile(r"Sign in to the dashboard .*: http://[^/]+/signin/([A-Za-z0-9_-]{43})")
HOUR = 3600


@pytest.fixture(scope="module")
def target():
    server = HttpTarget().start()
    yield server
    server.stop()


def signed_in(stack) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    connection.request("POST", "/signin", urlencode({"link": SIGN_IN.search(stack.output)
                                                     .group(1)}),
                       {"Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    assert response.status == 303, response.read()
    return {"Cookie": response.getheader("Set-Cookie").split(";")[0]}


def overview_row(stack, cookie: dict, monitor_id: str) -> list[str]:
    """The row's 24 h, 30 d and response time cells."""
    status, _, page = stack.raw_request("GET", "/", headers=cookie)
    assert status == 200
    row = re.search(rf'href="/monitors/{monitor_id}">.*?</tr>', page.decode(), re.S).group(0)
    return re.findall(r'<td class="figure">(.*?)</td>', row)[:3]


def listed(stack, monitor_id: str) -> dict:
    status, body = stack.request("GET", "/api/monitors?limit=100", key=stack.key)
    assert status == 200
    return next(m for m in body["items"] if m["id"] == monitor_id)


def stored(stack, account_id: str, monitor_id: str, *roll: int) -> dict:
    """The monitor's telemetry as DynamoDB Local holds it (after the job, run as at `roll`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENORI_", "AWS_"))}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "rollup_local.py"),
         "roll" if roll else "show", account_id, monitor_id, *map(str, roll)],
        cwd=REPO_ROOT, env={**env, **endpoints(stack), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_list_and_overview_follow_the_checks_without_per_check_telemetry(local_stack, target):
    stack = local_stack
    status, monitor = stack.request("POST", "/api/monitors", key=stack.key, body={
        "name": "Now", "type": "Website", "url": target.url, "intervalSeconds": 3600,
        "regions": ["UsEast", "EuWest"]})
    assert status == 201, monitor
    monitor_id = monitor["id"]
    account_id = stack.request("GET", "/api/account", key=stack.key)[1]["id"]
    cookie = signed_in(stack)
    assert listed(stack, monitor_id)["lastCheckedAt"] is None
    assert overview_row(stack, cookie, monitor_id)[:2] == ["—", "—"]

    check_now(stack, monitor_id)
    assert wait_until(lambda: listed(stack, monitor_id)["lastCheckedAt"] is not None, 60), \
        stack.output[-3000:]
    up = listed(stack, monitor_id)
    assert up["uptimePercentage"] == 100.0
    assert wait_until(lambda: overview_row(stack, cookie, monitor_id)[:2]
                      == ["100.00 %", "100.00 %"], 30)

    target.stop()
    time.sleep(1.1)                       # a new slot: check-now slots are whole seconds
    check_now(stack, monitor_id)
    # Both regions' checks passed, then both failed (the hourly interval's own checks are at
    # a random second of the hour: most likely not within these seconds).
    assert wait_until(lambda: listed(stack, monitor_id)["uptimePercentage"] == 50.0, 60), \
        stack.output[-3000:]
    down = listed(stack, monitor_id)
    assert down["lastCheckedAt"] > up["lastCheckedAt"]
    figure = "50.00 %"
    assert wait_until(lambda: overview_row(stack, cookie, monitor_id)[:2] == [figure, figure],
                      30)
    detail = stack.request("GET", f"/api/monitors/{monitor_id}", key=stack.key)[1]
    assert (detail["lastCheckedAt"], detail["uptimePercentage"]) == (
        down["lastCheckedAt"], down["uptimePercentage"])

    before = stored(stack, account_id, monitor_id)
    assert before["result_seq"] is not None            # numbered: its results are compact
    assert before["last_checked_at"] is None           # no per-check write on the monitor

    # The hourly job, as at :10 of the next hour: the hour is rolled up and its figures are
    # kept on the shard's rolled item; what the list and the overview show does not change.
    hour = int(time.time()) // HOUR * HOUR
    after = stored(stack, account_id, monitor_id, hour + HOUR + 600)
    assert hour in after["done"]["rolled"] and after["done"]["failed"] == []
    assert after["uptime_base_hour"] == hour + HOUR
    assert after["base_on_item"] is None              # on the shard's rolled item instead
    assert after["last_checked_at"] == down["lastCheckedAt"]
    again = listed(stack, monitor_id)
    assert (again["lastCheckedAt"], again["uptimePercentage"]) == (
        down["lastCheckedAt"], down["uptimePercentage"])
    assert overview_row(stack, cookie, monitor_id)[:2] == [figure, figure]
