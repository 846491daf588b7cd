"""What a route promises, declared at the route (`endpoint(..., body=, query=, returns=,
representation=, errors=)`): the pieces of that declaration, the base of every response model,
the list envelope, and the check that holds a response to its model.

The OpenAPI document (`openapi/document.py`) is generated from these declarations; nothing
else describes a route. Response models live next to their routes (each concept's
`representations.py`) and build on `OutModel`.

Response models allow extra fields in the document (a client must tolerate new fields), but
under `STRICT` (switched on by tests/conftest.py) every JSON response is validated against its
route's `returns` model and a field the model does not name is drift: `DRIFT` records it and
the test fails. A field added to a handler and not to its model cannot pass silently.
"""
from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Union

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model
from pydantic import ValidationError as PydanticError
from pydantic.alias_generators import to_camel

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
HTML = "text/html"
SVG = "image/svg+xml"
CSV = "text/csv"
MERGE_PATCH = "application/merge-patch+json"

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Body:
    """A request body: a type pydantic can describe (or a JSON Schema dict), per media type."""
    schema: Any
    required: bool = True
    media: tuple[str, ...] = (JSON,)
    example: Any = None


# A write route that takes no body (any body sent is ignored): `endpoint(..., body=NO_BODY)`.
NO_BODY = Body(None, required=False)


@dataclass(frozen=True)
class Success:
    """The success response body: a type pydantic can describe (or a JSON Schema dict; None:
    no body), per media type; the JSON one is what `STRICT` checks."""
    schema: Any
    media: tuple[str, ...] = (JSON,)
    example: Any = None
    description: str | None = None


def query(name: str, schema: dict, description: str, explode: bool = False) -> dict:
    """A query parameter, as the document lists it."""
    param = {"name": name, "in": "query", "required": False, "description": description,
             "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=explode)
    return param


DATE_TIME = {"type": "string", "format": "date-time"}
OBJECT = {"type": "object"}  # a free-form JSON object: documented, not checked field by field
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT}, "Max results")
OFFSET = query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0},
               "Pagination offset")
PAGING = [LIMIT, OFFSET]
FROM = query("from", DATE_TIME, "Start (ISO 8601; without an offset, UTC)")
TO = query("to", DATE_TIME, "End (ISO 8601; without an offset, UTC)")
MONITOR_ID = query("monitorId", {"type": "string"}, "Filter by monitor")


def as_body(body: Any) -> Body | None:
    return body if body is None or isinstance(body, Body) else Body(body)


def as_success(returns: Any) -> Success | None:
    return returns if returns is None or isinstance(returns, Success) else Success(returns)


# --- response models ------------------------------------------------------------------------

class OutModel(BaseModel):
    """A response representation: camelCase on the wire."""
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")
    # Names shown beside the declared fields: the object's configuration as its request models
    # take it (a monitor's per-type settings, a channel's per-type config; `wire_names`).
    # `STRICT` accepts these, and calls any other undeclared name drift.
    config_fields: ClassVar[frozenset[str]] = frozenset()


def wire_names(*models: type[BaseModel]) -> frozenset[str]:
    """The camelCase names the request `models` take."""
    return frozenset(field.alias or name for model in models
                     for name, field in model.model_fields.items())


class Stamped(OutModel):
    """An object a client creates and replaces: its id and times, beyond what it sent."""
    id: str
    created_at: datetime | None
    updated_at: datetime | None


def page_of(model: Any, name: str) -> type[BaseModel]:
    """`{items: [model], totalCount}`, the list envelope."""
    return create_model(name, __base__=OutModel, items=(list[model], ...),
                        total_count=(int, ...))


ObjectList = page_of(dict[str, Any], "ObjectList")


# --- the tolerant reader --------------------------------------------------------------------

def shows(model: Any, loc: tuple[Any, ...]) -> bool:
    """Whether the representation `model` shows a field at `loc`, a camelCase path with list
    indexes (`("members", 0, "addedAt")`)."""
    kind = model
    for part in loc:
        kind = _unwrapped(kind)
        if isinstance(part, int):
            args = typing.get_args(kind)
            if typing.get_origin(kind) is not list or not args:
                return False
            kind = args[0]
            continue
        if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return False
        by_alias = {field.alias or name: field for name, field in kind.model_fields.items()}
        if part not in by_alias:
            return False
        kind = by_alias[part].annotation
    return True


def _unwrapped(kind: Any) -> Any:
    """`X` for `X | None` (the one non-None member), else `kind` itself."""
    if typing.get_origin(kind) in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return members[0] if len(members) == 1 else kind
    return kind


# --- drift: a response its model does not describe ------------------------------------------

STRICT = False
DRIFT: list[str] = []


def drift(returns: Success | None, body: Any) -> list[str]:
    """How the JSON `body` departs from the model `returns` declares: fields missing or of the
    wrong type, and fields the model does not name. Nothing for a free-form schema (a dict)."""
    if returns is None or returns.schema is None or isinstance(returns.schema, dict):
        return []
    try:
        value = _adapter(returns.schema).validate_python(body)
    except PydanticError as exc:
        return [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                for e in exc.errors(include_url=False)]
    return [f"{path}: not in the model" for path in _extras(value, "")]


@functools.lru_cache(maxsize=None)
def _adapter(schema: Any) -> TypeAdapter:
    return TypeAdapter(schema)


def _extras(value: Any, path: str) -> typing.Iterator[str]:
    if isinstance(value, BaseModel):
        yield from (f"{path}{name}" for name in (value.model_extra or {})
                    if name not in value.config_fields)
        for name in type(value).model_fields:
            yield from _extras(getattr(value, name), f"{path}{name}.")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _extras(item, f"{path}{index}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _extras(item, f"{path}{key}.")


def check(route: dict, body: Any) -> None:
    """Under `STRICT`, record in `DRIFT` how a response of `route` departs from its model."""
    problems = drift(route.get("returns"), body)
    DRIFT.extend(f"{route['method']} {route['path']}: {problem}" for problem in problems)
