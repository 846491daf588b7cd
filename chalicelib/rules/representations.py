"""What the alert rule and escalation policy routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from chalicelib.channels.models import AlertRuleIn
from chalicelib.http.contract import OutModel, Stamped, page_of, wire_names


class AlertRule(Stamped):
    # The representation shows the body it was given beside these fields.
    config_fields: ClassVar[frozenset[str]] = wire_names(AlertRuleIn)
    name: str
    enabled: bool


AlertRuleList = page_of(AlertRule, "AlertRuleList")


class EscalationLevel(OutModel):
    level: int = Field(description="1 for the first level")
    delay_minutes: int
    channel_ids: list[str]
    team_ids: list[str]


class EscalationPolicy(Stamped):
    name: str
    levels: list[EscalationLevel]
    repeat: int


EscalationPolicyList = page_of(EscalationPolicy, "EscalationPolicyList")
