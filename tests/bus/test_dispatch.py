import json

import pytest

from chalicelib.bus import dispatch
from chalicelib.bus.dispatch import CheckRequest


class RecordingSqs:
    def __init__(self):
        self.batches = []

    def get_queue_url(self, QueueName):
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def send_message_batch(self, QueueUrl, Entries):
        self.batches.append((QueueUrl, Entries))
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def test_it_delays_each_job_to_its_slot_and_batches_by_ten(monkeypatch):
    sqs = RecordingSqs()
    monkeypatch.setattr(dispatch.runtime, "client", lambda service, region=None: sqs)
    dispatch._queue_urls.clear()
    jobs = [CheckRequest("acc", f"mon_{i}", 1000 + i, "UsEast") for i in range(12)]
    assert dispatch.send_jobs(jobs, now_epoch=990) == 12
    entries = [e for _, batch in sqs.batches for e in batch]
    assert [len(batch) for _, batch in sqs.batches] == [10, 2]
    assert [e["DelaySeconds"] for e in entries] == [10 + i for i in range(12)]
    assert all(url.endswith("checks-useast") for url, _ in sqs.batches)
    assert len({e["Id"] for e in entries}) == 12


def test_it_puts_jobs_of_one_slot_in_one_message(monkeypatch):
    sqs = RecordingSqs()
    monkeypatch.setattr(dispatch.runtime, "client", lambda service, region=None: sqs)
    dispatch._queue_urls.clear()
    jobs = [CheckRequest("acc", f"mon_{i}", 1000, "EuWest") for i in range(30)]
    dispatch.send_jobs(jobs, now_epoch=2000)
    bodies = [json.loads(e["MessageBody"]) for _, batch in sqs.batches for e in batch]
    assert [len(b["jobs"]) for b in bodies] == [25, 5]
    assert all(e["DelaySeconds"] == 0 for _, batch in sqs.batches for e in batch)


def test_it_round_trips_jobs():
    jobs = [CheckRequest("acc", "mon_1", 60, "UsEast", manual=True)]
    assert dispatch.decode(dispatch.encode(jobs)) == jobs


def test_it_raises_when_sqs_refuses_messages(monkeypatch):
    sqs = RecordingSqs()
    sqs.send_message_batch = lambda QueueUrl, Entries: {"Failed": [{"Id": "0", "Message": "x"}]}
    monkeypatch.setattr(dispatch.runtime, "client", lambda service, region=None: sqs)
    dispatch._queue_urls.clear()
    with pytest.raises(RuntimeError, match="refused"):
        dispatch.send_jobs([CheckRequest("a", "m", 1, "UsEast")], 0)


def test_each_region_is_sent_through_its_own_aws_region(monkeypatch):
    clients = {}

    def client(service, region=None):
        return clients.setdefault(region, RecordingSqs())

    monkeypatch.setattr(dispatch.runtime, "client", client)
    dispatch._queue_urls.clear()
    dispatch.send_jobs([CheckRequest("a", "m", 1, "UsEast"), CheckRequest("a", "m", 1, "EuWest")], 0)
    assert {region: len(c.batches) for region, c in clients.items()} == {"us-east-1": 1, "eu-west-1": 1}


def test_a_failing_monitors_checks_travel_in_the_slow_lane_in_small_messages(monkeypatch):
    sqs = RecordingSqs()
    monkeypatch.setattr(dispatch.runtime, "client", lambda service, region=None: sqs)
    dispatch._queue_urls.clear()
    healthy = [CheckRequest("acc", f"ok_{i}", 1000, "UsEast") for i in range(10)]
    failing = [CheckRequest("acc", f"down_{i}", 1000, "UsEast", slow=True) for i in range(7)]
    dispatch.send_jobs(healthy + failing, now_epoch=990)
    by_queue = {}
    for url, batch in sqs.batches:
        by_queue.setdefault(url.rsplit("/", 1)[1], []).extend(
            len(json.loads(e["MessageBody"])["jobs"]) for e in batch)
    assert by_queue == {dispatch.queue_name("UsEast"): [10],
                        dispatch.queue_name("UsEast") + "-slow": [5, 2]}


def test_a_message_body_holds_every_field_of_each_request_in_order():
    from dataclasses import asdict

    jobs = [CheckRequest("acc", "mon_1", 60, "UsEast", slow=True,
                         expect={"status": "Up", "regions": {"UsEast": "Up"}}),
            CheckRequest("acc", "mon_2", 61, "EuWest")]
    assert dispatch.encode(jobs) == json.dumps({"jobs": [asdict(j) for j in jobs]},
                                               separators=(",", ":"))


def test_a_seconds_jobs_of_one_account_fill_as_few_messages_as_they_can(monkeypatch):
    """A shard's 100 monitors share their second; mixed with a smaller account's jobs sorting
    before them, they still fill 4 messages (a row cut in 25s would spread them over 5), and
    the second takes no more messages than a row would."""
    sqs = RecordingSqs()
    monkeypatch.setattr(dispatch.runtime, "client", lambda service, region=None: sqs)
    dispatch._queue_urls.clear()
    big = [CheckRequest("acc_b", f"mon_{i:03d}", 1000, "UsEast") for i in range(100)]
    small = [CheckRequest("acc_a", f"mon_{i:03d}", 1000, "UsEast") for i in range(30)]
    dispatch.send_jobs(small[:15] + big + small[15:], now_epoch=990)
    bodies = [dispatch.decode(e["MessageBody"]) for _, batch in sqs.batches for e in batch]
    assert sum(any(j.account_id == "acc_b" for j in b) for b in bodies) == 4
    assert len(bodies) == 6                                   # ceil(130 / 25)
    assert sorted(j.monitor_id for b in bodies for j in b if j.account_id == "acc_a") == \
        sorted(j.monitor_id for j in small)


def test_pack_keeps_an_accounts_remainder_in_at_most_two_messages():
    jobs = [CheckRequest(f"acc_{a}", f"mon_{i}", 1, "UsEast") for a in range(5) for i in range(13)]
    messages = dispatch.pack(jobs, 25)
    assert [len(m) for m in messages] == [25, 25, 15]
    assert all(sum(any(j.account_id == f"acc_{a}" for j in m) for m in messages) <= 2
               for a in range(5))
