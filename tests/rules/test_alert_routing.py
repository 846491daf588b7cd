import pytest

from chalicelib.rules.routing import channels_for_event

MONITOR = {"alert_channel_ids": ["ch_own"], "alert_on_down": True, "alert_on_recovered": True,
           "tags": ["prod", "api"]}
QUIET = {**MONITOR, "alert_on_down": False, "alert_on_recovered": False}


def rule(channels, events=("monitor.down",), *, ids=None, tags=None, everything=False,
         enabled=True):
    return {"enabled": enabled, "monitor_ids": ids, "tags": tags, "all_monitors": everything,
            "channel_ids": list(channels), "events": list(events)}


def monitor_event(kind, monitor_id="mon_a"):
    return {"event": kind, "monitor": {"id": monitor_id, "name": "A"}}


def incident_event(kind, monitor_id):
    return {"event": kind, "incident": {"id": "inc_1", "monitorId": monitor_id},
            "monitor": {"id": monitor_id} if monitor_id else None}


ALL_EVENTS = ("monitor.down", "monitor.up", "monitor.degraded", "monitor.ssl_expiring",
              "incident.created", "incident.resolved")

CASES = [
    # (name, event, monitor config, rules, expected channels)
    ("down reaches the monitor's channels", monitor_event("monitor.down"), MONITOR, [], ["ch_own"]),
    ("up reaches the monitor's channels", monitor_event("monitor.up"), MONITOR, [], ["ch_own"]),
    ("down is silent with alertOnDown off", monitor_event("monitor.down"), QUIET, [], []),
    ("up is silent with alertOnRecovered off", monitor_event("monitor.up"), QUIET, [], []),
    ("degraded ignores the flags", monitor_event("monitor.degraded"), QUIET, [], ["ch_own"]),
    ("ssl expiry ignores the flags", monitor_event("monitor.ssl_expiring"), QUIET, [], ["ch_own"]),
    ("flags default to on", monitor_event("monitor.down"), {"alert_channel_ids": ["ch_own"]}, [],
     ["ch_own"]),
    ("a rule by id adds its channels after the monitor's", monitor_event("monitor.down"), MONITOR,
     [rule(["ch_r"], ids=["mon_a"])], ["ch_own", "ch_r"]),
    ("a rule for another monitor does not match", monitor_event("monitor.down"), MONITOR,
     [rule(["ch_r"], ids=["mon_b"])], ["ch_own"]),
    ("a rule needs the event in its events", monitor_event("monitor.up"), MONITOR,
     [rule(["ch_r"], ids=["mon_a"])], ["ch_own"]),
    ("a disabled rule does nothing", monitor_event("monitor.down"), MONITOR,
     [rule(["ch_r"], ids=["mon_a"], enabled=False)], ["ch_own"]),
    ("rules work when the monitor's own alerts are off", monitor_event("monitor.down"), QUIET,
     [rule(["ch_r"], everything=True)], ["ch_r"]),
    ("tags match when the monitor has all of them", monitor_event("monitor.down"), QUIET,
     [rule(["ch_r"], tags=["prod", "api"])], ["ch_r"]),
    ("tags do not match when one is missing", monitor_event("monitor.down"), QUIET,
     [rule(["ch_r"], tags=["prod", "db"])], []),
    ("all monitors matches any monitor", monitor_event("monitor.degraded", "mon_z"), None,
     [rule(["ch_r"], ["monitor.degraded"], everything=True)], ["ch_r"]),
    ("each channel once, in first-seen order", monitor_event("monitor.down"), MONITOR,
     [rule(["ch_2", "ch_own"], everything=True), rule(["ch_1", "ch_2"], tags=["api"])],
     ["ch_own", "ch_2", "ch_1"]),
    ("incidents never use the monitor's own channels", incident_event("incident.created", "mon_a"),
     MONITOR, [], []),
    ("incidents reach rules through the incident's monitor",
     {"event": "incident.resolved", "incident": {"id": "inc_1", "monitorId": "mon_a"}}, MONITOR,
     [rule(["ch_r"], ["incident.resolved"], ids=["mon_a"]),
      rule(["ch_t"], ["incident.resolved"], tags=["prod"])], ["ch_r", "ch_t"]),
    ("a manual incident without a monitor matches only all-monitor rules",
     incident_event("incident.created", None), None,
     [rule(["ch_r"], ALL_EVENTS, ids=["mon_a"]), rule(["ch_t"], ALL_EVENTS, tags=["prod"]),
      rule(["ch_all"], ALL_EVENTS, everything=True)], ["ch_all"]),
    ("a deleted monitor still matches rules by id", monitor_event("monitor.up"), None,
     [rule(["ch_r"], ["monitor.up"], ids=["mon_a"]), rule(["ch_t"], ["monitor.up"], tags=["x"])],
     ["ch_r"]),
    ("an unknown event reaches nobody", monitor_event("region.down"), MONITOR,
     [rule(["ch_r"], ALL_EVENTS, everything=True)], []),
]


@pytest.mark.parametrize("event, monitor, rules, expected",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_it_routes(event, monitor, rules, expected):
    assert channels_for_event(event, monitor, rules) == expected


def test_it_takes_the_stored_rule_shape():
    from datetime import datetime, timezone

    from chalicelib.storage.rules import AlertRuleItem

    now = datetime(2026, 3, 24, tzinfo=timezone.utc)
    item = AlertRuleItem("acc_1", "rule_1", name="R", tags=["prod"], channel_ids=["ch_r"],
                         events=["monitor.down"], created_at=now, updated_at=now)
    assert channels_for_event(monitor_event("monitor.down"), QUIET, [item.as_routing_dict()]) == \
        ["ch_r"]
