"""The alerts' and escalations' work indexes are sharded (E16 point 8): no single key takes every
write; the sweeps Query every shard, a bounded number per shard, and still find what was written
under the old single key "due"."""
import json

from apitools import aws_calls

from chalicelib.storage import alert_records as alerts
from chalicelib.storage import escalations

NOW = 1_800_000_000


def ids_covering_every_shard(shard_of, shards: int, make_id) -> list[str]:
    """Ids whose shards are every one of 0 .. shards - 1, one id each."""
    found: dict[str, str] = {}
    n = 0
    while len(found) < shards:
        found.setdefault(shard_of(make_id(n)), make_id(n))
        n += 1
    return list(found.values())


def alert(alert_id: str, due_shard: str, due_at: float = NOW - 120):
    return alerts.AlertRecordItem(
        "acc_1", alert_id, event_id="evt_1", event_type="monitor.down", alert_type="Down",
        channel_id="ch_1", channel_type="Webhook", status="Retrying", attempts=1,
        created_at=NOW - 600, event_json="{}", due_shard=due_shard, due_at=due_at)


def escalation(incident_id: str, due_shard: str, due_at: float = NOW - 120):
    return escalations.EscalationItem(
        incident_id, "pol_1", account_id="acc_1", started_at=NOW - 600, next_step=1,
        event_json=json.dumps({"id": "evt_1"}), due_shard=due_shard, due_at=due_at)


def test_alert_records_spread_over_every_shard_and_the_sweep_finds_each(aws):
    ids = ids_covering_every_shard(alerts.due_shard_of, alerts.DUE_SHARDS,
                                   lambda n: f"alr_{n}")
    for alert_id in ids:
        assert alerts.create_record(alert(alert_id, alerts.due_shard_of(alert_id)))
    alerts.create_record(alert("alr_old", "due"))                       # before sharding
    alerts.create_record(alert("alr_later", alerts.due_shard_of("alr_later"), due_at=NOW + 60))
    with aws_calls() as calls:
        found = alerts.due_before(NOW)
    assert sorted(a for _, a in found) == sorted(ids + ["alr_old"])
    assert calls == ["Query"] * (alerts.DUE_SHARDS + 1)                 # every shard + "due"


def test_the_alert_sweep_reads_at_most_its_limit_per_shard(aws):
    shard = alerts.due_shard_of("alr_0")
    same_shard = [f"alr_{n}" for n in range(200) if alerts.due_shard_of(f"alr_{n}") == shard][:3]
    for alert_id in same_shard:
        alerts.create_record(alert(alert_id, shard))
    alerts.create_record(alert("alr_old", "due"))
    assert len(alerts.due_before(NOW, limit=2)) == 3      # two of the shard, one of "due"


def test_a_new_alert_record_is_due_on_its_own_shard_not_one_key(aws):
    from types import SimpleNamespace

    from chalicelib.notify.delivery import new_record

    channels = [SimpleNamespace(channel_id=f"ch_{n}", type="Webhook") for n in range(40)]
    event = {"id": "evt_1", "event": "monitor.down", "accountId": "acc_1"}
    shards = {new_record(event, channel, NOW).due_shard for channel in channels}
    assert len(shards) > 8 and shards <= set(alerts.DUE_KEYS) - {"due"}


def test_an_alert_record_under_the_old_key_moves_to_its_shard_at_its_next_claim(aws):
    alerts.create_record(alert("alr_old", "due"))
    item = alerts.get_record("acc_1", "alr_old")
    assert alerts.claim_attempt(item, NOW, lease_seconds=60)
    assert alerts.get_record("acc_1", "alr_old").due_shard == alerts.due_shard_of("alr_old")


def test_escalations_spread_over_every_shard_and_the_sweep_finds_each(aws):
    ids = ids_covering_every_shard(lambda i: escalations.due_shard_of(i, "pol_1"),
                                   escalations.DUE_SHARDS, lambda n: f"inc_{n}")
    for incident_id in ids:
        escalations.create_escalation(
            escalation(incident_id, escalations.due_shard_of(incident_id, "pol_1")))
    escalations.create_escalation(escalation("inc_old", "due"))
    escalations.create_escalation(
        escalation("inc_later", escalations.due_shard_of("inc_later", "pol_1"), due_at=NOW + 60))
    with aws_calls() as calls:
        found = escalations.due_before(NOW)
    assert sorted(e.incident_id for e in found) == sorted(ids + ["inc_old"])
    assert calls == ["Query"] * (escalations.DUE_SHARDS + 1)


def test_the_escalation_sweep_reads_at_most_its_limit_per_shard(aws):
    shard = escalations.due_shard_of("inc_0", "pol_1")
    same_shard = [f"inc_{n}" for n in range(200)
                  if escalations.due_shard_of(f"inc_{n}", "pol_1") == shard][:3]
    for incident_id in same_shard:
        escalations.create_escalation(escalation(incident_id, shard))
    assert len(escalations.due_before(NOW, limit=2)) == 2


def test_an_escalation_under_the_old_key_moves_to_its_shard_at_its_next_step(aws):
    escalations.create_escalation(escalation("inc_old", "due"))
    item = escalations.get_escalation("inc_old", "pol_1")
    assert escalations.claim_step(item, 1, next_due=NOW + 300)
    moved = escalations.get_escalation("inc_old", "pol_1")
    assert moved.due_shard == escalations.due_shard_of("inc_old", "pol_1")
    assert [e.incident_id for e in escalations.due_before(NOW + 300)] == ["inc_old"]
