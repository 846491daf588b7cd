"""The overview's figures (E17): uptime over 24 h and 30 d equal to what `/stats` answers for the
same monitor and period, "—" without data, the last response time, the sparkline of hourly mean
response times, and a page whose DynamoDB calls do not grow per monitor (no rollup read for a
monitor checked in this hour and the one before; at most one key a monitor otherwise)."""
import json
import math
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from awsrequests import counted_aws_requests
from result_seeds import put_result
from webtools import sign_in as signed_in

from chalicelib.checks import figures
from chalicelib.checks.checkers.base import CheckResult
from chalicelib.checks.results import record_result
from chalicelib.kernel import stats
from chalicelib.storage import monitors as monitor_store
from chalicelib.web import charts

HOUR = 3600


def website(api, name="Shop"):
    response = api.post("/api/monitors", {"name": name, "type": "Website",
                                          "url": f"https://{name.lower()}.example.com/"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def record(world, monitor_id, ok=True, ms=100, minutes_ago=0, region="UsEast"):
    """Record a check result as the worker does, for the slot `minutes_ago` before now."""
    now = world["clock"].now()
    slot = int(now.timestamp()) - minutes_ago * 60
    item = monitor_store.find_by_id(monitor_id)
    result = CheckResult(ok=ok, response_time_ms=ms, status_code=200 if ok else 503,
                         error=None if ok else "HTTP 503")
    assert record_result(item, result, region, slot, now, retention_days=90)
    # What /stats reads (E16 point 3): the same result as a minute item.
    put_result(monitor_id, slot, region, ok=ok, ms=ms, status=result.status_code,
               error=result.error, checked_at=int(now.timestamp()))


def history(world, monitor_id, hours, start_ms=100):
    """Two results at :05 and :35 of each of `hours` hours, the hour's mean growing by 10 ms an
    hour; every fourth hour's first check fails. Leaves the clock at :40 of the last hour."""
    clock = world["clock"]
    clock.set(clock.now().replace(minute=5, second=0))
    means = []
    for index in range(hours):
        fails = index % 4 == 0
        first, second = start_ms + 10 * index - 5, start_ms + 10 * index + 5
        record(world, monitor_id, ok=not fails, ms=first)
        clock.advance(30 * 60)
        record(world, monitor_id, ms=second)
        means.append(start_ms + 10 * index)
        clock.advance(30 * 60)
    clock.advance(-25 * 60)
    return means


def shown(world, monitor_id) -> dict:
    """The overview row of a monitor: its uptime cells, response time and sparkline."""
    page = signed_in(world).get("/")
    assert page.status_code == 200, page.text
    row = re.search(rf'href="/monitors/{monitor_id}">.*?</tr>', page.text, re.S).group(0)
    cells = re.findall(r'<td class="figure">(.*?)</td>', row)
    return {"24h": cells[0], "30d": cells[1], "response": cells[2],
            "spark": re.findall(r'<polyline points="([^"]+)"', row), "row": row}


def api_figure(api, monitor_id, period) -> str:
    value = api.get(f"/api/monitors/{monitor_id}/stats?period={period}").json["uptimePercentage"]
    return "—" if value is None else "%.2f %%" % value


def assert_same_as_stats(world, monitor_id):
    row = shown(world, monitor_id)
    assert (row["24h"], row["30d"]) == (api_figure(world["api"], monitor_id, "24h"),
                                        api_figure(world["api"], monitor_id, "30d"))
    return row


def test_a_monitor_without_results_shows_dashes_never_100(world):
    monitor_id = website(world["api"])
    row = shown(world, monitor_id)
    assert (row["24h"], row["30d"], row["response"]) == ("—", "—", "—")
    assert row["spark"] == [] and "<svg" not in row["row"]
    assert api_figure(world["api"], monitor_id, "30d") == "—"


def test_the_uptimes_equal_the_stats_as_the_hours_go_by(world):
    monitor_id = website(world["api"])
    history(world, monitor_id, 30)
    row = assert_same_as_stats(world, monitor_id)
    assert row["24h"] != row["30d"] != "100.00 %"            # the windows differ: a real test
    assert row["response"] == "395 ms"                        # the last result's time
    clock = world["clock"]
    for hours in (1, 3, 20, 23, 30):     # not checked since: the summary catches up by keys,
        clock.advance(hours * HOUR)      # then (past 48 keys) by the /stats Query
        assert_same_as_stats(world, monitor_id)
    clock.advance(31 * 24 * HOUR)
    row = assert_same_as_stats(world, monitor_id)
    assert (row["24h"], row["30d"]) == ("—", "—")


def test_a_late_result_of_the_hour_before_the_summary_counts(world):
    monitor_id = website(world["api"])
    history(world, monitor_id, 3)
    world["clock"].advance(30 * 60)                      # :10 of a new hour
    record(world, monitor_id, ms=90)                     # its first result takes the summary
    before = api_figure(world["api"], monitor_id, "24h")
    record(world, monitor_id, ok=False, ms=None, minutes_ago=15, region="EuWest")  # hour before
    assert api_figure(world["api"], monitor_id, "24h") != before
    assert_same_as_stats(world, monitor_id)


def test_hours_inside_maintenance_are_left_out_as_stats_does(world):
    monitor_id = website(world["api"])
    history(world, monitor_id, 30)
    clock = world["clock"]
    start = (clock.now() - timedelta(hours=20)).replace(minute=0)
    window = {"name": "Upgrade", "allMonitors": True,
              "startsAt": start.isoformat().replace("+00:00", "Z"),
              "endsAt": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z")}
    counted_all = api_figure(world["api"], monitor_id, "24h")
    assert world["api"].post("/api/maintenance-windows", window).status_code == 201
    assert api_figure(world["api"], monitor_id, "24h") != counted_all   # the hours are out
    assert_same_as_stats(world, monitor_id)
    clock.advance(2 * HOUR)
    assert_same_as_stats(world, monitor_id)


def test_the_sparkline_follows_the_hourly_means(world, clock):
    monitor_id = website(world["api"])
    means = history(world, monitor_id, 30)
    item = monitor_store.find_by_id(monitor_id)
    spark = figures.figures_for([item], clock.now())[monitor_id].spark
    assert spark == means[-24:]
    row = shown(world, monitor_id)
    points = [tuple(map(float, p.split(","))) for p in row["spark"][0].split()]
    assert len(points) == 24
    ys = [y for _, y in points]
    assert ys == sorted(ys, reverse=True)               # slower each hour: the line climbs
    assert ys[0] == charts.SPARK_HEIGHT - charts.SPARK_PAD and ys[-1] == charts.SPARK_PAD
    clock.advance(3 * HOUR)                             # three hours without a check: a gap
    spark = figures.figures_for([monitor_store.find_by_id(monitor_id)], clock.now())[
        monitor_id].spark
    assert spark == means[-21:] + [None] * 3


def test_the_sparkline_breaks_where_hours_have_no_value():
    drawn = charts.sparkline([10, 20, None, 30, None, None, 20])
    assert drawn["low"] == 10 and drawn["high"] == 30
    assert [len(s) for s in drawn["segments"]] == [2, 1, 1]
    assert charts.sparkline([None, None]) is None
    assert charts.sparkline([50, 50])["segments"] == [["0.0,12.0", "96.0,12.0"]]


def test_a_job_monitor_shows_time_not_down_and_no_response_time(world):
    api, clock = world["api"], world["clock"]
    job = api.post("/api/monitors", {"name": "Backup", "type": "Job", "periodSeconds": 3600,
                                     "gracePeriodSeconds": 60}).json
    assert api.client.http.request("GET", f"/ping/{job['pingToken']}", headers={},
                                   body=b"").status_code == 200
    clock.advance(2 * HOUR)
    row = assert_same_as_stats(world, job["id"])
    assert row["24h"] != "—"
    assert row["response"] == "—" and row["spark"] == []
    calls = page_calls(world)           # one Query of its status changes for both windows
    assert [op for op, table in calls if table.endswith("check-rollups")] == ["Query"]
    assert len([1 for _, table in calls if table.endswith("monitor-states")]) <= 1


def test_a_paused_monitor_shows_its_windows_figures(world):
    monitor_id = website(world["api"])
    history(world, monitor_id, 5)
    assert world["api"].post(f"/api/monitors/{monitor_id}/pause").status_code == 200
    world["clock"].advance(2 * HOUR)
    row = assert_same_as_stats(world, monitor_id)
    assert "Paused" in row["row"] and row["24h"] != "—"


def page_calls(world) -> list[tuple[str, str]]:
    person = signed_in(world)
    with counted_aws_requests() as seen:
        assert person.get("/").status_code == 200
    return seen.calls


def rollup_reads(world) -> list[str]:
    return [op for op, table in page_calls(world) if table.endswith("check-rollups")]


@pytest.mark.parametrize("count", [3, 60])
def test_the_page_reads_no_rollup_for_monitors_checked_this_hour_and_the_last(world, count):
    """Monitors checked in this hour and the one before cost no rollup read (their item holds
    both hours); monitors whose previous hour had no result, one key each: ceil(n / 100)
    BatchGetItem calls. Every other call of the page is the same whatever n."""
    ids = []
    for i in range(count):
        ids.append(website(world["api"], f"Site{i}"))
        if i % 10 == 9:
            world["clock"].advance(HOUR)           # the create tier allows 10 an hour
    clock = world["clock"]
    clock.set(clock.now().replace(minute=5) + timedelta(hours=1))
    for ms in (120, 130):                           # a result in the hour before and this one
        for monitor_id in ids:
            record(world, monitor_id, ms=ms)
        clock.advance(HOUR)
    clock.advance(-HOUR)
    calls = page_calls(world)
    assert [op for op, table in calls if table.endswith("check-rollups")] == []
    assert not [op for op, _ in calls if op == "Scan"]
    others = sorted((op, table.split("-", 2)[2]) for op, table in calls
                    if not table.endswith("check-rollups"))
    # The session, the monitors, the open incidents and (unless cached) maintenance windows.
    assert [c for c in others if c != ("Query", "maintenance-windows")] == [
        ("GetItem", "web-sessions"), ("Query", "incidents"), ("Query", "monitors")]
    for monitor_id in ids[:2]:
        assert_same_as_stats(world, monitor_id)
    clock.advance(2 * HOUR)                        # an hour without a result, then one
    for monitor_id in ids:
        record(world, monitor_id, ms=140)
    assert rollup_reads(world) == ["BatchGetItem"] * math.ceil(count / 100)
    for monitor_id in ids[:2]:
        assert_same_as_stats(world, monitor_id)


@contextmanager
def telemetry_held(monkeypatch):
    """Results recorded inside keep their telemetry update (the last request of the check
    path) back: the list it yields holds them, to be landed in any order."""
    held = []
    real = monitor_store.record_check_telemetry
    monkeypatch.setattr(monitor_store, "record_check_telemetry",
                        lambda *a, **k: held.append(lambda: real(*a, **k)) or True)
    yield held
    monkeypatch.setattr(monitor_store, "record_check_telemetry", real)


def test_results_of_one_hour_landing_out_of_order_are_all_counted(world, monkeypatch):
    """Two regions record the same hour: whichever telemetry update lands last, the page
    counts every result its rollup counted, as /stats does, and reads no rollup for them."""
    monitor_id = website(world["api"])
    history(world, monitor_id, 3)
    clock = world["clock"]
    clock.advance(30 * 60)                                   # :10 of a new hour
    with telemetry_held(monkeypatch) as held:
        record(world, monitor_id, ms=90)                     # the hour's first (its summary)
        record(world, monitor_id, ok=False, ms=700, region="EuWest")
    first, second = held
    assert second() and first()          # the second lands first; the summary still lands
    row = assert_same_as_stats(world, monitor_id)
    assert rollup_reads(world) == []
    clock.advance(60)
    with telemetry_held(monkeypatch) as held:
        record(world, monitor_id, ok=False, ms=None)
        record(world, monitor_id, ms=300, region="EuWest")
    third, fourth = held
    landed = [fourth(), third()]
    later = assert_same_as_stats(world, monitor_id)
    assert landed == [True, False]       # the third's counts are in the fourth's: refused
    assert later["24h"] != row["24h"] and rollup_reads(world) == []
    spark = figures.figures_for([monitor_store.find_by_id(monitor_id)], clock.now())[
        monitor_id].spark
    assert spark[-1] == round((90 + 700 + 300) / 3)           # the hour's mean, all counted


def test_late_results_of_the_hour_just_ended_count_without_a_read(world, monkeypatch):
    """The hour just ended keeps its own slot: a late result of it, after this hour's results,
    is on the item. A late FIRST result of it cannot be told from none: that hour is read."""
    monitor_id = website(world["api"])
    history(world, monitor_id, 3)
    clock = world["clock"]
    clock.advance(30 * 60)                                   # :10 of a new hour
    record(world, monitor_id, ms=90)
    record(world, monitor_id, ms=95, region="EuWest")
    record(world, monitor_id, ok=False, ms=None, minutes_ago=15, region="EuWest")
    assert_same_as_stats(world, monitor_id)
    assert rollup_reads(world) == []
    clock.advance(2 * HOUR)                                  # :10, the hour before had none
    record(world, monitor_id, ms=90)
    record(world, monitor_id, ms=95, region="EuWest")
    assert rollup_reads(world) == ["BatchGetItem"]           # it may yet have a late one
    record(world, monitor_id, ok=False, ms=None, minutes_ago=15, region="EuWest")
    assert_same_as_stats(world, monitor_id)


def test_the_summary_costs_the_check_path_no_request(world, clock):
    """Recording a result makes the same calls as before the summary: the result, the rollup
    ADD, the telemetry update, and at an hour's first result the Query it already made."""
    monitor_id = website(world["api"])
    history(world, monitor_id, 2)
    clock.advance(30 * 60)
    item = monitor_store.find_by_id(monitor_id)
    with counted_aws_requests() as seen:
        record_result(item, CheckResult(ok=True, response_time_ms=80), "UsEast",
                      int(clock.time()), clock.now(), retention_days=90)
    assert seen.operations == ["PutItem", "UpdateItem", "Query", "UpdateItem"]
    stored = monitor_store.find_by_id(monitor_id)
    assert stored.hour_summary_json and int(stored.last_response_ms) == 80
    assert json.loads(stored.hour_summary_json)["hour"] == stats.hour_of(clock.time())
