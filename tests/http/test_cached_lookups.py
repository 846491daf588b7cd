"""What a process may remember (E20): API keys for KEY_CACHE_SECONDS, ping tokens for
`ping_cache.TTL_SECONDS` (each ping's write re-proves them);
never a revoked key past that bound, never a retired token, never a wrong run time or a
second window's worth of pings because another process moved the job meanwhile."""
import copy

import pytest

from apitools import make_account, ping
from awsrequests import counted_aws_requests

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json




# --- API keys -----------------------------------------------------------------------------

def test_a_key_revoked_elsewhere_fails_within_the_cache_bound(clock):
    from chalicelib.http import auth
    from chalicelib.kernel.errors import UnauthorizedError
    from chalicelib.storage import api_keys as key_store

    account_id, key = make_account()
    make_account()
    principal = auth.authenticate(key)
    # Another process revokes it: the store changes, this process's cache does not hear of it.
    item = key_store.get_by_digest(auth.digest_key(key))
    item.delete()
    clock.advance(auth.KEY_CACHE_SECONDS - 0.5)
    assert auth.authenticate(key) == principal
    clock.advance(0.5)
    with pytest.raises(UnauthorizedError):
        auth.authenticate(key)


def test_a_key_revoked_through_this_process_fails_at_once(api, clock):
    from chalicelib.http import auth

    other = api.post("/api/keys", {"name": "ci", "scopes": ["monitors:read"]}).json
    assert api.get("/api/monitors", key=other["key"]).status_code == 200
    assert api.delete(f"/api/keys/{other['id']}").status_code == 204
    assert api.get("/api/monitors", key=other["key"]).status_code == 401
    assert auth.KEY_CACHE_SECONDS <= 5


def test_an_unknown_key_is_never_remembered(api, clock):
    from chalicelib.accounts import keys as apikeys

    account_id, _ = make_account()
    unknown = apikeys.generate_key()
    assert api.get("/api/monitors", key=unknown).status_code == 401
    # The same key, now issued (as by another process): it works at once.
    from chalicelib.storage import api_keys as key_store

    item = key_store.ApiKeyItem(apikeys.digest_key(unknown), key_id="key_later0000000",
                                account_id=account_id, name="later", prefix=unknown[:14],
                                scopes=["*"], created_at=clock.now())
    item.save()
    assert api.get("/api/monitors", key=unknown).status_code == 200


def test_reads_past_the_limit_are_refused_exactly(api, monkeypatch):
    """Counted alongside their work, reads still stop at exactly the limit."""
    from chalicelib.http import ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "read", ratelimits.Tier("read", 4, 60))
    answers = [api.get("/api/monitors") for _ in range(6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:4]] == ["3", "2", "1", "0"]
    assert answers[4].json["code"] == "RATE_LIMITED" and "items" not in answers[4].json
    assert answers[5].headers["Retry-After"]


def test_a_read_past_the_limit_is_a_429_even_when_its_work_fails(api, monkeypatch):
    from chalicelib.http import ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "read", ratelimits.Tier("read", 1, 60))
    api.get("/api/monitors")
    assert api.get("/api/monitors/mon_doesnotexist00").status_code == 429


# --- ping tokens --------------------------------------------------------------------------

def test_a_token_is_looked_up_again_after_the_cache_bound(api, job, clock):
    """Not every 60 s: a job pinged every minute would read everything again at each ping."""
    from chalicelib.heartbeats.ping_cache import TTL_SECONDS

    assert TTL_SECONDS > 60
    with counted_aws_requests() as seen:
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(60)
        ping(api, f"/ping/{job['pingToken']}")
        clock.advance(TTL_SECONDS - 61)
        ping(api, f"/ping/{job['pingToken']}")
        assert seen.on("uniques") == ["GetItem"]
        clock.advance(1)
        ping(api, f"/ping/{job['pingToken']}")
        assert seen.on("uniques") == ["GetItem", "GetItem"]


def test_a_start_seen_by_another_process_still_gives_the_run_time(api, job, clock):
    from chalicelib.heartbeats import ping_cache

    token = job["pingToken"]
    ping(api, f"/ping/{token}")
    stale = copy.deepcopy(ping_cache.cache.get(token, clock.time()))   # "process B"
    ping(api, f"/ping/{token}/start")                                   # "process A"
    ping_cache.cache.put(token, stale)
    clock.advance(7)
    assert ping(api, f"/ping/{token}").status_code == 200
    latest = api.get(f"/api/monitors/{job['id']}/pings?limit=1").json["items"][0]
    assert latest["runtimeMs"] == 7000


def test_an_edit_elsewhere_is_seen_by_the_next_ping(api, job, clock):
    """The cached monitor says "not paused"; a pause (through another process) bumps its
    version, so the ping re-reads it and leaves the job paused."""
    from chalicelib.heartbeats import ping_cache

    token = job["pingToken"]
    ping(api, f"/ping/{token}")
    stale = copy.deepcopy(ping_cache.cache.get(token, clock.time()))
    api.post(f"/api/monitors/{job['id']}/pause")
    ping_cache.cache.put(token, stale)
    assert ping(api, f"/ping/{token}/fail").status_code == 200
    detail = api.get(f"/api/monitors/{job['id']}").json
    assert (detail["status"], detail["deadline"]) == ("Paused", None)


def test_a_retired_token_fails_at_once_despite_the_cache(api, job, clock):
    token = job["pingToken"]
    ping(api, f"/ping/{token}")
    assert api.delete(f"/api/monitors/{job['id']}").status_code == 204
    assert ping(api, f"/ping/{token}").status_code == 404


def test_the_ping_limit_is_exact_across_processes(api, job, monkeypatch):
    """Two processes, each with its own cache, share one window: 3 pings stored, not 6."""
    from chalicelib.heartbeats import ping_cache
    from chalicelib.http import ratelimits

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 3, 60))
    processes = [ping_cache.PingCache(), ping_cache.PingCache()]
    codes = []
    for turn in range(8):
        monkeypatch.setattr(ping_cache, "cache", processes[turn % 2])
        codes.append(ping(api, f"/ping/{job['pingToken']}").status_code)
    assert codes.count(200) == 3 and codes[:3] == [200, 200, 200]
    total = api.get(f"/api/monitors/{job['id']}/pings").json["totalCount"]
    assert total == 3


def test_a_new_window_opens_after_a_full_one(api, job, clock, monkeypatch):
    from chalicelib.http import ratelimits

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 2, 60))
    clock.advance(60 - clock.time() % 60)
    codes = [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(3)]
    clock.advance(60)
    codes += [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(3)]
    assert codes == [200, 200, 429, 200, 200, 429]
