"""The first five channel kinds (Email, Slack, Discord, Teams, Webhook) render every event the
provider kinds do, from the same event (`provider_events`): one snapshot per kind and event in
`snapshots/base_channels.json`, so a change of wording or shape shows in review. After a
deliberate change: ENORI_UPDATE_SNAPSHOTS=1 pytest this file, then read the diff."""
from __future__ import annotations

import json
import os
from pathlib import Path

from provider_events import EVENT_NAMES, all_events

from chalicelib.channels.kinds import discord, email, msteams, slack, webhook

SNAPSHOT = Path(__file__).parent / "snapshots" / "base_channels.json"
RENDERERS = {"Slack": slack.render, "Discord": discord.render, "Teams": msteams.render,
             "Webhook": webhook.render}


def email_as_text(message) -> dict:
    """An email as a reader sees it: the subject and the plain-text part (the HTML part says the
    same, escaped; tests/channels/kinds/test_alert_email.py holds both)."""
    plain = message.get_body(preferencelist=("plain",))
    return {"subject": message["Subject"], "text": plain.get_content()}


def rendered(events: dict) -> dict:
    every = all_events(events)
    shown = {kind: {name: render(every[name]) for name in EVENT_NAMES}
             for kind, render in RENDERERS.items()}
    shown["Email"] = {name: email_as_text(email.render(every[name])) for name in EVENT_NAMES}
    return json.loads(json.dumps(shown, default=str))


def test_every_base_kind_renders_every_event_as_snapshotted(events):
    now = rendered(events)
    if os.environ.get("ENORI_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert now == json.loads(SNAPSHOT.read_text())


def test_every_event_names_its_monitor_or_incident_in_every_kind(events):
    every = all_events(events)
    for kind, by_event in rendered(events).items():
        for name, output in by_event.items():
            subject = every[name].get("monitor") or every[name].get("incident") or {}
            named = subject.get("name") or subject.get("title") or subject.get("id")
            assert named and named in json.dumps(output, ensure_ascii=False), (kind, name)
