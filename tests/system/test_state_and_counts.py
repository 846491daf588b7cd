"""On the real local stack (issue E13): a resumed monitor comes back Up, Job monitors have a
real uptime (time not Down), a never-checked monitor has none, and list totals count every
match with `limit`/`offset` paging."""
import time

import pytest

from conftest import get, wait_until
from targets import HttpTarget


@pytest.fixture(scope="module")
def target():
    server = HttpTarget().start()
    yield server
    server.stop()


def create(stack, body):
    status, created = stack.request("POST", "/api/monitors", key=stack.key, body=body)
    assert status == 201, created
    return created


def check_now(stack, monitor_id):
    status, body = stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)
    assert status == 202, body


def status_of(stack, monitor_id):
    """The monitor's status; None when the read is refused (polling for a minute spends more
    than the read tier's 200 a minute: a missed status must time out, not fail on a 429)."""
    status, body = stack.request("GET", f"/api/monitors/{monitor_id}", key=stack.key)
    return body["status"] if status == 200 else None


def test_a_resumed_monitor_shows_up_after_its_next_check(local_stack, target):
    stack = local_stack
    monitor = create(stack, {"name": "Resumed", "type": "Website", "url": target.url,
                             "regions": ["UsEast", "EuWest"]})
    check_now(stack, monitor["id"])
    assert wait_until(lambda: status_of(stack, monitor["id"]) == "Up", 60), stack.output[-3000:]

    status, paused = stack.request("POST", f"/api/monitors/{monitor['id']}/pause", key=stack.key)
    assert (status, paused["status"]) == (200, "Paused")
    time.sleep(1.1)   # the resume's check gets a slot of its own (check-now slots are seconds)
    status, resumed = stack.request("POST", f"/api/monitors/{monitor['id']}/resume", key=stack.key)
    assert (status, resumed["status"]) == (200, "Pending")
    # The resume checks at once; its passing verdict must show (it stayed Pending for good).
    assert wait_until(lambda: status_of(stack, monitor["id"]) == "Up", 60), stack.output[-3000:]
    [listed] = [m for m in get(stack, "/api/monitors?type=Website")["items"]
                if m["id"] == monitor["id"]]
    assert listed["status"] == "Up"
    status, _, badge = stack.raw_request("GET", f"/api/badges/{monitor['id']}/status.svg")
    assert status == 200 and b">up<" in badge


def test_a_job_that_was_down_has_less_than_full_uptime(local_stack):
    stack = local_stack
    job = create(stack, {"name": "Nightly export", "type": "Job", "periodSeconds": 3600})
    never_checked = create(stack, {"name": "Never checked", "type": "Job", "periodSeconds": 3600})
    ping = f"/ping/{job['pingToken']}"
    assert stack.request("GET", ping)[0] == 200                 # Up
    time.sleep(1.1)
    assert stack.request("GET", ping + "/fail")[0] == 200       # Down ...
    time.sleep(2.1)
    assert stack.request("GET", ping)[0] == 200                 # ... for about two seconds
    time.sleep(1.1)

    uptime = get(stack, f"/api/monitors/{job['id']}/stats?period=24h")["uptimePercentage"]
    assert uptime is not None and 0 < uptime < 100              # it said 100.0
    [listed] = [m for m in get(stack, "/api/monitors?type=Job")["items"] if m["id"] == job["id"]]
    assert 0 < listed["uptimePercentage"] < 100
    status, _, badge = stack.raw_request("GET", f"/api/badges/{job['id']}/uptime.svg?period=24h")
    assert status == 200 and b">unknown<" not in badge and b">100%<" not in badge

    assert get(stack, f"/api/monitors/{never_checked['id']}/stats")["uptimePercentage"] is None
    status, _, badge = stack.raw_request("GET", f"/api/badges/{never_checked['id']}/uptime.svg")
    assert status == 200 and b">unknown<" in badge


def test_totals_count_every_match_and_lists_page_with_offset(local_stack, target):
    stack = local_stack
    monitor = create(stack, {"name": "Counted", "type": "Website", "url": target.url,
                             "regions": ["UsEast", "EuWest"]})
    for _ in range(3):
        check_now(stack, monitor["id"])
        time.sleep(1.1)   # a new slot per check
    path = f"/api/monitors/{monitor['id']}/results"
    assert wait_until(lambda: len(get(stack, path + "?limit=500")["items"]) == 6, 60), \
        stack.output[-3000:]

    first = get(stack, path + "?limit=2")
    assert (len(first["items"]), first["totalCount"]) == (2, 6)   # it said 2: the page size
    rest = get(stack, path + "?limit=10&offset=2")
    assert (len(rest["items"]), rest["totalCount"]) == (4, 6)
    everything = get(stack, path + "?limit=500")["items"]
    assert first["items"] + rest["items"] == everything
    east = get(stack, path + "?region=UsEast&limit=1")
    assert (len(east["items"]), east["totalCount"]) == (1, 3)

    status, body = stack.request("GET", "/api/incidents/by-monitor?offset=-1", key=stack.key)
    assert status == 400 and body["details"][0]["field"] == "offset"
