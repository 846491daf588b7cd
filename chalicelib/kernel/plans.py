"""The plan table (spec "Plan Limits") and add-ons, in one place. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass

UNLIMITED = None  # a limit of None means no limit


@dataclass(frozen=True)
class Plan:
    name: str
    price: str
    monitors: int
    min_interval_seconds: int
    retention_days: int
    api_keys: int
    alert_channels: int | None
    teams: int | None
    members_per_team: int
    status_pages: int
    escalation_policies: int
    maintenance_windows: int | None
    reports_per_month: int | None


PLANS: dict[str, Plan] = {
    "Base": Plan("Base", "€5.99/mo", 10, 60, 30, 2, 5, 2, 3, 3, 2, 2, 3),
    "Pro": Plan("Pro", "€11.99/mo", 50, 60, 60, 10, 15, 10, 10, 10, 10, 10, 10),
    "Business": Plan("Business", "€29.99/mo", 200, 60, 90, 50, UNLIMITED, UNLIMITED, 25, 50, 20,
                     UNLIMITED, UNLIMITED),
}
PLAN_ORDER = ("Base", "Pro", "Business")

# Add-ons, available on any plan.
ADDON_EXTRA_MONITORS = "extraMonitors"      # a count: +1 monitor each
ADDON_THIRTY_SECOND = "thirtySecondChecks"  # a flag: 30-second intervals account-wide
THIRTY_SECOND_INTERVAL = 30

# The name each limited resource has in messages ("Your Base plan allows 10 monitors").
RESOURCE_WORDS = {
    "monitors": "monitors",
    "api_keys": "API keys",
    "alert_channels": "alert channels",
    "teams": "teams",
    "members_per_team": "members per team",
    "status_pages": "status pages",
    "escalation_policies": "escalation policies",
    "maintenance_windows": "maintenance windows",
    "reports_per_month": "reports per month",
}


def get_plan(name: str) -> Plan:
    return PLANS[name]


def limit_for(plan_name: str, resource: str, extra_monitors: int = 0) -> int | None:
    """The account's limit for a resource, add-ons included; None when unlimited."""
    limit = getattr(get_plan(plan_name), resource)
    if resource == "monitors" and limit is not None:
        limit += extra_monitors
    return limit


def next_plan_with_more(plan_name: str, resource: str) -> Plan | None:
    current = getattr(get_plan(plan_name), resource)
    for name in PLAN_ORDER[PLAN_ORDER.index(plan_name) + 1:]:
        candidate = getattr(PLANS[name], resource)
        if candidate is None or (current is not None and candidate > current):
            return PLANS[name]
    return None


def limit_message(plan_name: str, resource: str, limit: int) -> str:
    """The spec's wording: 'Your Base plan allows 10 monitors. Upgrade to Pro for up to 50.'"""
    word = RESOURCE_WORDS[resource]
    message = f"Your {plan_name} plan allows {limit} {word}."
    upgrade = next_plan_with_more(plan_name, resource)
    if upgrade is not None:
        more = getattr(upgrade, resource)
        tail = f"up to {more}" if more is not None else f"unlimited {word}"
        message += f" Upgrade to {upgrade.name} for {tail}."
    return message


def limit_title(resource: str) -> str:
    word = RESOURCE_WORDS[resource]
    singular = {"monitors": "Monitor", "api_keys": "API key", "alert_channels": "Alert channel",
                "teams": "Team", "status_pages": "Status page",
                "escalation_policies": "Escalation policy",
                "maintenance_windows": "Maintenance window",
                "reports_per_month": "Report"}.get(resource, word.capitalize())
    return f"{singular} limit exceeded"
