"""The generated OpenAPI 3.1 document, rendered as OpenAPI 3.0.3 (what the spec promises at
/openapi/v1.json, and what 3.0-only tools and client generators read). A pure function of the
3.1 document, so both always describe the same API.

What 3.0 lacks, and what stands in for it:
- `null` as a type (pydantic's `anyOf: [X, {type: null}]`, `type: [X, "null"]`, None in an
  enum): `nullable: true` on X (a `$ref` X is wrapped in `allOf`, as 3.0 ignores `$ref`'s
  siblings);
- `const`: a one-value `enum`; `examples` (a list) in a schema: `example`, the first one;
- numeric `exclusiveMinimum`/`exclusiveMaximum`: `minimum`/`maximum` with the boolean flag;
- top-level `webhooks`: kept as the extension `x-webhooks` (3.0 tools ignore it).
"""
from __future__ import annotations

from typing import Any

OPENAPI_30 = "3.0.3"
NULL = {"type": "null"}
# Keywords whose value is one schema / a list of schemas / a map of name to schema.
_ONE = ("items", "not", "additionalProperties")
_MANY = ("anyOf", "oneOf", "allOf")
_MAP = ("properties",)


def downgrade(document: dict) -> dict:
    """The OpenAPI 3.0.3 rendering of a 3.1 `document` (not modified)."""
    converted = {key: _walk(value) for key, value in document.items() if key != "webhooks"}
    converted["openapi"] = OPENAPI_30
    if "webhooks" in document:
        converted["x-webhooks"] = _walk(document["webhooks"])
    components = dict(converted.get("components", {}))
    if "schemas" in components:
        components["schemas"] = {name: schema(s) for name, s in components["schemas"].items()}
    converted["components"] = components
    return converted


def _walk(node: Any) -> Any:
    """Every object outside `components.schemas`: a `schema` member (of a parameter, header or
    media type) is a schema; the rest is copied."""
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: schema(value) if key == "schema" and isinstance(value, dict) else _walk(value)
            for key, value in node.items()}


def schema(node: dict) -> dict:
    """One JSON Schema (2020-12, as pydantic writes it) as an OpenAPI 3.0 Schema Object."""
    if not isinstance(node, dict):
        return node
    result = {key: _sub_schemas(key, value) for key, value in node.items()}
    if "$ref" in result and len(result) > 1:  # 3.0 ignores a $ref's siblings: keep them
        result = {"allOf": [{"$ref": result.pop("$ref")}], **result}
    if "const" in result:
        result["enum"] = [result.pop("const")]
    if "examples" in result:
        examples = result.pop("examples")
        if isinstance(examples, list) and examples and "example" not in result:
            result["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(result.get(bound), (int, float)) and not isinstance(result[bound], bool):
            result[flag] = result.pop(bound)
            result[bound] = True
    return _nullable(result)


def _sub_schemas(key: str, value: Any) -> Any:
    if key in _ONE and isinstance(value, dict):
        return schema(value)
    if key in _MANY and isinstance(value, list):
        return [schema(item) for item in value]
    if key in _MAP and isinstance(value, dict):
        return {name: schema(item) for name, item in value.items()}
    return value


def _nullable(result: dict) -> dict:
    """Move every way 3.1 says "or null" into `nullable: true`."""
    kind = result.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) < len(kind):
            result["nullable"] = True
        if len(kinds) == 1:
            result["type"] = kinds[0]
        else:
            del result["type"]
            result["anyOf"] = [{"type": k} for k in kinds]
    elif kind == "null":
        del result["type"]
        result.update(nullable=True, enum=[None])
    if isinstance(result.get("enum"), list) and None in result["enum"] and kind != "null":
        result["enum"] = [value for value in result["enum"] if value is not None]
        result["nullable"] = True
    for keyword in ("anyOf", "oneOf"):
        members = result.get(keyword)
        if isinstance(members, list) and any(_is_null(m) for m in members):
            return _without_null_member(result, keyword)
    return result


def _is_null(member: Any) -> bool:
    return isinstance(member, dict) and (member == NULL or member == {"nullable": True,
                                                                      "enum": [None]})


def _without_null_member(result: dict, keyword: str) -> dict:
    others = [m for m in result.pop(keyword) if not _is_null(m)]
    if len(others) != 1:
        return {**result, keyword: others, "nullable": True}
    only = others[0]
    if "$ref" in only:  # nullable needs a sibling, and a $ref's siblings are ignored
        return {**result, "allOf": [only], "nullable": True}
    # The outer keywords (title, description, default) go on the one remaining schema.
    return {**only, **result, "nullable": True}
