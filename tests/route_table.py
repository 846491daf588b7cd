"""The route table (`chalicelib.http.endpoint.ROUTES`) as the generated API suites walk it
(`tests/http/test_tenant_walls.py`, `tests/http/test_scope_matrix.py`)."""
from __future__ import annotations

import re
import secrets

import app  # noqa: F401  (registers every route)
from chalicelib.http.endpoint import ROUTES
from chalicelib.kernel.ids import PATH_ID_PREFIXES, new_id

PRIVATE = [r for r in ROUTES if not r["public"]]
PUBLIC = [r for r in ROUTES if r["public"]]

# The id prefix (API.md) of every private path parameter: "a random missing id of the same
# prefix" passes format checks and reaches the lookup.
ID_PREFIXES = PATH_ID_PREFIXES
# Private path parameters that are not ids, and why another account's value is not "not found".
NOT_IDS = {"name": "PUT /api/monitors/by-name/{name} is an upsert: a name unknown to the caller "
                   "creates the caller's own monitor (200), whoever else uses that name"}


def route_key(route: dict) -> str:
    return f"{route['method']} {route['path']}"


def params_of(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


def random_values(path: str) -> dict[str, str]:
    """A missing value for each path parameter: an id of the right prefix, else a random word."""
    return {name: new_id(ID_PREFIXES[name]) if name in ID_PREFIXES
            else f"missing-{secrets.token_hex(8)}" for name in params_of(path)}


# Past DynamoDB's key limits (2,048 bytes for a partition key, 1,024 for a sort key) wherever it
# is stored: 2,000 characters would still fit `global#ping-token#<token>` (2,018 bytes).
TOO_LONG = 2100


def too_long(name: str) -> str:
    """A value for `name` that no key can hold: an id keeps its prefix, only its length is
    wrong."""
    return (f"{ID_PREFIXES[name]}_" if name in ID_PREFIXES else "") + "a" * TOO_LONG


def unknown_private_params() -> set[str]:
    return {name for r in PRIVATE for name in params_of(r["path"])} - set(ID_PREFIXES) \
        - set(NOT_IDS)


UNKNOWN_PARAM_MESSAGE = ("path parameters {names} are new: add their id prefix to "
                         "PATH_ID_PREFIXES in chalicelib/kernel/ids.py (or a reason to NOT_IDS in "
                         "tests/route_table.py), and build one object of that kind for account B "
                         "in tests/http/test_tenant_walls.py")
