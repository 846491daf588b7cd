"""Healthchecks-compatible pings: `/ping/{token}/{exit_status}`, `/ping/{token}/log`, `?rid=` run
ids, 100 KB bodies, and the "ran too often" bound (`minIntervalSeconds`)."""
import uuid

import pytest

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json


def ping(api, job, suffix="", method="GET", body=b"", query=""):
    return api.client.http.request(method, f"/ping/{job['pingToken']}{suffix}{query}",
                                   headers={"Content-Type": "text/plain"}, body=body)


def pings_of(api, job):
    return api.get(f"/api/monitors/{job['id']}/pings").json["items"]


def status_of(api, job):
    return api.get(f"/api/monitors/{job['id']}").json["status"]


def test_exit_status_0_is_a_success(api, job):
    assert ping(api, job, "/0").status_code == 200
    [stored] = pings_of(api, job)
    assert (stored["kind"], stored["exitStatus"]) == ("Success", 0)
    assert status_of(api, job) == "Up"


@pytest.mark.parametrize("code", [1, 3, 255])
def test_a_non_zero_exit_status_is_a_failure_that_keeps_the_code(api, job, code, clock):
    from chalicelib.storage.events import EventItem

    ping(api, job, "/0")
    clock.advance(1)
    assert ping(api, job, f"/{code}", "POST", body=b"disk full").status_code == 200
    stored = pings_of(api, job)[0]
    assert (stored["kind"], stored["exitStatus"], stored["message"]) == ("Fail", code, "disk full")
    assert status_of(api, job) == "Down"
    [down] = [e for e in EventItem.scan() if e.type == "monitor.down"]  # test-only outbox read
    assert down.payload["alert"]["message"] == f"job exited with status {code}: disk full"


@pytest.mark.parametrize("code", ["256", "999"])
def test_an_exit_status_above_255_is_a_400_naming_it(api, job, code):
    response = api.get(f"/ping/{job['pingToken']}/{code}", key=None)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "exitStatus"
    assert pings_of(api, job) == []


@pytest.mark.parametrize("code", ["-1", "abc", "1.5", "1000", "٣"])
def test_anything_but_a_number_is_no_route_as_in_healthchecks(api, job, code):
    response = api.get(f"/ping/{job['pingToken']}/{code}", key=None)
    assert response.status_code == 404
    assert pings_of(api, job) == []


def test_log_is_recorded_without_changing_anything(api, job, clock):
    ping(api, job)
    clock.advance(1)
    before = api.get(f"/api/monitors/{job['id']}").json
    assert ping(api, job, "/log", "POST", body=b"step 2 of 5").status_code == 200
    after = api.get(f"/api/monitors/{job['id']}").json
    assert pings_of(api, job)[0]["kind"] == "Log"
    assert pings_of(api, job)[0]["message"] == "step 2 of 5"
    assert (after["status"], after["lastPingAt"], after["deadline"]) == \
        (before["status"], before["lastPingAt"], before["deadline"])


def test_concurrent_runs_each_get_their_run_time_by_run_id(api, job, clock):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    ping(api, job, "/start", query=f"?rid={first}")
    clock.advance(10)
    ping(api, job, "/start", query=f"?rid={second}")
    clock.advance(5)
    ping(api, job, "", query=f"?rid={first}")       # 15 s after its own start
    clock.advance(20)
    ping(api, job, "/0", query=f"?rid={second}")    # 25 s after its own start
    finished = [p for p in pings_of(api, job) if p["kind"] == "Success"]
    assert [(p["runId"], p["runtimeMs"]) for p in finished] == [(second, 25_000),
                                                                (first, 15_000)]


def test_a_finish_with_an_unknown_run_id_has_no_run_time(api, job, clock):
    ping(api, job, "/start", query=f"?rid={uuid.uuid4()}")
    clock.advance(3)
    ping(api, job, "", query=f"?rid={uuid.uuid4()}")
    assert pings_of(api, job)[0]["runtimeMs"] is None


def test_a_run_id_must_be_a_uuid(api, job):
    response = api.get(f"/ping/{job['pingToken']}?rid=nope", key=None)
    assert response.status_code == 400 and response.json["details"][0]["field"] == "rid"


def test_a_body_up_to_100_kb_is_kept_and_a_longer_one_cut(api, job, clock):
    ping(api, job, "", "POST", body=b"a" * 100_000)
    assert pings_of(api, job)[0]["message"] == "a" * 100_000
    clock.advance(1)
    assert ping(api, job, "", "POST", body=b"b" * 150_000).status_code == 200
    assert pings_of(api, job)[0]["message"] == "b" * 100_000 + "…[truncated]"


def test_a_success_sooner_than_min_interval_after_the_previous_is_ran_too_often(api, clock):
    from chalicelib.storage.events import EventItem

    job = api.post("/api/monitors", {**JOB, "minIntervalSeconds": 600}).json
    assert job["minIntervalSeconds"] == 600
    ping(api, job)
    assert status_of(api, job) == "Up"
    clock.advance(120)
    ping(api, job)
    assert status_of(api, job) == "Down"
    [down] = [e for e in EventItem.scan() if e.type == "monitor.down"]  # test-only outbox read
    assert down.payload["alert"]["message"] == (
        "job ran too often: 120 s after the previous success, less than the minimum 600 s")
    clock.advance(600)
    ping(api, job)
    assert status_of(api, job) == "Up"


def test_fails_in_between_do_not_count_as_successes_for_min_interval(api, clock):
    job = api.post("/api/monitors", {**JOB, "minIntervalSeconds": 600}).json
    ping(api, job, "/1")
    clock.advance(60)
    ping(api, job, "/0")
    assert status_of(api, job) == "Up"


def test_a_ping_parses_each_buffered_entry_once(api, clock, monkeypatch):
    """The retention filter, the run id's start and "ran too often" all read the job's buffer:
    its JSON is parsed once per ping, not once per reader (three times before)."""
    import json

    from chalicelib.storage import pings as ping_store

    job = api.post("/api/monitors", {**JOB, "minIntervalSeconds": 60}).json
    run = str(uuid.uuid4())
    ping(api, job, "/start", query=f"?rid={run}")
    for _ in range(2):
        clock.advance(1)
        ping(api, job, "/log")
    parsed = []
    monkeypatch.setattr(ping_store, "json", type("CountingJson", (), {
        "dumps": staticmethod(json.dumps),
        "loads": staticmethod(lambda text: parsed.append(text) or json.loads(text))}))
    clock.advance(1)
    assert ping(api, job, query=f"?rid={run}").status_code == 200
    assert len(parsed) == 3 == len(set(parsed))
    [finished, *_] = pings_of(api, job)
    assert finished["runtimeMs"] == 3000
