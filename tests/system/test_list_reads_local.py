"""The monitor list on the real local stack with two API worker processes (E20): each process
remembers the Job monitors' status changes it read (`job_status.listed_job_uptimes`), yet every
list, whichever process answers it, shows a status change and an edit as soon as they are made:
what a process remembers is good only for the version of the job's evaluator state it read."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from conftest import create

PARALLEL = 16     # both processes (8 threads each) answer some of them


def lists_of(stack, job_id: str) -> list[dict]:
    """The job as PARALLEL lists sent at once show it."""
    def one(_):
        status, body = stack.request("GET", "/api/monitors?type=Job", key=stack.key)
        assert status == 200, body
        [item] = [m for m in body["items"] if m["id"] == job_id]
        return item

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, range(PARALLEL)))


def test_every_list_shows_a_status_change_and_an_edit_at_once(two_workers):
    stack = two_workers
    job = create(stack, "/api/monitors", {"name": "Nightly export", "type": "Job",
                                          "periodSeconds": 3600})
    assert stack.request("GET", f"/ping/{job['pingToken']}")[0] == 200          # Up
    time.sleep(1.1)
    assert {(m["status"], m["uptimePercentage"]) for m in lists_of(stack, job["id"])} == \
        {("Up", 100.0)}                                       # remembered by both processes
    assert stack.request("GET", f"/ping/{job['pingToken']}/fail")[0] == 200     # Down
    time.sleep(1.1)
    after = lists_of(stack, job["id"])
    assert {m["status"] for m in after} == {"Down"}
    assert all(m["uptimePercentage"] < 100 for m in after), after
    status, _ = stack.request("PUT", f"/api/monitors/{job['id']}", key=stack.key, body={
        "name": "Weekly export", "type": "Job", "periodSeconds": 3600})
    assert status == 200
    assert {m["name"] for m in lists_of(stack, job["id"])} == {"Weekly export"}
