"""The monitor list builds its items with `storage.base.read_item`, not PynamoDB's
`from_raw_data` (a third of the CPU for the same items: the list's reads are most of its cost
at 20 clients, E20), and shows what the detail shows."""
import pytest

from apitools import ping

JOB = {"name": "Nightly backup", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}


def test_the_list_builds_no_item_through_from_raw_data(api, clock, monkeypatch):
    from chalicelib.storage.job_states import JobStateItem
    from chalicelib.storage.monitor_states import MonitorStateItem
    from chalicelib.storage.monitors import MonitorItem

    job = api.post("/api/monitors", JOB).json
    ping(api, f"/ping/{job['pingToken']}")
    clock.advance(60)
    detail = api.get(f"/api/monitors/{job['id']}").json

    def refused(raw):
        pytest.fail("the list built an item through from_raw_data")

    for model in (MonitorItem, JobStateItem, MonitorStateItem):
        monkeypatch.setattr(model, "from_raw_data", refused)
    [listed] = api.get("/api/monitors").json["items"]
    assert {name: listed[name] for name in ("id", "name", "status", "lastCheckedAt",
                                            "uptimePercentage")} == \
        {name: detail[name] for name in ("id", "name", "status", "lastCheckedAt",
                                         "uptimePercentage")}
    assert listed["status"] == "Up"
