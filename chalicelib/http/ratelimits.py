"""Rate-limit policy (spec "Rate Limits"). Pure: which tiers a request counts against.

How the tiers combine: every request counts in exactly one base tier — reads (GET, HEAD) in the
`read` tier (200/min), everything else in the `general` tier (100/min). Creating a monitor,
checking now and sending a test alert count in their own tier too, and the stricter answer wins.
The headers describe the tier with the fewest requests remaining. The create-monitor tier counts
monitors created: a failed request gives its hit back, and an upsert counts only when it creates.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.kernel.settings import settings


@dataclass(frozen=True)
class Tier:
    name: str
    limit: int
    window_seconds: int
    # Counts what was done, not attempts: a request that fails (any 4xx or 5xx) gives its hit
    # back, so a 400, 403 or 409 costs nothing of this tier.
    counts_successes: bool = False


# The tier of plain reads: the only one counted from leases (`http.rate_leases`).
READ_TIER = "read"
TIERS = {
    "general": Tier("general", 100, 60),
    READ_TIER: Tier(READ_TIER, 200, 60),
    "create_monitor": Tier("create_monitor", 10, 3600, counts_successes=True),
    "check_now": Tier("check_now", 5, 60),
    "test_alert": Tier("test_alert", 5, 60),
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Per ping token on the public /ping routes (the spec sets none). It guards storage (every ping
# is a write) against a runaway loop and must never drop a real job's pings: a job that pings
# start and success every second sends 120 a minute, so 300 a minute (5 a second on average, or
# all at once as a burst) leaves 2.5 times that for retries and overlapping runs.
PING_TIER = Tier("ping", 300, 60)


def ping_limit_text(tier: Tier = PING_TIER) -> str:
    """The ping limit in words: the README, the OpenAPI document and the 429 say the same."""
    return (f"{tier.limit} pings per {tier.window_seconds} seconds per ping token, counted in "
            f"fixed windows (a job pinging start and success every second sends 120)")


def tiers_for(method: str, special: str | None = None) -> list[Tier]:
    base = TIERS[READ_TIER] if method.upper() in READ_METHODS else TIERS["general"]
    return [scaled(t) for t in [base] + ([TIERS[special]] if special else [])]


def scaled(tier: Tier, scale: int | None = None) -> Tier:
    """The tier with its limit multiplied by `scale` (default: ENORI_RATE_LIMIT_SCALE, 1)."""
    factor = settings.rate_limit_scale if scale is None else scale
    return tier if factor == 1 else replace(tier, limit=tier.limit * factor)


def window_start(now_epoch: float, tier: Tier) -> int:
    return int(now_epoch) // tier.window_seconds * tier.window_seconds


def bucket_key(key_id: str, tier: Tier, start: int) -> str:
    return f"{key_id}#{tier.name}#{start}"


@dataclass(frozen=True)
class Usage:
    tier: Tier
    used: int          # hits counted in this window, this request included
    reset_epoch: int   # when the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.tier.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.tier.limit


def headers_for(usages: list[Usage], now_epoch: float) -> dict[str, str]:
    """The X-RateLimit-* headers (plus Retry-After when a tier is exceeded)."""
    exceeded = [u for u in usages if u.exceeded]
    shown = max(exceeded, key=lambda u: u.reset_epoch) if exceeded else \
        min(usages, key=lambda u: (u.remaining, -u.reset_epoch))
    headers = {
        "X-RateLimit-Limit": str(shown.tier.limit),
        "X-RateLimit-Remaining": str(shown.remaining),
        "X-RateLimit-Reset": str(shown.reset_epoch),
    }
    if exceeded:
        headers["Retry-After"] = str(max(1, shown.reset_epoch - int(now_epoch)))
    return headers
