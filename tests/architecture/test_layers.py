"""The layer rules of docs/architecture.md, held against the real imports of chalicelib/.

Packages are listed bottom-up: each may import only itself and the packages before it (imports
inside functions count: on Lambda they run too, and infra/access.py grants from them). That one
order also rules out cycles between packages.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"

FLOORS = ("kernel", "storage", "bus", "http")
CONCEPTS = ("accounts", "channels", "rules", "monitors", "maintenance", "incidents", "status",
            "checks", "heartbeats", "notify", "status_pages", "reports", "config", "web",
            "openapi")
LAYERS = FLOORS + CONCEPTS
ONLY_STORAGE_IMPORTS = ("pynamodb",)


def modules() -> list[Path]:
    return sorted(p for p in CHALICELIB.rglob("*.py") if "static" not in p.parts)


def package_of(path: Path) -> str | None:
    """The top package under chalicelib/ a file belongs to (None: chalicelib/__init__.py)."""
    parts = path.relative_to(CHALICELIB).parts
    return parts[0] if len(parts) > 1 else None


def imported_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package: str, names: set[str]) -> list[str]:
    """What `package` may not import among `names`, with the reason."""
    found = []
    rank = LAYERS.index(package)
    for name in sorted(names):
        parts = name.split(".")
        if parts[0] in ONLY_STORAGE_IMPORTS and package != "storage":
            found.append(f"{name}: only storage/ imports {parts[0]}")
        if parts[0] != "chalicelib" or len(parts) < 2 or parts[1] == package:
            continue
        if parts[1] not in LAYERS:
            found.append(f"{name}: not in a declared package")
        elif LAYERS.index(parts[1]) > rank:
            found.append(f"{name}: {parts[1]} lies above {package}")
    return found


def test_chalicelib_holds_only_the_declared_packages():
    loose = [p.name for p in CHALICELIB.glob("*.py") if p.name != "__init__.py"]
    undeclared = [p.name for p in CHALICELIB.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in LAYERS]
    assert (loose, undeclared) == ([], [])


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_a_module_imports_only_downward(path):
    package = package_of(path)
    if package is None:
        assert imported_names(path.read_text()) <= {"__future__"}
        return
    assert violations(package, imported_names(path.read_text())) == []


@pytest.mark.parametrize("path", sorted(CHALICELIB.rglob("__init__.py")),
                         ids=lambda p: str(p.relative_to(CHALICELIB)))
def test_package_inits_stay_empty_so_importing_one_module_loads_nothing_else(path):
    body = ast.parse(path.read_text()).body
    statements = [node for node in body
                  if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    assert statements == []


def test_the_guard_catches_an_upward_import_pynamodb_outside_storage_and_an_unknown_package():
    assert violations("monitors", {"chalicelib.checks.results"}) == [
        "chalicelib.checks.results: checks lies above monitors"]
    assert violations("kernel", {"pynamodb.models"}) == [
        "pynamodb.models: only storage/ imports pynamodb"]
    assert violations("checks", {"chalicelib.workers.checks"}) == [
        "chalicelib.workers.checks: not in a declared package"]
    assert violations("checks", {"chalicelib.monitors.models", "chalicelib.checks.family"}) == []
