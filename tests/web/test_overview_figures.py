"""The overview's figures (E17, E16 point 3): uptime over 24 h and 30 d equal to what `/stats`
answers for the same monitor and period, "—" without data, the last response time, the
sparkline of hourly mean response times, and a page whose DynamoDB calls do not grow per
monitor. Results are recorded as the check worker records them (minute items and shard heads,
no per-check write on the monitor) and rolled up by the hourly job: the page adds the heads'
current hours to the hour summary the job took."""
import math
import re
from datetime import timedelta

import pytest

from awsrequests import counted_aws_requests
from compact_results import checked, numbered
from webtools import sign_in as signed_in

from chalicelib.checks import figures, rollup_job
from chalicelib.monitors.now import fill_now
from chalicelib.storage import monitors as monitor_store
from chalicelib.web import charts

HOUR = 3600


def website(api, name="Shop", regions=("UsEast",)):
    response = api.post("/api/monitors", {"name": name, "type": "Website",
                                          "url": f"https://{name.lower()}.example.com/",
                                          "regions": list(regions)})
    assert response.status_code == 201, response.json
    numbered(response.json["id"])
    return response.json["id"]


def record(world, monitor_id, ok=True, ms=100, minutes_ago=0, region="UsEast"):
    """Record a check result as the worker does, for the slot `minutes_ago` before now."""
    slot = int(world["clock"].time()) - minutes_ago * 60
    checked(monitor_store.find_by_id(monitor_id), region, [(slot, ok, ms)])


def roll(world):
    """The hourly job, run now (it rolls up every settled hour not rolled yet)."""
    return rollup_job.roll_up(world["clock"].now())


def history(world, monitor_id, hours, start_ms=100):
    """Two results at :05 and :35 of each of `hours` hours, the hour's mean growing by 10 ms an
    hour; every fourth hour's first check fails; the job runs at :10 of every hour. Leaves the
    clock at :40 of the last hour."""
    clock = world["clock"]
    clock.set(clock.now().replace(minute=5, second=0))
    means = []
    for index in range(hours):
        fails = index % 4 == 0
        first, second = start_ms + 10 * index - 5, start_ms + 10 * index + 5
        record(world, monitor_id, ok=not fails, ms=first)
        clock.advance(5 * 60)
        roll(world)
        clock.advance(25 * 60)
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
    row = shown(world, monitor_id)       # the last hour from the heads, the others rolled up
    assert (row["24h"], row["30d"]) == ("87.50 %", "86.67 %")  # 6 of 48 and 8 of 60 failed
    assert row["response"] == "395 ms"                        # the last result's time
    clock = world["clock"]
    for hours in (1, 3, 20, 23, 30):     # not checked since: the summary catches up by keys,
        clock.advance(hours * HOUR)      # then (past 48 keys) by the /stats Query
        roll(world)
        assert_same_as_stats(world, monitor_id)
    clock.advance(31 * 24 * HOUR)
    roll(world)
    row = assert_same_as_stats(world, monitor_id)
    assert (row["24h"], row["30d"]) == ("—", "—")


def test_results_of_the_hours_the_job_has_not_rolled_up_count_from_the_heads(world):
    monitor_id = website(world["api"], regions=("UsEast", "EuWest"))
    history(world, monitor_id, 3)                        # 6 checks, 1 failed
    world["clock"].advance(25 * 60)                      # :05 of a new hour, before the job
    record(world, monitor_id, ok=False, ms=90)
    record(world, monitor_id, ok=False, ms=None, minutes_ago=15, region="EuWest")  # hour before
    assert shown(world, monitor_id)["24h"] == "62.50 %"  # 3 of 8 failed
    world["clock"].advance(2 * HOUR)
    roll(world)                                          # both hours rolled up: as /stats
    assert assert_same_as_stats(world, monitor_id)["24h"] == "62.50 %"


def test_hours_inside_maintenance_are_left_out_as_stats_does(world):
    monitor_id = website(world["api"])
    history(world, monitor_id, 30)
    clock = world["clock"]
    clock.advance(HOUR)
    roll(world)                                          # every hour with results rolled up
    start = (clock.now() - timedelta(hours=20)).replace(minute=0)
    window = {"name": "Upgrade", "allMonitors": True,
              "startsAt": start.isoformat().replace("+00:00", "Z"),
              "endsAt": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z")}
    counted_all = api_figure(world["api"], monitor_id, "24h")
    assert world["api"].post("/api/maintenance-windows", window).status_code == 201
    assert api_figure(world["api"], monitor_id, "24h") != counted_all   # the hours are out
    assert_same_as_stats(world, monitor_id)
    clock.advance(2 * HOUR)
    roll(world)
    assert_same_as_stats(world, monitor_id)


def test_the_sparkline_follows_the_hourly_means(world, clock):
    monitor_id = website(world["api"])
    means = history(world, monitor_id, 30)
    spark = spark_of(monitor_id, clock)
    assert spark == means[-24:]
    row = shown(world, monitor_id)
    points = [tuple(map(float, p.split(","))) for p in row["spark"][0].split()]
    assert len(points) == 24
    ys = [y for _, y in points]
    assert ys == sorted(ys, reverse=True)               # slower each hour: the line climbs
    assert ys[0] == charts.SPARK_HEIGHT - charts.SPARK_PAD and ys[-1] == charts.SPARK_PAD
    clock.advance(3 * HOUR)                             # three hours without a check: a gap
    assert spark_of(monitor_id, clock) == means[-21:] + [None] * 3
    roll(world)
    assert spark_of(monitor_id, clock) == means[-21:] + [None] * 3


def spark_of(monitor_id, clock):
    item = monitor_store.find_by_id(monitor_id)
    fill_now([item], clock.now())
    return figures.figures_for([item], clock.now())[monitor_id].spark


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
    roll(world)
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
def test_the_page_reads_no_rollup_for_monitors_checked_since_the_jobs_last_run(world, count):
    """Monitors checked in this hour cost no rollup read (the summary holds the hours up to
    the last one rolled up, the heads this one); monitors whose previous hour had no result,
    one key each: ceil(n / 100) BatchGetItem calls. Every other call of the page is the same
    whatever n."""
    ids = []
    for i in range(count):
        ids.append(website(world["api"], f"Site{i}"))
        if i % 10 == 9:
            world["clock"].advance(HOUR)           # the create tier allows 10 an hour
    clock = world["clock"]
    clock.set(clock.now().replace(minute=5) + timedelta(hours=1))
    for ok, ms in ((True, 120), (False, 130)):      # a result in the hour before and this one
        for monitor_id in ids:
            record(world, monitor_id, ok=ok, ms=ms)
        clock.advance(HOUR)
    clock.advance(-HOUR + 5 * 60)                   # :10: the job rolls the hour before up
    roll(world)
    calls = page_calls(world)
    assert [op for op, table in calls if table.endswith("check-rollups")] == []
    assert not [op for op, _ in calls if op == "Scan"]
    others = sorted((op, table.split("-", 2)[2]) for op, table in calls
                    if not table.endswith("check-rollups"))
    # The session, the monitors and their heads, the rollup cursor, the open incidents and
    # (unless cached) maintenance windows.
    assert [c for c in others if c != ("Query", "maintenance-windows")] == [
        ("BatchGetItem", "result-batches"), ("GetItem", "result-batches"),
        ("GetItem", "web-sessions"), ("Query", "incidents"), ("Query", "monitors")]
    shown_row = shown(world, ids[0])
    assert (shown_row["24h"], shown_row["response"]) == ("50.00 %", "130 ms")
    clock.advance(2 * HOUR)                        # an hour without a result, then one
    roll(world)
    for monitor_id in ids:
        record(world, monitor_id, ms=140)
    assert rollup_reads(world) == ["BatchGetItem"] * math.ceil(count / 100)
    clock.advance(HOUR)
    roll(world)
    for monitor_id in ids[:2]:
        assert_same_as_stats(world, monitor_id)
