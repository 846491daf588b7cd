from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.incidents.stats import Span, clipped_seconds, overlaps, per_monitor, summarise

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


START, END, NOW = at(0), at(100), at(120)


@pytest.mark.parametrize("started, resolved, seconds", [
    (10, 20, 600),          # inside the range
    (-30, 10, 600),         # started before it: clipped at the start
    (90, 110, 600),         # resolved after it: clipped at the end
    (-10, None, 6000),      # still open: runs to now, clipped at the end
    (-50, -10, 0),          # over before the range
    (105, None, 0),         # after it
])
def test_it_clips_an_incident_to_the_range(started, resolved, seconds):
    span = Span(at(started), resolved_at=at(resolved) if resolved is not None else None)
    assert clipped_seconds(span, START, END, NOW) == seconds


def test_an_open_incident_counts_up_to_now_inside_the_range():
    assert clipped_seconds(Span(at(50)), START, at(200), NOW) == 70 * 60


@pytest.mark.parametrize("started, resolved, expected", [
    (-50, -10, False), (-50, 0, True), (100, None, True), (101, None, False), (-10, None, True),
])
def test_it_counts_incidents_that_overlap_the_range(started, resolved, expected):
    span = Span(at(started), resolved_at=at(resolved) if resolved is not None else None)
    assert overlaps(span, START, END, NOW) is expected


def test_it_summarises_counts_mtta_mttr_and_downtime():
    spans = [
        Span(at(10), acknowledged_at=at(12), resolved_at=at(20)),   # ack 120 s, 600 s down
        Span(at(30), acknowledged_at=at(34)),                       # ack 240 s, open
        Span(at(50), resolved_at=at(80)),                           # 1800 s down
        Span(at(95)),                                               # open, 300 s in range
        Span(at(-60), resolved_at=at(-30)),                         # outside: ignored
    ]
    assert summarise(spans, START, END, NOW) == {
        "count": 4, "open": 1, "acknowledged": 1, "resolved": 2,
        "mttaSeconds": 180,                     # (120 + 240) / 2
        "mttrSeconds": 1200,                    # (600 + 1800) / 2
        "downtimeSeconds": 600 + 70 * 60 + 1800 + 300,
    }


def test_mtta_and_mttr_are_null_without_acknowledged_or_resolved_incidents():
    figures = summarise([Span(at(10))], START, END, NOW)
    assert figures["mttaSeconds"] is None and figures["mttrSeconds"] is None
    assert summarise([], START, END, NOW) == {
        "count": 0, "open": 0, "acknowledged": 0, "resolved": 0, "mttaSeconds": None,
        "mttrSeconds": None, "downtimeSeconds": 0}


def test_it_groups_per_monitor_most_downtime_first_leaving_out_manual_incidents():
    spans = [
        Span(at(10), resolved_at=at(11), monitor_id="mon_a", monitor_name="A"),
        Span(at(20), resolved_at=at(22), monitor_id="mon_a", monitor_name="A"),
        Span(at(30), resolved_at=at(40), monitor_id="mon_b", monitor_name="B"),
        Span(at(30), resolved_at=at(90)),                                        # manual
        Span(at(-60), resolved_at=at(-50), monitor_id="mon_c", monitor_name="C"),  # outside
    ]
    assert per_monitor(spans, START, END, NOW) == [
        {"monitorId": "mon_b", "monitorName": "B", "count": 1, "downtimeSeconds": 600},
        {"monitorId": "mon_a", "monitorName": "A", "count": 2, "downtimeSeconds": 180},
    ]
