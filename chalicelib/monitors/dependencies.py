"""A monitor's parents (`dependsOn`) as configuration: they exist in the account and close no
cycle. How a parent's outage holds its children's alerts: `status.dependencies`."""
from __future__ import annotations

from typing import Callable, Iterable

from chalicelib.kernel.errors import InvalidReferenceError, ValidationError
from chalicelib.storage import monitors as monitor_store

FIELD = "dependsOn"
MAX_DEPTH = 50                                     # far beyond any real chain; stops a walk


def parents_of(monitor) -> list[str]:
    return list((monitor.config or {}).get("depends_on") or [])


def find_cycle(monitor_id: str, parent_ids: Iterable[str],
               parents: Callable[[str], list[str]]) -> list[str] | None:
    """The path monitor -> ... -> monitor that `parent_ids` would close, or None. Pure: `parents`
    gives the stored parents of another monitor."""
    stack = [(p, [monitor_id, p]) for p in parent_ids]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        if current == monitor_id:
            return path
        if current in seen or len(path) > MAX_DEPTH:
            continue
        seen.add(current)
        stack += [(p, path + [p]) for p in parents(current)]
    return None


def check_parents(account_id: str, monitor_id: str, parent_ids: list[str]) -> None:
    """400 naming `dependsOn` for a parent the account does not have (another account's id is
    not found either) or a dependency cycle. One GetItem per monitor on the walk."""
    found: dict[str, list[str]] = {}
    for parent_id in dict.fromkeys(parent_ids):
        if parent_id == monitor_id:
            continue      # reported as the cycle it is
        parent = monitor_store.get_monitor(account_id, parent_id)
        if parent is None:
            raise InvalidReferenceError.for_field(FIELD, f"monitor {parent_id} does not exist")
        found[parent_id] = parents_of(parent)

    def stored_parents(other_id: str) -> list[str]:
        if other_id not in found:
            other = monitor_store.get_monitor(account_id, other_id)
            found[other_id] = parents_of(other) if other else []
        return found[other_id]

    cycle = find_cycle(monitor_id, parent_ids, stored_parents)
    if cycle:
        raise ValidationError.for_field(FIELD, "would make a dependency cycle: "
                                        + " -> ".join(cycle))
