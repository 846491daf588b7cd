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


def test_the_lists_reads_are_not_walked_through_botocores_shapes(api, clock, monkeypatch):
    """The list's answers from DynamoDB are taken as `json.loads` gives them
    (`storage.base._ReadParser`): botocore walks no structure of theirs."""
    from botocore import parsers

    for n in range(3):
        job = api.post("/api/monitors", {**JOB, "name": f"job {n}"}).json
        ping(api, f"/ping/{job['pingToken']}")
    clock.advance(60)
    for _ in range(4):                       # warm: the key, the lease, the status changes
        assert api.get("/api/monitors").status_code == 200
    walked, walk = [], parsers.BaseJSONParser._handle_structure

    def counted(self, shape, value):
        walked.append(shape.name)
        return walk(self, shape, value)

    monkeypatch.setattr(parsers.BaseJSONParser, "_handle_structure", counted)
    listed = api.get("/api/monitors").json["items"]
    assert [m["status"] for m in listed] == ["Up"] * 3
    assert walked == []
