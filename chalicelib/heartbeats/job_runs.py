"""How a finished job run is measured and bounded, beyond its own ping (Healthchecks' conventions):

- run ids (`?rid=<uuid>`): a finish is paired with the start of the same run id, so concurrent
  runs of one job each get their own run time; without a run id, with the job's last start;
- "ran too often": a success less than `minIntervalSeconds` after the previous success fails
  the run, as a run shorter than `minRuntimeSeconds` does.

Each reads the job's recent pings (its state's buffer, then a Query: `storage.ping_runs`), only
when it applies.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from chalicelib.kernel.errors import ValidationError
from chalicelib.storage import ping_runs
from chalicelib.storage.pings import Entry, ping_key

# A start older than this pairs with nothing (Healthchecks measures runs up to 72 hours).
RUN_WINDOW = timedelta(hours=72)
MAX_EXIT_STATUS = 255


def epoch_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _up_to(now: datetime) -> str:
    """A range-key bound after every ping received up to `now` (and before the next ms)."""
    return ping_key(epoch_ms(now) + 1, "")


def parse_run_id(text: str | None) -> str | None:
    """`?rid=`: a UUID (Healthchecks' rule), canonical lower case; 400 naming `rid` otherwise."""
    if text is None or text == "":
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValidationError.for_field("rid", "must be a UUID") from None


def parse_exit_status(text: str) -> int:
    """`/ping/{token}/{exit_status}`: 0-255; 400 naming `exitStatus` otherwise."""
    if not text.isdigit() or int(text) > MAX_EXIT_STATUS:
        raise ValidationError.for_field("exitStatus",
                                        f"must be an integer from 0 to {MAX_EXIT_STATUS}")
    return int(text)


def runtime_ms(monitor, buffer: list[Entry], run_id: str | None, now: datetime) -> int | None:
    """The run time of a run finishing `now`: from its run id's start, else the last start
    (`buffer`: the job state's pings not yet in the pings table, parsed)."""
    if run_id is None:
        started = monitor.last_start_at
    else:
        start = ping_runs.start_of_run(monitor.monitor_id, monitor.account_id, buffer, run_id,
                                       epoch_ms(now - RUN_WINDOW), _up_to(now))
        started = start.at if start else None
    return max(0, epoch_ms(now) - epoch_ms(started)) if started else None


def too_often(monitor, buffer: list[Entry], config: dict, now: datetime) -> str | None:
    """The cause of a success that came too soon after the previous one, else None."""
    low = config.get("min_interval_seconds")
    if not low:
        return None
    # Strictly sooner: a success exactly `low` seconds after the previous one is on time.
    previous = ping_runs.success_since(monitor.monitor_id, monitor.account_id, buffer,
                                       epoch_ms(now) - low * 1000 + 1, _up_to(now))
    if previous is None:
        return None
    gap = (now - previous.at).total_seconds()
    return (f"job ran too often: {round(gap, 1):g} s after the previous success, "
            f"less than the minimum {low} s")
