"""Alert channel and alert rule bodies as clients send them.

A channel body is flat, as in the spec's Quick Start:
`{"name": "My Webhook", "type": "Webhook", "webhookUrl": "https://..."}`. `AlertChannelHead`
parses the fields every type shares; the rest is the type's configuration, which
`alerting.validate_config` checks (chalicelib/channels/service.py joins the two).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.kernel.fields import MonitorIds, ObjectName, without_duplicates
from chalicelib.bus.event_topic import PUBLIC_EVENTS
from chalicelib.kernel.models import ApiModel, case_insensitive_enum
from chalicelib.kernel.fields import ChannelIds, Tags

# Every channel type, one sender each in `chalicelib.channels.family` (keyed by these names). Named
# here, not imported from there: a module that only parses bodies (incidents, escalation
# policies) would run the senders' code, and be granted SES (infra/access.py).
CHANNEL_TYPES = ("Email", "Slack", "Discord", "Teams", "Webhook", "PagerDuty", "Opsgenie",
                 "Telegram", "Ntfy", "Pushover", "GoogleChat", "Mattermost", "Matrix", "Gotify",
                 "Zulip", "TwilioSms")
# The body fields that are not the type's configuration.
CHANNEL_COMMON_FIELDS = ("name", "type", "enabled")
DEFAULT_RULE_EVENTS = ("monitor.down", "monitor.up")

ChannelType = case_insensitive_enum(*CHANNEL_TYPES)
EventType = case_insensitive_enum(*PUBLIC_EVENTS)
EscalationPolicyId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
EventTypes = Annotated[list[EventType], Field(min_length=1), AfterValidator(without_duplicates)]


class AlertChannelHead(ApiModel):
    name: ObjectName
    type: ChannelType
    enabled: bool = True


class AlertRuleIn(ApiModel):
    """A rule; that exactly one of monitorIds, tags and allMonitors is set: `rules.check_target`."""
    name: ObjectName
    enabled: bool = True
    monitor_ids: MonitorIds | None = None
    tags: Annotated[Tags, Field(min_length=1)] | None = None
    all_monitors: bool = False
    channel_ids: Annotated[ChannelIds, Field(min_length=1)]
    events: EventTypes = Field(default_factory=lambda: list(DEFAULT_RULE_EVENTS))
    # One of the account's escalation policies (checked by `rules.create_rule`).
    escalation_policy_id: EscalationPolicyId | None = None


TARGET_FIELDS = ("monitorIds", "tags", "allMonitors")


def rule_target_fields(rule: AlertRuleIn) -> list[str]:
    """The target fields a rule sets (valid rules set exactly one)."""
    chosen = {"monitorIds": rule.monitor_ids is not None, "tags": rule.tags is not None,
              "allMonitors": rule.all_monitors}
    return [name for name in TARGET_FIELDS if chosen[name]]
