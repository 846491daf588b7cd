"""The monitor list's Job uptimes (`job_status.listed_job_uptimes`): each API process remembers
a job's status changes while the version of its evaluator state stays the one it read, so a
list is never staler than its own reads: after any change of status the list shows the same
uptime as the detail and /stats (which read the changes every time), and an edit shows at once."""
import pytest

from apitools import ping

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json


def listed(api, job) -> dict:
    [item] = [m for m in api.get("/api/monitors").json["items"] if m["id"] == job["id"]]
    return item


def uptimes(api, job) -> tuple:
    """(the list's, the detail's) uptime: the detail reads the status changes every time."""
    return listed(api, job)["uptimePercentage"], \
        api.get(f"/api/monitors/{job['id']}").json["uptimePercentage"]


def test_the_list_shows_each_new_status_change_at_once(api, clock, job):
    seen = []
    ping(api, f"/ping/{job['pingToken']}")              # Up
    clock.advance(3000)
    seen.append(uptimes(api, job))                      # remembered: Pending -> Up
    ping(api, f"/ping/{job['pingToken']}/fail")         # Down
    clock.advance(164)
    seen.append(uptimes(api, job))
    ping(api, f"/ping/{job['pingToken']}")              # Up again
    clock.advance(436)
    seen.append(uptimes(api, job))
    assert seen == [(100.0, 100.0), (94.817, 94.817), (95.444, 95.444)]
    assert listed(api, job)["status"] == "Up"


def test_a_missed_run_shows_in_the_list_at_once(api, clock, job):
    """A status change the watcher makes (no ping, no request of the client)."""
    from chalicelib.heartbeats import service as heartbeats

    ping(api, f"/ping/{job['pingToken']}")
    assert uptimes(api, job) == (100.0, 100.0)
    clock.advance(3600 + 60 + 30)                       # past the deadline and its grace
    heartbeats.sweep_missed_runs(clock.now())
    clock.advance(600)
    item = listed(api, job)
    assert item["status"] == "Down"
    assert item["uptimePercentage"] < 100.0
    assert uptimes(api, job)[0] == uptimes(api, job)[1]


def test_a_remembered_list_moves_its_window_with_the_clock(api, clock, job):
    """Nothing changed: no read of the changes, and the same figure a fresh read gives as the
    30-day window moves past the job's first status change."""
    ping(api, f"/ping/{job['pingToken']}")
    clock.advance(600)
    ping(api, f"/ping/{job['pingToken']}/fail")
    clock.advance(600)
    ping(api, f"/ping/{job['pingToken']}")
    for step in (3600, 29 * 24 * 3600, 24 * 3600 - 900, 600):
        clock.advance(step)
        ping(api, f"/ping/{job['pingToken']}")
        here, fresh = uptimes(api, job)
        assert here == fresh


def test_an_edit_and_a_pause_show_in_the_next_list(api, clock, job):
    ping(api, f"/ping/{job['pingToken']}")
    assert listed(api, job)["name"] == "Nightly backup"
    api.put(f"/api/monitors/{job['id']}", {**JOB, "name": "Weekly backup"})
    assert listed(api, job)["name"] == "Weekly backup"
    api.post(f"/api/monitors/{job['id']}/pause")
    clock.advance(60)
    item = listed(api, job)
    assert item["status"] == "Paused"
    assert item["uptimePercentage"] == api.get(f"/api/monitors/{job['id']}").json[
        "uptimePercentage"]


def test_a_job_never_judged_lists_100(api, job):
    assert uptimes(api, job) == (100.0, 100.0)


def test_a_job_that_changed_too_often_is_read_every_time(api, clock, job, monkeypatch):
    """The memory is bounded: a job with more changes in its window than a process keeps has
    them read by every list (a Query each), and still shows the same uptime as its detail."""
    from awsrequests import counted_aws_requests
    from chalicelib.monitors import job_status

    monkeypatch.setattr(job_status, "SEEN_CHANGES_MOST", 2)
    for kind in ("", "/fail", ""):                      # Pending -> Up -> Down -> Up: 3 changes
        ping(api, f"/ping/{job['pingToken']}{kind}")
        clock.advance(60)
    listed(api, job)
    with counted_aws_requests() as seen:
        here = listed(api, job)["uptimePercentage"]
    assert seen.on("check-rollups") == ["Query"]
    assert here == api.get(f"/api/monitors/{job['id']}").json["uptimePercentage"] < 100
