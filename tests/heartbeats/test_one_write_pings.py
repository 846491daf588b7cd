"""A ping is ONE small write (E16 point 7, E20 point 2): the job state's PutItem, with the
ping buffered in it; a full buffer is flushed as one chunk. Counted with botocore's hooks."""
import pytest

from apitools import ping, pings_of
from awsrequests import counted_aws_requests

JOB = {"name": "Every minute", "type": "Job", "periodSeconds": 60, "gracePeriodSeconds": 30}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json





def chunks(job):
    from chalicelib.storage.pings import CHUNK, PingItem

    return [i for i in PingItem.query(job["id"]) if i.kind == CHUNK]


def ping_until_a_flush(api, job, clock, every=60) -> int:
    """Ping until the first chunk is stored; its size (K, the buffer's capacity)."""
    while not chunks(job):
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
        clock.advance(every)
    [chunk] = chunks(job)
    return int(chunk.count)


def test_a_steady_ping_of_a_healthy_cached_job_is_one_put_item(api, job, clock):
    for _ in range(3):                                  # Pending -> Up, token and state cached
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
    with counted_aws_requests() as seen:
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert seen.calls == [("PutItem", "enori-test-job-states")]
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Up"


def test_k_plus_one_pings_write_k_plus_two_times(api, job, clock):
    """After a flush the buffer holds the flushing ping; the K-th ping after it flushes again:
    K + 1 job-state PutItems and one chunk PutItem, never more than two calls a ping."""
    # Every 20 s: all within the cache's bound (past it, a ping reads everything once again).
    k = ping_until_a_flush(api, job, clock, every=20)
    assert k >= 5                                        # ≈ 1 + 1/K writes a ping
    per_ping = []
    with counted_aws_requests() as seen:
        for _ in range(k + 1):
            before = len(seen.calls)
            assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
            per_ping.append(len(seen.calls) - before)
            clock.advance(20)
    assert len(seen.writes) == k + 2
    assert [table for _, table in seen.writes].count("enori-test-pings") == 1
    assert "TransactWriteItems" not in seen.operations
    assert max(per_ping) == 2
    assert len(chunks(job)) == 2


def test_history_is_identical_across_a_flush(api, job, clock):
    token = job["pingToken"]
    ping_until_a_flush(api, job, clock)
    kinds = ["/start", "", "/fail", "/log", "/3"]
    flushed_before = len(chunks(job))
    seen = []
    while len(chunks(job)) == flushed_before:           # fill the buffer up to its next flush
        seen.append(pings_of(api, job, "?limit=500"))
        ping(api, f"/ping/{token}{kinds[len(seen) % len(kinds)]}", "POST", b"a message")
        clock.advance(20)
    before, after = seen[-1], pings_of(api, job, "?limit=500")
    assert after["totalCount"] == before["totalCount"] + 1
    assert after["items"][1:] == before["items"]        # same ids, same fields, newest first
    assert after["items"][0]["message"] == "a message"
    # Pages and windows cut across chunks and the buffer alike.
    assert pings_of(api, job, "?limit=3&offset=2")["items"] == after["items"][2:5]
    oldest, newest = after["items"][-2]["at"], after["items"][1]["at"]
    window = pings_of(api, job, f"?from={oldest}&to={newest}&limit=500")
    assert window["items"] == [p for p in after["items"] if oldest <= p["at"] <= newest]
    assert window["totalCount"] == len(window["items"]) == after["totalCount"] - 2


def test_a_ping_too_big_for_an_entry_is_stored_on_its_own_after_the_buffer(api, job, clock):
    token = job["pingToken"]
    for _ in range(2):
        ping(api, f"/ping/{token}")
        clock.advance(60)
    big = "x" * 5000
    with counted_aws_requests() as seen:
        assert ping(api, f"/ping/{token}", "POST", big.encode()).status_code == 200
    assert seen.writes == [("PutItem", "enori-test-pings"), ("PutItem", "enori-test-pings"),
                           ("PutItem", "enori-test-job-states")]        # chunk, ping, state
    items = pings_of(api, job)["items"]
    assert [len(p["message"] or "") for p in items] == [5000, 0, 0]
    assert chunks(job)[0].count == 2


def test_a_cached_ping_after_an_edit_uses_the_new_schedule(api, job, clock):
    """The edit bumps the job state's version in its transaction: the cached ping's write
    fails its condition, it re-reads the monitor and arms the new period's deadline."""
    ping(api, f"/ping/{job['pingToken']}")
    api.put(f"/api/monitors/{job['id']}", {**JOB, "periodSeconds": 600})
    clock.advance(5)
    with counted_aws_requests() as seen:
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert seen.calls.count(("PutItem", "enori-test-job-states")) >= 2   # refused, then written
    detail = api.get(f"/api/monitors/{job['id']}").json
    assert detail["deadline"] == "2026-03-24T10:10:35Z"  # 10:00:05 + 600 s + 30 s grace


def as_another_process_pinged(api, job, clock, suffix="", shares_board=False):
    """This process keeps its cached view of the job while "another process" pings it (the
    ping goes through this one; its cache entry is put back as it was before). That process
    notes the version it wrote on a board of its own (a Lambda container, another machine), or
    on this one's (`shares_board`: another worker of the local stack, `kernel.version_board`)."""
    import copy
    from unittest import mock

    from chalicelib.heartbeats import ping_cache, service
    from chalicelib.kernel.version_board import VersionBoard

    token = job["pingToken"]
    held = copy.deepcopy(ping_cache.cache.get(token, clock.now().timestamp()))
    assert held is not None
    board = service.job_versions if shares_board else VersionBoard("its own")
    with mock.patch.object(service, "job_versions", board):
        assert ping(api, f"/ping/{token}{suffix}").status_code == 200
    ping_cache.cache.put(token, held)


@pytest.mark.parametrize("shares_board, calls", [
    (False, ["PutItem", "PutItem"]),     # refused, then written from what the refusal found
    (True, ["GetItem", "PutItem"]),      # read first: no write to be refused
])
def test_a_ping_whose_copy_another_process_made_stale_costs_one_call_more_and_no_other_read(
        api, job, clock, shares_board, calls):
    """Two API processes pinging one job, this one's cached version stale. Without a shared
    board it learns so from its refused write: DynamoDB returns the job's state item the
    condition found, so no GetItem, and not the monitor and the evaluator's state either (still
    current: the other ping was not judged). Another worker of the local stack noted its
    version on the shared board (`kernel.version_board`): this one reads the job's state item
    before writing instead of sending a write that would be refused (and cancel the pings
    grouped with it)."""
    for _ in range(3):
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
    as_another_process_pinged(api, job, clock, shares_board=shares_board)
    clock.advance(60)
    with counted_aws_requests() as seen:
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert seen.calls == [(call, "enori-test-job-states") for call in calls]
    assert len(pings_of(api, job)["items"]) == 5
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Up"


def test_a_ping_after_another_processs_judged_fail_is_judged_from_a_fresh_state(api, job, clock):
    """The other process's fail was evaluated (the job is Down): the success after it, from a
    cache that still says Up, must not be taken for a quiet one: it re-reads everything and
    brings the job Up again."""
    for _ in range(3):
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
    as_another_process_pinged(api, job, clock, "/fail")
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Down"
    clock.advance(60)
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Up"


def test_a_pings_put_keeps_every_field_an_edit_a_sweep_or_a_bump_wrote_before_its_read(
        api, job, clock):
    """The ping puts the whole job state (`ping_writes`): what another writer left there must
    come back from the ping's read, never from its cached copy (the condition refuses that
    one) nor from a projected read. A log ping moves only the version, the rate window and the
    buffer: everything else it writes is what it read."""
    from chalicelib.storage import job_states

    token, monitor_id = job["pingToken"], job["id"]
    for _ in range(3):                                  # Up, its token and job state cached
        assert ping(api, f"/ping/{token}").status_code == 200
        clock.advance(60)
    moved_by_a_log = {"version", "buffer", "ping_window", "ping_hits"}

    def a_log_ping_keeps_what_was_written(written):
        clock.advance(5)
        with counted_aws_requests() as seen:
            assert ping(api, f"/ping/{token}/log", "POST", b"kept").status_code == 200
        assert seen.calls.count(("PutItem", "enori-test-job-states")) == 2   # refused, written
        after = job_states.get_state(monitor_id).attribute_values
        assert after["version"] == written["version"] + 1
        assert after["buffer"][:-1] == written["buffer"]
        assert {k: v for k, v in after.items() if k not in moved_by_a_log} == \
            {k: v for k, v in written.items() if k not in moved_by_a_log}

    api.put(f"/api/monitors/{monitor_id}", {**JOB, "periodSeconds": 600})   # lifecycle_actions
    edited = job_states.get_state(monitor_id)
    a_log_ping_keeps_what_was_written(edited.attribute_values)
    swept = job_states.get_state(monitor_id)
    assert job_states.move_deadline(monitor_id, int(swept.deadline_at), 1774400000)
    swept = job_states.get_state(monitor_id)
    assert (swept.deadline_at, swept.context) == (1774400000, edited.context + 1)
    a_log_ping_keeps_what_was_written(swept.attribute_values)
    assert job_states.bump(monitor_id) is not None
    bumped = job_states.get_state(monitor_id)
    assert bumped.context == edited.context + 2
    a_log_ping_keeps_what_was_written(bumped.attribute_values)
    assert pings_of(api, job)["totalCount"] == 6


def test_the_sweep_queries_every_job_state_shard_and_never_scans(api, job, clock):
    from apitools import aws_calls
    from chalicelib.heartbeats import service
    from chalicelib.storage import job_states

    assert job_states.SHARDS >= 32
    with aws_calls(with_params=True) as calls:
        clock.advance(120)
        assert service.sweep_missed_runs(clock.now())["reported"] == 1
    queried = [p["KeyConditionExpression"] and p["ExpressionAttributeValues"][":0"]["S"]
               for op, p in calls if op == "Query" and p["TableName"].endswith("job-states")]
    assert sorted(queried) == sorted(job_states.shards())
    assert "Scan" not in [op for op, _ in calls]
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Down"


# --- a job created before job states (an upgrade) ----------------------------------------------

def as_an_older_release_left_it(job, **fields):
    """No job state item; the run fields and the deadline on the monitor item, indexed."""
    from chalicelib.storage import job_states, monitors
    from chalicelib.storage.job_states import JobStateItem

    JobStateItem(job_states.shard_of(job["id"]), job["id"]).delete()
    item = monitors.get_monitor(job["accountId"] if "accountId" in job else account_of(job),
                                job["id"])
    t = monitors.MonitorTelemetryItem
    actions = [getattr(t, name).set(value) for name, value in fields.items()]
    actions.append(t.deadline_shard.set(monitors.deadline_shard(job["id"])))
    t(item.account_id, item.monitor_id).update(actions=actions)


def account_of(job):
    from chalicelib.storage.monitors import MonitorItem

    [key] = MonitorItem.by_id.query(job["id"])
    return key.account_id


def test_an_upgraded_job_keeps_its_run_in_progress_and_gets_a_state(api, job, clock):
    from chalicelib.storage import job_states

    started = clock.now()
    clock.advance(7)
    as_an_older_release_left_it(job, last_start_at=started, last_ping_at=started,
                                deadline_at=int(started.timestamp()) + 3600)
    assert job_states.get_state(job["id"]) is None
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert pings_of(api, job)["items"][0]["runtimeMs"] == 7000
    state = job_states.get_state(job["id"])
    assert state.last_ping_at == clock.now() and state.last_start_at is None
    detail = api.get(f"/api/monitors/{job['id']}").json
    assert detail["lastPingAt"] == "2026-03-24T10:00:07Z"
    assert detail["deadline"] == "2026-03-24T10:01:37Z"      # + 60 s + 30 s grace


def test_an_upgraded_job_never_pinged_again_is_still_swept_then_cleared(api, job, clock):
    from chalicelib.heartbeats import service
    from chalicelib.storage import monitors

    as_an_older_release_left_it(job, deadline_at=int(clock.now().timestamp()) + 90)
    clock.advance(90)
    assert service.sweep_missed_runs(clock.now())["reported"] == 1
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Down"
    old_deadline = monitors.get_monitor(account_of(job), job["id"]).deadline_at
    assert old_deadline is not None                      # moved on, on the monitor item
    ping(api, f"/ping/{job['pingToken']}")               # now it has a job state
    clock.set(clock.now().fromtimestamp(int(old_deadline) + 1, clock.now().tzinfo))
    assert service.sweep_missed_runs(clock.now())["reported"] == 0
    assert monitors.get_monitor(account_of(job), job["id"]).deadline_at is None


def test_an_edit_of_an_upgraded_job_moves_its_fields_to_a_job_state(api, job, clock):
    from chalicelib.storage import job_states, monitors

    started = clock.now()
    as_an_older_release_left_it(job, last_ping_at=started,
                                deadline_at=int(started.timestamp()) + 90)
    api.put(f"/api/monitors/{job['id']}", {**JOB, "periodSeconds": 600})
    state = job_states.get_state(job["id"])
    assert state.last_ping_at == started
    assert state.deadline_at == int(started.timestamp()) + 630
    assert monitors.get_monitor(account_of(job), job["id"]).deadline_at is None


# --- the Function URL -------------------------------------------------------------------------

def url_event(path, method="GET", query=None, body=None, headers=None):
    return {"version": "2.0", "rawPath": path, "rawQueryString": "",
            "queryStringParameters": query, "headers": headers or {"user-agent": "cron/1"},
            "body": body, "isBase64Encoded": False,
            "requestContext": {"requestId": "r1", "http": {
                "method": method, "path": path, "sourceIp": "203.0.113.9",
                "userAgent": "cron/1"}}}


def test_a_function_url_event_takes_the_apps_own_ping_route(api, job):
    from app import ping_url_handler

    token = job["pingToken"]
    rid = "0b0e7c1c-6d2e-4c1a-9d39-6c1f5a3a6f0e"
    answer = ping_url_handler(url_event(f"/ping/{token}/3", "POST", {"rid": rid}, "it broke"),
                              None)
    assert (answer["statusCode"], answer["body"]) == (200, "OK")
    [stored] = pings_of(api, job)["items"]
    assert (stored["kind"], stored["exitStatus"], stored["runId"]) == ("Fail", 3, rid)
    assert (stored["message"], stored["source"], stored["userAgent"]) == \
        ("it broke", "203.0.113.9", "cron/1")
    assert ping_url_handler(url_event(f"/ping/{token}/fail"), None)["statusCode"] == 200
    assert pings_of(api, job)["items"][0]["kind"] == "Fail"
    assert ping_url_handler(url_event("/ping/nope"), None)["statusCode"] == 404
    missing = ping_url_handler(url_event("/api/monitors"), None)
    assert missing["statusCode"] == 404 and '"code": "NOT_FOUND"' in missing["body"]


def test_literal_ping_routes_win_over_the_exit_status_parameter():
    from chalicelib.heartbeats.function_url import ranked, route_of

    routes = ranked(["/ping/{token}", "/ping/{token}/{exit_status}", "/ping/{token}/fail",
                     "/api/monitors/{monitor_id}"])
    assert route_of(routes, "/ping/t/fail") == ("/ping/{token}/fail", {"token": "t"})
    assert route_of(routes, "/ping/t/7") == ("/ping/{token}/{exit_status}",
                                             {"token": "t", "exit_status": "7"})
    assert route_of(routes, "/ping/t") == ("/ping/{token}", {"token": "t"})
    assert route_of(routes, "/ping//fail") is None
    assert route_of(routes, "/api/monitors/x") is None


def test_the_function_url_ranks_the_ping_routes_once_not_at_every_ping(monkeypatch):
    from chalice import Chalice

    from chalicelib.heartbeats import function_url

    ranks = []
    real_ranked = function_url.ranked
    monkeypatch.setattr(function_url, "ranked",
                        lambda templates: ranks.append(templates) or real_ranked(templates))
    app = Chalice("ranks")
    for route in ("/ping/{token}", "/ping/{token}/fail"):
        app.route(route)(lambda token: {"token": token})
    handle = function_url.handler_for(app)
    event = {"requestContext": {"http": {"method": "GET", "path": "/ping/t"}}, "rawPath": "/ping/t"}
    for _ in range(3):
        assert handle(event, None)["statusCode"] == 200
    assert len(ranks) == 1


def test_buffered_pings_expire_with_the_plan_retention(api, job, clock):
    """A ping still in the buffer when the retention has passed goes, as an expired item."""
    token = job["pingToken"]
    ping(api, f"/ping/{token}", "POST", b"old")
    clock.advance(91 * 86400)                           # Business: 90 days
    ping(api, f"/ping/{token}", "POST", b"new")
    assert [p["message"] for p in pings_of(api, job)["items"]] == ["new"]


# --- group commit -----------------------------------------------------------------------------

def test_concurrent_pings_of_many_jobs_are_stored_in_fewer_writes_each_answered_after_it(
        api, clock, monkeypatch):
    """Threads of one process pinging 8 jobs while a write is on its way: the 7 that wait go
    to disk together in one TransactWriteItems (E20's group commit), each answered only once
    it is stored, every ping in its job's history."""
    import threading

    from chalicelib.heartbeats import service
    from chalicelib.storage import ping_writes

    jobs = [api.post("/api/monitors", {**JOB, "name": f"job {i}"}).json for i in range(8)]
    for job in jobs:                                     # tokens and states cached: one write
        for _ in range(2):
            assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
            clock.advance(20)
    committer, held, holding = ping_writes.group_commit, threading.Event(), threading.Event()
    real_one = committer.write_one

    def first_write_held(write):
        if not holding.is_set():
            holding.set()
            assert held.wait(10)
        return real_one(write)

    monkeypatch.setattr(committer, "write_one", first_write_held)
    answered = []

    def send(job):
        service.receive_ping(job["pingToken"], service.PingIn(service.SUCCESS, "GET", "kept"),
                             clock.now())
        answered.append((job["id"], held.is_set()))

    with counted_aws_requests() as seen:
        threads = [threading.Thread(target=send, args=(jobs[0],))]
        threads[0].start()
        assert holding.wait(10)
        threads += [threading.Thread(target=send, args=(job,)) for job in jobs[1:]]
        for thread in threads[1:]:
            thread.start()
        for _ in range(2000):                           # the 7 others wait for the first write
            if committer.waiting() == 7:
                break
            threading.Event().wait(0.005)
        assert committer.waiting() == 7
        assert answered == []
        held.set()
        for thread in threads:
            thread.join(10)
    assert sorted(answered) == sorted((job["id"], True) for job in jobs)
    assert seen.writes == [("PutItem", "enori-test-job-states"),
                           ("TransactWriteItems", "enori-test-job-states")]
    for job in jobs:
        assert pings_of(api, job)["items"][0]["message"] == "kept"
        assert pings_of(api, job)["totalCount"] == 3
