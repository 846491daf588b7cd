"""Monitors that no region checks: each region they are checked from is dark (the scheduler
has not reached its queue for more than DARK_AFTER_MINUTES). Nothing reaches the evaluator for
them, so without this they would show their last status — a silent Up. Run every minute by
the missed-run watcher: it raises `monitor.not_checked` for each such monitor once per outage
(the event id names the outage's first unsent minute; a second raise is a failed conditional
put, and only while a region is dark). Reads: a GetItem per region cursor, and, only while a
region is dark, the scheduler index's Queries of the minute and a GetItem per monitor hit.
"""
from __future__ import annotations

import logging
from datetime import datetime

from chalicelib.bus import events
from chalicelib.monitors import scheduling
from chalicelib.kernel.clock import iso
from chalicelib.kernel.settings import settings
from chalicelib.storage import control
from chalicelib.storage import events as event_store
from chalicelib.storage import monitors as monitor_store
from chalicelib.kernel.vocabulary import Event

log = logging.getLogger("enori.unchecked")
DARK_AFTER_MINUTES = 2


def dark_regions(cursors: dict[str, control.RegionCursor], coming_minute: int
                 ) -> dict[str, int]:
    """Region -> the first minute its checks did not go out, for the regions more than
    DARK_AFTER_MINUTES behind. Measured from `sent_through`, which stays put for a whole outage
    while the cursor itself passes over minutes with nothing to send: so the outage keeps one
    name (one event), and a region whose monitors are due only now and then is seen dark. Pure."""
    sent = {region: cursor.sent_through for region, cursor in cursors.items()}
    return {region: last + 1 for region, last in sent.items()
            if last is not None and coming_minute - last > DARK_AFTER_MINUTES}


def unchecked_since(regions: list[str], dark: dict[str, int], served: tuple[str, ...]
                    ) -> int | None:
    """The first minute none of the monitor's served regions was sent, when all are dark."""
    mine = [r for r in regions if r in served]
    if not mine or any(r not in dark for r in mine):
        return None
    return max(dark[r] for r in mine)


def sweep(now: datetime) -> int:
    """Raise monitor.not_checked for every monitor due now whose regions are all dark."""
    coming = int(now.timestamp()) // 60 + 1
    dark = dark_regions(control.region_cursors(settings.check_regions), coming)
    if not dark:
        return 0
    raised = 0
    families = sorted(control.scheduler_state().families or [])
    for key in scheduling.keys_due(coming - 1, families):
        for entry in monitor_store.due_entries(key):
            since = unchecked_since(list(entry.regions or []), dark, settings.check_regions)
            if since is not None:
                raised += _raise(entry.account_id, entry.monitor_id, since, now)
    if raised:
        log.warning("%d monitors not checked: regions %s dark", raised, sorted(dark))
    return raised


def _raise(account_id: str, monitor_id: str, since_minute: int, now: datetime) -> bool:
    monitor = monitor_store.get_monitor(account_id, monitor_id)
    if monitor is None or monitor.paused:
        return False
    slot = since_minute * 60
    minutes = int(now.timestamp()) // 60 - since_minute
    message = f"not checked for {max(1, minutes)} minutes: no region could be reached"
    item = events.build(events.event_id_for(monitor_id, Event.MONITOR_NOT_CHECKED, slot, ""),
                        account_id, Event.MONITOR_NOT_CHECKED,
                        {"monitor": events.monitor_ref(monitor),
                         "alert": {"type": "NotChecked", "message": message,
                                   "timestamp": iso(now), "responseTimeMs": None},
                         "slot": slot, "region": None})
    if not event_store.put_event(item):
        return False
    events.publish(item)
    return True
