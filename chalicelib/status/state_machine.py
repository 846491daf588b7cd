"""The monitor state machine. Pure: a state, a policy and one new result in; a new state and
the transitions out. No I/O, no clock; table-driven tests.

Slots and quorum: every region checks the same slot (a scheduled second). A slot is *failed*
when at least `quorum` of the monitor's regions failed it, *good* once failures can no longer
reach the quorum, and *undecided* while results are missing: a missing region is unknown, never
down. Down after `failure_threshold` failed slots in a row, Up after `recovery_threshold` good
ones. Undecided slots neither count nor break a streak. A region missing from the newest slots
whose results were due (`Policy.settled_before`, the evaluator's clock) is dark: the slots then go
by the regions that reported (`degraded_quorum`), and the monitor is "not checked" by enough
regions (`monitor.not_checked`), never silently Up.
"""
from __future__ import annotations

from chalicelib.kernel.vocabulary import Event, MonitorStatus
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from chalicelib.status import degraded_quorum

KEEP_SLOTS = 24          # enough for the largest threshold (10) with regions reporting late
KEEP_TIMES = 20          # response times kept for the P95
MIN_TIMES_FOR_P95 = 5


@dataclass(frozen=True)
class Policy:
    regions: tuple[str, ...]
    failure_threshold: int = 2
    recovery_threshold: int = 1
    quorum: int | None = None                 # None: a majority of the regions
    response_time_threshold_ms: int | None = None
    ssl_expiry_warning_days: int | None = None
    in_maintenance: bool = False
    # Slots before this second hold every result that will come in time (`degraded_quorum`):
    # a region missing from them did not report. None: unknown, so no region is dark.
    settled_before: int | None = None
    # Regions the scheduler never sent the judged result's slot (`degraded_quorum.unreached`):
    # dark at once where missing from the newest slot, their result cannot come. Empty: not known.
    unreached: frozenset[str] = frozenset()

    @property
    def needed(self) -> int:
        return self.quorum or len(self.regions) // 2 + 1


@dataclass(frozen=True)
class Observation:
    slot: int
    region: str
    ok: bool
    error: str | None = None
    response_time_ms: int | None = None
    ssl_days_left: int | None = None
    ssl_not_after: str | None = None


@dataclass(frozen=True)
class Transition:
    event: str                      # monitor.down, monitor.up, monitor.degraded, ...
    message: str
    suppressed: bool = False        # recorded, but opens no incident and alerts no one
    region: str | None = None


@dataclass
class MonitorState:
    status: str = MonitorStatus.PENDING
    slots: list[dict[str, Any]] = field(default_factory=list)   # oldest first
    region_status: dict[str, str] = field(default_factory=dict)
    region_slot: dict[str, int] = field(default_factory=dict)
    cause: str | None = None
    down_since_slot: int | None = None
    down_suppressed: bool = False
    degraded: bool = False
    recent_times: list[int] = field(default_factory=list)
    ssl_warned_for: str | None = None
    # Newest slots in a row that fewer regions than the quorum reported, and whether
    # monitor.not_checked was raised for this run of them.
    not_checked_slots: int = 0
    not_checked: bool = False
    # The Down parent's incident this monitor's Down joined (`chalicelib.status.dependencies`).
    joined_incident: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "MonitorState":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def slot_verdict(results: dict[str, bool], policy: Policy) -> bool | None:
    """True (good), False (failed) or None (undecided) for one slot's region results."""
    failures = sum(1 for region, ok in results.items() if region in policy.regions and not ok)
    goods = sum(1 for region, ok in results.items() if region in policy.regions and ok)
    if failures >= policy.needed:
        return False
    if goods > len(policy.regions) - policy.needed:
        return True
    return None


def slot_verdicts(slots: list[dict[str, Any]], policy: Policy) -> list[bool | None]:
    """Each slot's verdict; a slot missing only dark regions goes by the regions that reported."""
    plain = [slot_verdict(slot["results"], policy) for slot in slots]
    dark = degraded_quorum.dark_regions(slots, policy.regions, policy.settled_before,
                                        never_sent=policy.unreached)
    if not dark:
        return plain
    return [verdict if verdict is not None else degraded_quorum.degraded_verdict(
        slot["results"], policy.regions, policy.needed, dark) for slot, verdict in zip(slots, plain)]


def trailing_streak(slots: list[dict[str, Any]], policy: Policy) -> tuple[bool | None, int]:
    """The newest decided verdict and how many decided slots in a row share it."""
    verdict, count = None, 0
    for current in reversed(slot_verdicts(slots, policy)):
        if current is None:
            continue
        if verdict is None:
            verdict = current
        if current != verdict:
            break
        count += 1
    return verdict, count


def p95(times: list[int]) -> int | None:
    if len(times) < MIN_TIMES_FOR_P95:
        return None
    ordered = sorted(times)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]   # nearest rank


def evaluate(state: MonitorState, policy: Policy, obs: Observation) -> tuple[MonitorState, list[Transition]]:
    """Fold one result into the state; returns the new state and what changed."""
    new = replace(state, slots=[dict(s, results=dict(s["results"])) for s in state.slots],
                  region_status=dict(state.region_status), region_slot=dict(state.region_slot),
                  recent_times=list(state.recent_times))
    transitions: list[Transition] = []
    if obs.region in policy.regions:
        transitions += _track_region(new, obs)
    if not _add_to_slots(new, obs):
        return new, transitions          # too old to matter for the streaks
    if not obs.ok and obs.error:
        new.cause = obs.error
    transitions += _track_checked(new, policy)
    transitions += _apply_streaks(new, policy, obs)
    transitions += _track_performance(new, policy, obs)
    transitions += _track_certificate(new, policy, obs)
    return new, transitions


def _track_region(new: MonitorState, obs: Observation) -> list[Transition]:
    if obs.slot < new.region_slot.get(obs.region, -1):
        return []                        # a late result does not overwrite a newer one
    new.region_slot[obs.region] = obs.slot
    before = new.region_status.get(obs.region, MonitorStatus.UNKNOWN)
    after = MonitorStatus.UP if obs.ok else MonitorStatus.DOWN
    new.region_status[obs.region] = after
    if before == after or before == MonitorStatus.UNKNOWN and after == MonitorStatus.UP:
        return []
    words = f"{obs.region} is {'failing: ' + (obs.error or 'check failed') if not obs.ok else 'passing again'}"
    return [Transition(f"region.{after.lower()}", words, region=obs.region)]


def _add_to_slots(new: MonitorState, obs: Observation) -> bool:
    for slot in new.slots:
        if slot["slot"] == obs.slot:
            slot["results"][obs.region] = obs.ok
            return True
    if len(new.slots) >= KEEP_SLOTS and obs.slot < new.slots[0]["slot"]:
        return False
    new.slots.append({"slot": obs.slot, "results": {obs.region: obs.ok}})
    new.slots.sort(key=lambda s: s["slot"])
    del new.slots[:-KEEP_SLOTS]
    return True


def _apply_streaks(new: MonitorState, policy: Policy, obs: Observation) -> list[Transition]:
    verdict, count = trailing_streak(new.slots, policy)
    if verdict is False and count >= policy.failure_threshold and new.status != MonitorStatus.DOWN:
        new.status, new.down_since_slot = MonitorStatus.DOWN, _first_failed_slot(new.slots, policy, count)
        new.down_suppressed = policy.in_maintenance
        return [Transition(Event.MONITOR_DOWN, new.cause or "check failed", policy.in_maintenance)]
    if verdict is True and new.status == MonitorStatus.PENDING:
        new.status = MonitorStatus.UP
    elif verdict is True and count >= policy.recovery_threshold and new.status == MonitorStatus.DOWN:
        suppressed = new.down_suppressed or policy.in_maintenance
        new.status, new.down_since_slot, new.down_suppressed = MonitorStatus.UP, None, False
        return [Transition(Event.MONITOR_UP, "check passing again", suppressed)]
    return []


def _first_failed_slot(slots: list[dict[str, Any]], policy: Policy, count: int) -> int:
    failed = [s["slot"] for s, v in zip(slots, slot_verdicts(slots, policy)) if v is False]
    return failed[-count]


def _track_checked(new: MonitorState, policy: Policy) -> list[Transition]:
    """Count the newest slots short of the quorum; raise monitor.not_checked once per run of
    them, when the missing regions are dark (DARK_AFTER_SLOTS settled slots without them)."""
    new.not_checked_slots = degraded_quorum.unchecked_run(new.slots, policy.regions,
                                                          policy.needed)
    if new.not_checked_slots == 0:
        new.not_checked = False
        return []
    dark = degraded_quorum.dark_regions(new.slots, policy.regions, policy.settled_before,
                                        never_sent=policy.unreached)
    if new.not_checked or not dark:
        return []
    new.not_checked = True
    present = len(policy.regions) - len(dark)
    return [Transition(Event.MONITOR_NOT_CHECKED,
                       f"not checked for {new.not_checked_slots} intervals: "
                       f"{', '.join(sorted(dark))} reported nothing; deciding with "
                       f"{present} of {len(policy.regions)} regions", policy.in_maintenance)]


def _track_performance(new: MonitorState, policy: Policy, obs: Observation) -> list[Transition]:
    if not obs.ok or obs.response_time_ms is None or not policy.response_time_threshold_ms:
        return []
    new.recent_times = (new.recent_times + [int(obs.response_time_ms)])[-KEEP_TIMES:]
    value = p95(new.recent_times)
    if value is None:
        return []
    slow = value > policy.response_time_threshold_ms
    if slow == new.degraded:
        return []
    new.degraded = slow
    if slow:
        return [Transition(Event.MONITOR_DEGRADED,
                           f"P95 response time {value} ms is above {policy.response_time_threshold_ms} ms",
                           policy.in_maintenance)]
    return [Transition(Event.MONITOR_PERFORMANCE_RESTORED,
                       f"P95 response time {value} ms is back under {policy.response_time_threshold_ms} ms",
                       policy.in_maintenance)]


def _track_certificate(new: MonitorState, policy: Policy, obs: Observation) -> list[Transition]:
    days, warn = obs.ssl_days_left, policy.ssl_expiry_warning_days
    if days is None or warn is None or days > warn:
        return []
    certificate = obs.ssl_not_after or f"{days}-days"
    if new.ssl_warned_for == certificate:
        return []
    new.ssl_warned_for = certificate
    words = "SSL certificate has expired" if days < 0 else f"SSL certificate expires in {days} days"
    return [Transition(Event.MONITOR_SSL_EXPIRING, words, policy.in_maintenance)]


def is_quiet(before: MonitorState, policy: Policy, obs: Observation) -> bool:
    """Whether folding `obs` in can change nothing anyone sees, so the write can be skipped.

    The steady state of a healthy monitor: an Up monitor whose remembered slots are all good, a
    passing result from a region already Up, and no response-time or certificate tracking to
    update. Most results are like this; skipping their write is most of a check's cost.
    """
    return (obs.ok and before.status == MonitorStatus.UP and not before.degraded
            and before.region_status.get(obs.region) == MonitorStatus.UP
            and not policy.response_time_threshold_ms
            and (obs.ssl_days_left is None or policy.ssl_expiry_warning_days is None
                 or obs.ssl_days_left > policy.ssl_expiry_warning_days)
            # An undecided slot waits for results: this one may decide it (or show a region
            # dark), so it is stored. Only failure episodes have undecided slots.
            and all(v is True for v in slot_verdicts(before.slots, policy))
            and not owes_not_checked(before))


def owes_not_checked(state: MonitorState) -> bool:
    """Whether the newest slots lacked the quorum and nobody was told yet: the next results
    may show a region dark, so they are stored (never a silent Up). Once told, a passing
    result is quiet again."""
    return state.not_checked_slots > 0 and not state.not_checked
