"""AWS requests per request (E20): a ping is one write and at most 2 calls, an authenticated
read is its own work plus at most one call, and none once its process holds a lease of read hits
(`http/rate_leases.py`). Counted with botocore's event hooks, so a change
that adds a request to these paths fails here."""
import pytest

from awsrequests import counted_aws_requests
from apitools import ping

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


@pytest.fixture
def job(api):
    return api.post("/api/monitors", JOB).json


@pytest.fixture
def requests_made():
    with counted_aws_requests() as seen:
        yield seen




def test_a_steady_ping_is_one_call_and_one_write(api, job, clock, requests_made):
    for _ in range(2):      # the first brings the job Up, the second learns its state
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
        clock.advance(10)
    requests_made.clear()
    assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
    assert requests_made.operations == ["PutItem"]
    assert len(requests_made.writes) == 1
    assert requests_made.answered == 1


def test_a_start_then_a_success_are_one_call_each(api, job, clock, requests_made):
    ping(api, f"/ping/{job['pingToken']}")
    ping(api, f"/ping/{job['pingToken']}")
    requests_made.clear()
    ping(api, f"/ping/{job['pingToken']}/start")
    clock.advance(3)
    ping(api, f"/ping/{job['pingToken']}")
    assert requests_made.operations == ["PutItem"] * 2
    runs = api.get(f"/api/monitors/{job['id']}/pings?limit=1").json["items"]
    assert runs[0]["runtimeMs"] == 3000


def test_any_ping_is_at_most_two_calls_once_the_token_is_known(api, job, clock, requests_made):
    """A fail ping changes the state (the evaluator's own transaction follows, as for any
    verdict that changes something); the ping itself is still one write."""
    ping(api, f"/ping/{job['pingToken']}")
    for kind in ("", "/start", "", "", "/start", ""):
        requests_made.clear()
        assert ping(api, f"/ping/{job['pingToken']}{kind}").status_code == 200
        assert len(requests_made.calls) <= 2
        assert requests_made.writes[0] == ("PutItem", requests_made.writes[0][1])
        assert len(requests_made.writes) == 1


def test_a_ping_past_the_limit_costs_no_request(api, job, monkeypatch, requests_made):
    from chalicelib.http import ratelimits

    monkeypatch.setattr(ratelimits, "PING_TIER", ratelimits.Tier("ping", 2, 60))
    codes = [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(2)]
    requests_made.clear()
    codes += [ping(api, f"/ping/{job['pingToken']}").status_code for _ in range(3)]
    assert codes == [200, 200, 429, 429, 429]
    assert requests_made.calls == []


def own_work(api, path, monkeypatch, requests_made) -> list:
    """The requests `path` makes with authentication and counting taken away: its own work,
    once the process remembers what it may (the list, a job's status changes)."""
    from chalicelib.http import auth
    from chalicelib.http import endpoint as http

    with monkeypatch.context() as patched:
        principal = auth.authenticate(api.key)
        patched.setattr(auth, "authenticate", lambda presented: principal)
        patched.setattr(http, "start_count", lambda *args: dict)
        assert api.get(path).status_code == 200
        requests_made.clear()
        assert api.get(path).status_code == 200
        return sorted(requests_made.calls)


# One BatchGetItem over two tables: a list's Jobs' run-time states and evaluator states.
BOTH_STATES = "enori-test-job-states,enori-test-monitor-states"
READS = ["/api/monitors/{id}", "/api/monitors", "/api/keys", "/api/monitors/{id}/pings"]


def warm(api, path, reads=2):
    """The key looked up and a block of read hits leased (the first read of a window takes
    one hit, the second a block of two, the fourth of four): the next read is the common case."""
    for _ in range(reads):
        assert api.get(path).status_code == 200


@pytest.mark.parametrize("path", READS)
def test_a_warm_authenticated_read_is_its_own_work_and_nothing_else(api, job, path, monkeypatch,
                                                                   requests_made):
    path = path.format(id=job["id"])
    work = own_work(api, path, monkeypatch, requests_made)
    warm(api, path)
    requests_made.clear()
    assert api.get(path).status_code == 200
    assert sorted(requests_made.calls) == work
    assert requests_made.writes == []
    assert requests_made.answered == len(requests_made.calls)


def test_a_warm_list_and_detail_make_exactly_their_reads(api, job, requests_made):
    """The exact calls, so that any added request (a write above all) shows here. The monitor
    is a Job: its run-time state (last ping, deadline) is read beside it; the list reads its
    evaluator state (the version its remembered status changes are good for) in the same
    BatchGetItem."""
    warm(api, "/api/monitors", reads=4)          # 3 hits left in the process's lease
    requests_made.clear()
    assert api.get("/api/monitors").status_code == 200
    assert sorted(requests_made.calls) == [("BatchGetItem", BOTH_STATES),
                                           ("Query", "enori-test-monitors")]
    requests_made.clear()
    assert api.get(f"/api/monitors/{job['id']}").status_code == 200
    assert sorted(requests_made.calls) == [("GetItem", "enori-test-job-states"),
                                           ("GetItem", "enori-test-monitor-states"),
                                           ("GetItem", "enori-test-monitors"),
                                           ("Query", "enori-test-check-rollups")]


@pytest.mark.parametrize("path", READS)
def test_a_read_that_takes_a_block_is_its_own_work_plus_one_write(api, job, path, monkeypatch,
                                                                  requests_made):
    path = path.format(id=job["id"])
    work = own_work(api, path, monkeypatch, requests_made)
    api.get(path)                                   # the key is looked up once per process
    requests_made.clear()
    assert api.get(path).status_code == 200         # its lease is spent: it takes a block
    extra = list(requests_made.calls)
    for call in work:
        extra.remove(call)
    assert [(operation, table.endswith("-rate-limits")) for operation, table in extra] == \
        [("UpdateItem", True)]
    assert requests_made.answered == len(requests_made.calls)


def test_reads_take_ever_fewer_writes_while_the_key_is_busy(api, clock, monkeypatch,
                                                          requests_made):
    """Blocks double while a key is busy (1, 2, 4, ... 64 hits): 127 reads, 7 writes."""
    from chalicelib.http import ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "read", ratelimits.Tier("read", 10_000, 60))
    clock.set(clock.now().replace(second=0))
    for _ in range(127):
        assert api.get("/api/monitors").status_code == 200
    assert requests_made.on("rate-limits") == ["UpdateItem"] * 7


def test_a_full_window_of_reads_at_the_spec_limit_takes_24_writes(api, clock, requests_made):
    """200 reads a minute: blocks grow, then shrink to a quarter of the room left, and the last
    7 hits are taken one by one; the 201st read is refused from memory."""
    clock.set(clock.now().replace(second=0))
    assert [api.get("/api/monitors").status_code for _ in range(200)] == [200] * 200
    assert requests_made.on("rate-limits") == ["UpdateItem"] * 24
    requests_made.clear()
    refused = api.get("/api/monitors")
    assert (refused.status_code, refused.headers["X-RateLimit-Remaining"]) == (429, "0")
    assert requests_made.writes == []


def test_a_read_refused_from_memory_does_none_of_its_work(api, clock, monkeypatch,
                                                         requests_made):
    """Once the process has seen the window full, a read is a 429 before any call: a client
    looping past its limit costs no list work."""
    from chalicelib.http import ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "read", ratelimits.Tier("read", 2, 60))
    clock.set(clock.now().replace(second=0))
    assert [api.get("/api/monitors").status_code for _ in range(2)] == [200, 200]
    requests_made.clear()
    refused = api.get("/api/monitors")
    assert (refused.status_code, refused.json["code"]) == (429, "RATE_LIMITED")
    assert refused.headers["Retry-After"] == "60"
    assert requests_made.calls == []


def test_a_key_is_looked_up_once_per_process_within_its_cache_time(api, clock, requests_made):
    from chalicelib.http.auth import KEY_CACHE_SECONDS

    for _ in range(3):
        api.get("/api/monitors")
    clock.advance(KEY_CACHE_SECONDS)
    api.get("/api/monitors")
    assert requests_made.on("api-keys") == ["GetItem", "GetItem"]


WEBSITE = {"type": "Website", "url": "https://api.example.com", "intervalSeconds": 60}


def test_a_warm_list_of_50_monitors_is_one_query_and_two_batch_reads(
        api, clock, monkeypatch, requests_made):
    """25 Jobs (pinged: Up, with a status change each) and 25 checked monitors: the monitors'
    Query, ONE BatchGetItem of the Jobs' run-time and evaluator states (two tables, 50 keys),
    and one of the checked monitors' heads. No read per monitor: a Job's status changes are
    read once per process and change of its state (`job_status.listed_job_uptimes`)."""
    from chalicelib.http import ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "create_monitor",
                        ratelimits.Tier("create_monitor", 100, 3600, counts_successes=True))
    for n in range(25):
        job = api.post("/api/monitors", {**JOB, "name": f"job {n}"}).json
        assert ping(api, f"/ping/{job['pingToken']}").status_code == 200
        assert api.post("/api/monitors", {**WEBSITE, "name": f"site {n}"}).status_code == 201
    clock.advance(600)
    warm(api, "/api/monitors?limit=50", reads=4)
    requests_made.clear()
    listed = api.get("/api/monitors?limit=50").json
    assert (listed["totalCount"], len(listed["items"])) == (50, 50)
    assert sorted(requests_made.calls) == [("BatchGetItem", BOTH_STATES),
                                           ("BatchGetItem", "enori-test-result-batches"),
                                           ("Query", "enori-test-monitors")]
