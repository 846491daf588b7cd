"""What each function may touch, derived from the code it can run.

A function's handler lives in a module; the chalicelib modules that module imports (directly or
through others, at top level or inside functions) are everything the function can execute. From
that set follow its DynamoDB tables (the models of the storage modules it reaches) and its other
AWS needs (publishing events, queueing jobs or retries, sending email). An over-approximation —
a module reached but not called still counts — but never a wildcard: every grant names its
resources.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module reached -> what it needs besides tables
PUBLISHES_EVENTS = "chalicelib.bus.events"
SENDS_CHECK_JOBS = "chalicelib.bus.dispatch"
REQUEUES_CHECKS = "chalicelib.bus.slow_lane"        # the check worker: to the slow lanes only
SENDS_RESULTS = "chalicelib.bus.result_sender"      # a remote region's worker: results home
SENDS_RETRIES = "chalicelib.notify.delivery"
SENDS_EMAIL = "chalicelib.channels.kinds.email"
REDRIVES_DEAD_LETTERS = "chalicelib.bus.dead_letters"
API_HANDLER = "APIHandler"      # the API function's name (Chalice's)


@dataclass(frozen=True)
class Needs:
    tables: frozenset[str]          # table names
    publishes_events: bool
    sends_check_jobs: bool
    sends_retries: bool
    sends_email: bool
    redrives_dead_letters: bool = False
    requeues_checks: bool = False
    sends_results: bool = False


def _module_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=None)
def direct_imports(module: str) -> frozenset[str]:
    """The chalicelib modules `module` imports anywhere in its source."""
    path = _module_path(module)
    if path is None:
        return frozenset()
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)  # `from pkg import mod`
    return frozenset(m for m in found if m.startswith("chalicelib") and _module_path(m))


def reachable_modules(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(2, len(parts)))  # parent packages run too
        todo.extend(direct_imports(module))
    return seen


def needs_of(roots: list[str]) -> Needs:
    from chalicelib.storage.tables import ALL_ITEMS

    modules = reachable_modules(roots)
    return Needs(
        tables=frozenset(m.Meta.table_name for m in ALL_ITEMS if m.__module__ in modules),
        publishes_events=PUBLISHES_EVENTS in modules,
        sends_check_jobs=SENDS_CHECK_JOBS in modules,
        sends_retries=SENDS_RETRIES in modules,
        sends_email=SENDS_EMAIL in modules,
        redrives_dead_letters=REDRIVES_DEAD_LETTERS in modules,
        requeues_checks=REQUEUES_CHECKS in modules,
        sends_results=SENDS_RESULTS in modules)


def handler_module(handler_string: str) -> str:
    return handler_string.rsplit(".", 1)[0]


def api_route_modules(chalice_app) -> list[str]:
    """The modules defining the app's routes (the API function runs those)."""
    modules = {entry.view_function.__module__
               for methods in chalice_app.routes.values() for entry in methods.values()}
    return sorted(modules)


def function_roots(chalice_app, api_name: str = API_HANDLER) -> dict[str, list[str]]:
    """Each function of the app -> the modules it runs from: the route modules for the API
    function, its handler's module for every other."""
    roots = {api_name: api_route_modules(chalice_app)}
    for source in chalice_app.event_sources:
        roots[source.name] = [handler_module(source.handler_string)]
    return roots


def function_reach(chalice_app, api_name: str = API_HANDLER) -> dict[str, dict]:
    """Each function -> what it may touch, as plain data (tables without the stage's prefix):
    what `scripts/function-reach.py` prints and the checked-in reach snapshot holds."""
    from chalicelib.kernel.settings import settings

    prefix = settings.table_name("")
    reach = {}
    for name, roots in function_roots(chalice_app, api_name).items():
        needs = needs_of(roots)
        reach[name] = {
            "tables": sorted(table.removeprefix(prefix) for table in needs.tables),
            "publishes_events": needs.publishes_events,
            "sends_check_jobs": needs.sends_check_jobs, "sends_retries": needs.sends_retries,
            "sends_email": needs.sends_email, "redrives_dead_letters": needs.redrives_dead_letters,
            "requeues_checks": needs.requeues_checks, "sends_results": needs.sends_results}
    return reach
