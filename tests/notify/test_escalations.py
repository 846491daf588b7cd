"""The escalation engine on moto, on an injected clock, with real local webhook receivers: level 1
at once, level 2 only while the incident stays open past its delay, acknowledging and resolving
stop it, repeats, team emails, alert records, and no Scan anywhere."""

import pytest

from apitools import aws_calls


@pytest.fixture
def hooks(receiver):
    return [receiver(), receiver()]


@pytest.fixture
def published(monkeypatch):
    """Events as SNS would hand them to the escalation consumer: `feed()` delivers those
    published since the last call."""
    from chalicelib.bus import events
    from chalicelib.notify import escalation_handlers as consumer

    queue = []
    real = events.publish
    monkeypatch.setattr(events, "publish", lambda item: (queue.append(item.payload), real(item)))

    def feed():
        while queue:
            consumer.handle_event(queue.pop(0))

    return feed


@pytest.fixture
def setup(api, private_ok, hooks, published):
    """Two webhook channels; a policy of two levels (0 and 1 minute), one channel each."""
    def make(repeat=0, delays=(0, 1), **monitor_fields):
        channels = [api.post("/api/alert-channels", {"name": f"hook{i}", "type": "Webhook",
                                                     "webhookUrl": h.url}).json["id"]
                    for i, h in enumerate(hooks)]
        policy = api.post("/api/escalation-policies", {
            "name": "On call", "repeat": repeat,
            "levels": [{"delayMinutes": d, "channelIds": [c]} for d, c in zip(delays, channels)],
        }).json
        monitor = api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                             "url": "https://api.example.com",
                                             "escalationPolicyId": policy["id"],
                                             **monitor_fields}).json
        return monitor, policy
    return make


def open_incident(api, published, monitor):
    incident = api.post("/api/incidents", {"title": "API down", "monitorId": monitor["id"]})
    assert incident.status_code == 201, incident.json
    published()
    return incident.json


def sweep(api):
    """Run the scheduled function as Lambda would."""
    client = api.client
    return client.lambda_.invoke("run_escalations", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])).payload


def counts(hooks):
    return [len(h.payloads()) for h in hooks]


def test_level_one_at_once_and_level_two_only_after_its_delay(api, clock, setup, hooks, published):
    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    assert counts(hooks) == [1, 0]
    assert hooks[0].payloads()[0]["event"] == "incident.created"
    assert hooks[0].payloads()[0]["incident"]["id"] == incident["id"]
    clock.advance(30)
    assert sweep(api) == {"notified": 0}
    assert counts(hooks) == [1, 0]
    clock.advance(31)
    assert sweep(api) == {"notified": 1}
    assert counts(hooks) == [1, 1]
    clock.advance(600)
    assert sweep(api) == {"notified": 0}
    assert counts(hooks) == [1, 1]


def test_the_records_show_in_the_alerts_list_with_their_level(api, clock, setup, published):
    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    clock.advance(61)
    sweep(api)
    records = api.get("/api/alerts").json["items"]
    assert sorted((r["escalationLevel"], r["status"], r["event"]) for r in records) == \
        [(1, "Delivered", "incident.created"), (2, "Delivered", "incident.created")]
    assert {r["incidentId"] for r in records} == {incident["id"]}
    assert {r["monitorId"] for r in records} == {monitor["id"]}


def test_acknowledging_before_the_delay_stops_level_two(api, clock, setup, hooks, published):
    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    clock.advance(30)
    assert api.post(f"/api/incidents/{incident['id']}/acknowledge").status_code == 200
    published()
    clock.advance(120)
    assert sweep(api) == {"notified": 0}
    assert counts(hooks) == [1, 0]


def test_an_acknowledgement_the_consumer_missed_still_stops_it(api, clock, setup, hooks,
                                                              published, monkeypatch):
    """Belt and braces: the sweeper reads the incident before it notifies."""
    from chalicelib.notify import escalation_handlers as consumer

    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    api.post(f"/api/incidents/{incident['id']}/acknowledge")
    monkeypatch.setattr(consumer, "handle_event", lambda event: None)
    published()
    clock.advance(120)
    assert sweep(api) == {"notified": 0}
    assert counts(hooks) == [1, 0]
    assert sweep(api) == {"notified": 0}      # and it left the due index


def test_resolving_ends_it(api, clock, setup, hooks, published):
    from chalicelib.storage import escalations as store

    monitor, policy = setup(repeat=3)
    incident = open_incident(api, published, monitor)
    api.post(f"/api/incidents/{incident['id']}/resolve")
    published()
    [item] = store.for_incident(incident["id"])
    assert (item.status, item.stop_reason, item.due_at) == ("Stopped", "resolved", None)
    clock.advance(3600)
    assert sweep(api) == {"notified": 0}
    assert counts(hooks) == [1, 0]


def test_repeat_runs_the_ladder_again(api, clock, setup, hooks, published):
    monitor, _ = setup(repeat=1)          # levels at 0 and 1 minute; the next run starts at 2
    open_incident(api, published, monitor)
    seen = []
    for _ in range(6):
        clock.advance(60)
        sweep(api)
        seen.append(counts(hooks))
    assert seen == [[1, 1], [2, 1], [2, 2], [2, 2], [2, 2], [2, 2]]
    levels = sorted(r["escalationLevel"] for r in api.get("/api/alerts").json["items"])
    assert levels == [1, 1, 2, 2]


def test_a_duplicate_incident_created_event_notifies_once(api, clock, setup, hooks, published):
    from chalicelib.bus import events
    from chalicelib.storage.events import EventItem
    from chalicelib.notify import escalation_handlers as consumer

    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    event = EventItem.get(events.event_id_for(incident["id"], "created")).payload
    consumer.handle_event(event)
    assert counts(hooks) == [1, 0]


def test_two_sweepers_never_notify_a_step_twice(api, clock, setup, hooks, published):
    from chalicelib.notify import escalations
    from chalicelib.storage import escalations as store

    monitor, _ = setup()
    incident = open_incident(api, published, monitor)
    clock.advance(61)
    [stale] = store.for_incident(incident["id"])
    assert escalations.run_due_escalations(clock.time()) == 1
    assert escalations.run_due(stale, clock.time()) == 0   # read before the first one claimed
    assert counts(hooks) == [1, 1]


def test_a_rule_attaches_a_policy_to_the_monitors_it_targets(api, clock, setup, hooks,
                                                             published):
    monitor, policy = setup()
    api.put(f"/api/monitors/{monitor['id']}", {"name": "Production API", "type": "Website",
                                               "url": "https://api.example.com",
                                               "tags": ["prod"]})
    channel = api.get("/api/alert-channels").json["items"][0]["id"]
    api.post("/api/alert-rules", {"name": "prod", "tags": ["prod"], "channelIds": [channel],
                                  "events": ["monitor.down"],
                                  "escalationPolicyId": policy["id"]})
    open_incident(api, published, monitor)
    assert counts(hooks) == [1, 0]
    clock.advance(61)
    sweep(api)
    assert counts(hooks) == [1, 1]


def test_no_policy_no_escalation(api, clock, setup, hooks, published):
    monitor = api.post("/api/monitors", {"name": "Plain", "type": "Website",
                                         "url": "https://plain.example.com"}).json
    open_incident(api, published, monitor)
    clock.advance(3600)
    assert sweep(api) == {"notified": 0}
    assert api.get("/api/alerts").json["totalCount"] == 0


def test_team_members_get_an_email(api, clock, private_ok, published):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.kernel.runtime import runtime
    from chalicelib.kernel.settings import settings

    runtime.client("ses").verify_email_identity(EmailAddress=settings.mail_from)
    team = api.post("/api/teams", {"name": "Ops", "members": [
        {"email": "ann@example.com"}, {"email": "ben@example.com", "role": "Admin"}]}).json
    policy = api.post("/api/escalation-policies", {"name": "P", "levels": [
        {"delayMinutes": 0, "teamIds": [team["id"]]}]}).json
    monitor = api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                         "url": "https://api.example.com",
                                         "escalationPolicyId": policy["id"]}).json
    open_incident(api, published, monitor)
    [record] = api.get("/api/alerts").json["items"]
    assert (record["channelId"], record["channelType"], record["status"],
            record["escalationLevel"]) == (f"team:{team['id']}", "Email", "Delivered", 1)
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert sorted(set(sent.destinations)) == ["ann@example.com", "ben@example.com"]


def test_it_finds_due_escalations_without_a_scan(api, clock, setup, hooks, published):
    monitor, _ = setup(repeat=1)
    incident = open_incident(api, published, monitor)
    with aws_calls() as calls:
        clock.advance(61)
        sweep(api)
        api.post(f"/api/incidents/{incident['id']}/acknowledge")
        published()
    assert "Scan" not in calls
    assert "Query" in calls


def test_a_retry_of_a_team_email_reaches_the_teams_current_members(api, clock, published):
    from chalicelib.notify import delivery
    from chalicelib.storage import alert_records as records

    team = api.post("/api/teams", {"name": "Ops", "members": [{"email": "ann@example.com"}]}).json
    policy = api.post("/api/escalation-policies", {"name": "P", "levels": [
        {"delayMinutes": 0, "teamIds": [team["id"]]}]}).json
    monitor = api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                         "url": "https://api.example.com",
                                         "escalationPolicyId": policy["id"]}).json
    open_incident(api, published, monitor)      # SES refuses the unverified sender here
    api.post(f"/api/teams/{team['id']}/members", {"email": "ben@example.com"})
    [shown] = api.get("/api/alerts").json["items"]
    record = records.get_record(api.get("/api/account").json["id"], shown["id"])
    target = delivery._channel(record)
    assert (target.type, target.config) == \
        ("Email", {"addresses": ["ann@example.com", "ben@example.com"]})
    api.delete(f"/api/teams/{team['id']}")
    assert delivery._channel(record) is None


def test_a_started_escalation_is_due_on_its_own_shard_not_one_key(api, clock, setup, hooks,
                                                                  published):
    from chalicelib.storage import escalations as store

    monitor, policy = setup(delays=(1, 2))          # no step fires at the start
    incident = open_incident(api, published, monitor)
    item = store.get_escalation(incident["id"], policy["id"])
    assert item.next_step == 0
    assert item.due_shard == store.due_shard_of(incident["id"], policy["id"])
    assert item.due_shard != store.LEGACY_DUE_SHARD
