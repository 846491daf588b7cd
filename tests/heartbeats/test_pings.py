"""/ping/{token}[/fail|/start], /api/monitors/{id}/pings and /rotate-token."""
import json

import pytest

from apitools import make_account, ping, pings_of

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json





def test_it_shows_the_token_and_ping_url_on_a_job_monitor(api, job):
    assert len(job["pingToken"]) >= 32            # token_urlsafe(24): 192 bits
    assert job["pingUrl"].endswith(f"/ping/{job['pingToken']}")
    assert job["deadline"] == "2026-03-24T11:01:00Z"   # created 10:00, hourly, 60 s grace


def test_checked_monitors_have_no_token(api):
    website = api.post("/api/monitors", {"name": "w", "type": "Website",
                                         "url": "https://example.com"}).json
    assert "pingToken" not in website


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("suffix, kind", [("", "Success"), ("/fail", "Fail"), ("/start", "Start")])
def test_it_accepts_each_kind_by_get_and_post(api, job, method, suffix, kind):
    response = ping(api, f"/ping/{job['pingToken']}{suffix}", method)
    assert response.status_code == 200
    assert response.body == b"OK"
    assert response.headers["Content-Type"] == "text/plain"
    [stored] = pings_of(api, job)["items"]
    assert (stored["kind"], stored["method"]) == (kind, method)


def test_head_answers_200_without_a_body_and_counts(api, job):
    response = ping(api, f"/ping/{job['pingToken']}", "HEAD")
    assert (response.status_code, response.body) == (200, b"")
    assert pings_of(api, job)["items"][0]["method"] == "HEAD"


def test_head_with_an_unknown_token_is_a_bodiless_404(api):
    response = ping(api, "/ping/nope", "HEAD")
    assert (response.status_code, response.body) == (404, b"")


def test_a_success_brings_the_job_up_and_a_fail_takes_it_down(api, job):
    ping(api, f"/ping/{job['pingToken']}")
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Up"
    ping(api, f"/ping/{job['pingToken']}/fail")
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Down"


def test_a_start_gives_no_verdict(api, job):
    ping(api, f"/ping/{job['pingToken']}/start")
    detail = api.get(f"/api/monitors/{job['id']}").json
    assert detail["status"] == "Pending"
    assert detail["lastStartAt"] == "2026-03-24T10:00:00Z" and detail["lastPingAt"] is None


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain",
                                          "application/json", "application/octet-stream",
                                          "application/xml"])
def test_it_keeps_a_posted_body_whatever_its_label(api, job, content_type):
    response = ping(api, f"/ping/{job['pingToken']}/fail", "POST", body=b"exit 3: disk full",
                    headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert pings_of(api, job)["items"][0]["message"] == "exit 3: disk full"


def test_it_keeps_msg_and_records_source_and_user_agent(api, job):
    ping(api, f"/ping/{job['pingToken']}?msg=rows%3D42",
         headers={"User-Agent": "curl/8.5.0", "X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
    item = pings_of(api, job)["items"][0]
    assert (item["message"], item["userAgent"], item["source"]) == \
        ("rows=42", "curl/8.5.0", "203.0.113.9")


def test_without_forwarding_the_source_is_the_connection_address(api, job):
    ping(api, f"/ping/{job['pingToken']}")
    assert pings_of(api, job)["items"][0]["source"] == "127.0.0.1"


def test_an_unknown_token_is_404_and_writes_nothing(api, job):
    from chalicelib.storage.rate_limits import RateCounterItem

    response = api.get("/ping/not-a-token", key=None)
    assert response.status_code == 404 and response.json["code"] == "NOT_FOUND"
    assert pings_of(api, job)["totalCount"] == 0
    assert [c for c in RateCounterItem.scan() if c.bucket.startswith("ping#")] == []


def test_a_success_after_a_start_records_the_run_time(api, job, clock):
    ping(api, f"/ping/{job['pingToken']}/start")
    clock.advance(3)
    ping(api, f"/ping/{job['pingToken']}")
    success, start = pings_of(api, job)["items"]
    assert (success["kind"], success["runtimeMs"]) == ("Success", 3000)
    assert (start["kind"], start["runtimeMs"]) == ("Start", None)


def test_a_success_without_a_start_has_no_run_time(api, job, clock):
    ping(api, f"/ping/{job['pingToken']}/start")
    ping(api, f"/ping/{job['pingToken']}")
    clock.advance(5)
    ping(api, f"/ping/{job['pingToken']}")
    assert pings_of(api, job)["items"][0]["runtimeMs"] is None


def test_a_run_faster_than_the_minimum_takes_the_job_down(api, clock):
    monitor = api.post("/api/monitors", {**JOB, "minRuntimeSeconds": 5}).json
    ping(api, f"/ping/{monitor['pingToken']}/start")
    clock.advance(1.2)
    ping(api, f"/ping/{monitor['pingToken']}")
    assert api.get(f"/api/monitors/{monitor['id']}").json["status"] == "Down"
    assert _cause(monitor) == "job finished in 1.2 s, faster than the minimum 5 s"


def test_a_run_slower_than_the_maximum_takes_the_job_down(api, clock):
    monitor = api.post("/api/monitors", {**JOB, "maxRuntimeSeconds": 5}).json
    ping(api, f"/ping/{monitor['pingToken']}/start")
    clock.advance(8)
    ping(api, f"/ping/{monitor['pingToken']}")
    assert _cause(monitor) == "job finished in 8 s, slower than the maximum 5 s"


def _cause(monitor):
    from chalicelib.storage.monitor_states import load_state

    return json.loads(load_state(*_keys(monitor)).state_json)["cause"]


def _keys(monitor):
    from chalicelib.storage.monitors import MonitorItem

    [item] = [m for m in MonitorItem.by_id.query(monitor["id"])]
    return item.account_id, item.monitor_id


def test_it_rate_limits_pings_per_token_and_keeps_every_accepted_one(api, job, monkeypatch):
    from chalicelib.http import ratelimits

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 3, 60))
    codes = [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = ping(api, f"/ping/{job['pingToken']}")
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert pings_of(api, job)["totalCount"] == 3


def test_a_ping_that_started_in_the_last_window_counts_in_the_new_one(api, job, monkeypatch):
    """Under load a ping can reach its write after its job's window has moved on: it must
    count there, not reopen its own older window and reset the count (847 pings of one token
    were stored in 5 s under a 300-a-minute limit before)."""
    from datetime import datetime, timezone

    from chalicelib.heartbeats import service as heartbeats
    from chalicelib.http import ratelimits
    from chalicelib.kernel.errors import RateLimitedError

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 3, 60))
    minute = 29_000_000 * 60

    def ping_at(epoch: float) -> int:
        try:
            heartbeats.receive_ping(job["pingToken"], heartbeats.PingIn(kind="Success", method="GET"),
                                    datetime.fromtimestamp(epoch, tz=timezone.utc))
        except RateLimitedError:
            return 429
        return 200

    codes = [ping_at(minute + 61) for _ in range(3)]          # the new window, full
    codes.append(ping_at(minute + 59))                         # a straggler from the last one
    codes.append(ping_at(minute + 62))
    assert codes == [200, 200, 200, 429, 429]


def test_a_job_that_pings_start_and_success_every_second_keeps_every_ping(api, job, clock):
    """E14: 200 pings on one token, at the pace of a job that runs every second."""
    codes = []
    for _ in range(100):
        codes.append(ping(api, f"/ping/{job['pingToken']}/start").status_code)
        codes.append(ping(api, f"/ping/{job['pingToken']}").status_code)
        clock.advance(1)
    assert codes == [200] * 200
    assert pings_of(api, job, "?limit=500")["totalCount"] == 200


def test_a_burst_of_200_pings_in_one_second_is_kept(api, job):
    codes = [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(200)]
    assert codes == [200] * 200


def test_a_ping_that_keeps_finding_its_job_moved_waits_longer_each_time_and_is_kept(
        api, job, monkeypatch):
    """Two processes pinging one job make each other's conditional writes fail; retrying at
    once, in step, they kept colliding until the ping was a 500. Now the first retry is at once
    (it re-read the job) and each further one waits a random pause under a doubling bound."""
    from chalicelib.heartbeats import service
    from chalicelib.storage import ping_writes

    real_record, refused, pauses = ping_writes.record_ping, [], []

    def refused_five_times(write):
        if len(refused) < 5:
            refused.append(write)
            raise ping_writes.StaleJobError(write.state.monitor_id)
        real_record(write)

    monkeypatch.setattr(ping_writes, "record_ping", refused_five_times)
    monkeypatch.setattr(service, "sleep", pauses.append)
    monkeypatch.setattr(service.random, "random", lambda: 1.0)     # each pause at its bound
    assert ping(api, f"/ping/{job['pingToken']}", "POST", b"kept").status_code == 200
    assert pauses == [0.01, 0.02, 0.04, 0.08]
    assert [p["message"] for p in pings_of(api, job)["items"]] == ["kept"]


def another_process_pings_first(monkeypatch, times):
    """Before each of this process's next `times` ping writes, another process's ping of the
    same job is stored (the job state's version moves), so the write finds its job moved: two
    API workers hammering one token. The list of the writes refused so."""
    from chalicelib.storage import job_states, ping_writes

    real_record, refused = ping_writes.record_ping, []

    def racing(write):
        if len(refused) < times:
            refused.append(write)
            assert job_states.bump(write.state.monitor_id) is not None
        real_record(write)

    monkeypatch.setattr(ping_writes, "record_ping", racing)
    return refused


def test_a_ping_that_loses_race_after_race_is_stored_not_a_500(api, job, clock, monkeypatch):
    """Two API processes on one token: the one whose own pings keep its cache current wins
    almost every race, and the other's ping was a 500 after 10 lost ones (bench/pings.py, one
    token at 20 connections). It retries, re-reading the job, until it is stored."""
    from chalicelib.heartbeats import service

    ping(api, f"/ping/{job['pingToken']}")                # the job state exists and is cached
    clock.advance(1)
    refused = another_process_pings_first(monkeypatch, 30)
    monkeypatch.setattr(service, "sleep", lambda seconds: None)
    answer = ping(api, f"/ping/{job['pingToken']}", "POST", b"kept")
    assert answer.status_code == 200
    assert len(refused) == 30
    assert [p["message"] for p in pings_of(api, job)["items"]] == ["kept", None]


def test_a_ping_still_losing_races_past_the_retry_budget_is_a_429_and_not_stored(
        api, job, monkeypatch):
    from chalicelib.heartbeats import service

    ping(api, f"/ping/{job['pingToken']}")
    another_process_pings_first(monkeypatch, 1000)
    elapsed = iter(range(0, 1000))                       # one second per look at the clock
    monkeypatch.setattr(service, "monotonic", lambda: float(next(elapsed)))
    monkeypatch.setattr(service, "sleep", lambda seconds: None)
    answer = ping(api, f"/ping/{job['pingToken']}", "POST", b"refused")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "1")
    assert "pinged faster than its job can be written" in json.loads(answer.body)["message"]
    assert [p["message"] for p in pings_of(api, job)["items"]] == [None]


def test_conflict_pauses_are_random_below_a_capped_doubling_bound():
    from chalicelib.heartbeats.service import conflict_pause

    assert [conflict_pause(n, draw=lambda: 1.0) for n in range(8)] == \
        [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.32, 0.32]
    assert conflict_pause(3, draw=lambda: 0.25) == 0.02
    assert conflict_pause(0, draw=lambda: 0.0) == 0.0


def test_the_429_names_the_ping_limit(api, job, monkeypatch):
    from chalicelib.http import ratelimits

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 1, 60))
    ping(api, f"/ping/{job['pingToken']}")
    limited = ping(api, f"/ping/{job['pingToken']}")
    message = json.loads(limited.body)["message"]
    assert limited.status_code == 429
    assert message.startswith("Ping limit reached: 1 pings per 60 seconds per ping token")
    assert "Retry after 60 seconds" in message


def test_the_documented_ping_limit_is_the_enforced_one():
    from chalicelib.http import ratelimits
    from chalicelib.http.endpoint import ROUTES
    from chalicelib.openapi.document import build_document

    text = ratelimits.ping_limit_text()
    assert ratelimits.PING_TIER.limit >= 120        # start + success every second
    operation = build_document(ROUTES)["paths"]["/ping/{token}"]["get"]
    assert text in operation["description"]
    assert text in operation["responses"]["429"]["description"]


def test_history_is_newest_first_with_limit_and_offset(api, job, clock):
    for suffix in ("/start", "", "/fail"):
        ping(api, f"/ping/{job['pingToken']}{suffix}")
        clock.advance(10)
    page = pings_of(api, job, "?limit=2&offset=1")
    assert [p["kind"] for p in page["items"]] == ["Success", "Start"]
    assert page["totalCount"] == 3
    assert page["items"][0]["at"] == "2026-03-24T10:00:10Z"


def test_history_selects_by_from_and_to(api, job, clock):
    for _ in range(3):
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
    page = pings_of(api, job, "?from=2026-03-24T10:00:30Z&to=2026-03-24T10:01:30Z")
    assert [p["at"] for p in page["items"]] == ["2026-03-24T10:01:00Z"]
    assert page["totalCount"] == 1


def test_pings_expire_with_the_plan_retention(api, job, clock):
    """Buffered pings reach the pings table in a chunk, which expires the plan's retention
    after its newest ping; a ping stored on its own, the same after itself."""
    from chalicelib.storage.pings import CHUNK, PingItem, pings_of as held

    while not list(PingItem.query(job["id"])):
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
    ping(api, f"/ping/{job['pingToken']}", "POST", b"x" * 2000)
    chunk, *_, single = sorted(PingItem.query(job["id"]), key=lambda i: i.kind != CHUNK)
    assert (chunk.kind, single.kind) == (CHUNK, "Success")
    assert (chunk.expires_at - held(chunk)[-1].at).days == 90      # Business plan
    assert (single.expires_at - single.at).days == 90


def test_rotating_the_token_retires_the_old_one(api, job):
    rotated = api.post(f"/api/monitors/{job['id']}/rotate-token")
    assert rotated.status_code == 200
    new_token = rotated.json["pingToken"]
    assert new_token != job["pingToken"]
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 404
    assert ping(api, f"/ping/{new_token}").status_code == 200
    assert api.get(f"/api/monitors/{job['id']}").json["pingToken"] == new_token


def test_rotating_a_checked_monitors_token_is_a_400(api):
    website = api.post("/api/monitors", {"name": "w", "type": "Website",
                                         "url": "https://example.com"}).json
    assert api.post(f"/api/monitors/{website['id']}/rotate-token").status_code == 400


def test_a_replace_keeps_the_token_and_a_type_change_releases_it(api, job):
    replaced = api.put(f"/api/monitors/{job['id']}", {**JOB, "periodSeconds": 600}).json
    assert replaced["pingToken"] == job["pingToken"]
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    api.put(f"/api/monitors/{job['id']}", {"name": "w", "type": "Website",
                                           "url": "https://example.com"})
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 404
    again = api.put(f"/api/monitors/{job['id']}", JOB).json
    assert again["pingToken"] not in (None, job["pingToken"])
    assert ping(api, f"/ping/{again['pingToken']}").status_code == 200


def test_deleting_a_job_retires_its_token_and_its_pings(api, job):
    from chalicelib.storage.pings import PingItem

    ping(api, f"/ping/{job['pingToken']}")
    assert api.delete(f"/api/monitors/{job['id']}").status_code == 204
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 404
    assert list(PingItem.query(job["id"])) == []


def test_a_paused_job_records_pings_but_stays_paused(api, job):
    api.post(f"/api/monitors/{job['id']}/pause")
    assert ping(api, f"/ping/{job['pingToken']}/fail").status_code == 200
    detail = api.get(f"/api/monitors/{job['id']}").json
    assert (detail["status"], detail["deadline"]) == ("Paused", None)
    assert pings_of(api, job)["totalCount"] == 1


@pytest.mark.parametrize("method, path", [("GET", "/api/monitors/{id}/pings"),
                                          ("POST", "/api/monitors/{id}/rotate-token")])
def test_another_accounts_job_is_exactly_like_a_missing_one(api, method, path):
    _, other_key = make_account()
    theirs = api.post("/api/monitors", JOB, key=other_key).json
    foreign = api.request(method, path.format(id=theirs["id"]))
    missing = api.request(method, path.format(id="mon_doesnotexist00"))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["code"] == missing.json["code"] == "NOT_FOUND"
    untouched = api.get(f"/api/monitors/{theirs['id']}", key=other_key).json
    assert untouched["pingToken"] == theirs["pingToken"]


@pytest.mark.parametrize("method, path, scope", [
    ("GET", "/api/monitors/{id}/pings", "monitors:read"),
    ("POST", "/api/monitors/{id}/rotate-token", "monitors:write"),
])
def test_it_needs_the_scope(api, method, path, scope):
    from chalicelib.accounts.keys import issue_key
    from chalicelib.kernel.runtime import runtime

    job = api.post("/api/monitors", JOB).json
    account_id = _keys(job)[0]
    other_scope = "monitors:write" if scope == "monitors:read" else "monitors:read"
    _, key = issue_key(account_id, "narrow", [other_scope], runtime.clock.now())
    assert api.request(method, path.format(id=job["id"]), key=key).status_code == 403


def test_the_plan_limit_still_holds_for_job_monitors(api, clock):
    _, base_key = make_account("Base")
    codes = [api.post("/api/monitors", {**JOB, "name": f"job {n}"}, key=base_key).status_code
             for n in range(10)]
    clock.advance(3600)                            # past the 10-per-hour create limit
    codes.append(api.post("/api/monitors", JOB, key=base_key).status_code)
    assert codes == [201] * 10 + [403]


def test_a_rename_clash_is_still_a_409_for_a_job(api, job):
    api.post("/api/monitors", {**JOB, "name": "other"})
    assert api.put(f"/api/monitors/{job['id']}", {**JOB, "name": "other"}).status_code == 409


def test_a_job_uptime_is_the_time_it_was_not_down(api, clock, job):
    ping(api, f"/ping/{job['pingToken']}")          # 10:00 Up
    clock.advance(3000)
    ping(api, f"/ping/{job['pingToken']}/fail")     # 10:50 Down
    clock.advance(164)
    ping(api, f"/ping/{job['pingToken']}")          # 164 s later, Up again
    clock.advance(436)                              # 11:00: 3600 s known, 164 Down
    assert api.get(f"/api/monitors/{job['id']}/stats").json["uptimePercentage"] == 95.444
    [listed] = [m for m in api.get("/api/monitors").json["items"] if m["id"] == job["id"]]
    assert listed["uptimePercentage"] == 95.444
    assert api.get(f"/api/monitors/{job['id']}").json["uptimePercentage"] == 95.444


def test_a_never_pinged_job_has_no_uptime(api, job):
    assert api.get(f"/api/monitors/{job['id']}/stats").json["uptimePercentage"] is None


def test_a_resumed_job_is_up_again_after_its_next_ping(api, job):
    ping(api, f"/ping/{job['pingToken']}")
    api.post(f"/api/monitors/{job['id']}/pause")
    assert api.post(f"/api/monitors/{job['id']}/resume").json["status"] == "Pending"
    ping(api, f"/ping/{job['pingToken']}")
    assert api.get(f"/api/monitors/{job['id']}").json["status"] == "Up"
