"""The base of every API model, the case-insensitive enum type and the error-details helper.

camelCase on the wire, snake_case in Python; unknown fields are refused so that a field which
makes no sense for an object is a 400, not silently dropped.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


class ApiModel(pydantic.BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
    )


def case_insensitive_enum(*values: str) -> Any:
    """An Annotated `Literal[values]` that accepts any case and yields the canonical spelling.

    `case_insensitive_enum("Website", "Ping")` validates "website" and "WEBSITE" to "Website";
    an unknown value fails with pydantic's own message, which lists the allowed values.
    """
    canonical = {value.lower(): value for value in values}

    def to_canonical(value: Any) -> Any:
        return canonical.get(value.lower(), value) if isinstance(value, str) else value

    return Annotated[Literal[values], BeforeValidator(to_canonical)]  # type: ignore[valid-type]


# pydantic's messages start with these; the API's details read better without them.
_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")
# pydantic's own words for these name internal classes ("a valid dictionary or instance of
# AlertChannelHead"): the client sent something other than a JSON object where one belongs.
_NOT_AN_OBJECT = "must be a JSON object"
_MESSAGE_BY_TYPE = {"extra_forbidden": "unknown field", "missing": "required",
                    "model_type": _NOT_AN_OBJECT, "model_attributes_type": _NOT_AN_OBJECT,
                    "dataclass_type": _NOT_AN_OBJECT, "dict_type": _NOT_AN_OBJECT}
_SNAKE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def validation_details(exc: pydantic.ValidationError) -> list[dict[str, str]]:
    """`[{"field": "intervalSeconds", "message": "..."}]` for the 400 VALIDATION_ERROR envelope.

    The field is the camelCase path joined with "." (`tags.3`, `requestHeaders`); an error about
    the whole body (not an object, or a rule over several fields) has the field "body".
    """
    details = []
    for error in exc.errors(include_url=False):
        details.append({"field": _field_path(error), "message": _message(error)})
    return details


def _field_path(error: Any) -> str:
    loc = list(error["loc"])
    if not loc:
        return "body"
    # An unknown field is reported exactly as the client spelled it.
    last = [str(loc.pop())] if error["type"] == "extra_forbidden" else []
    # Locations use the key the client sent, or the snake_case name for a defaulted field.
    parts = [to_camel(part) if _is_snake_name(part) else str(part) for part in loc]
    return ".".join(parts + last)


def _is_snake_name(part: Any) -> bool:
    return isinstance(part, str) and _SNAKE_NAME.fullmatch(part) is not None


def _message(error: Any) -> str:
    if error["type"] in _MESSAGE_BY_TYPE:
        return _MESSAGE_BY_TYPE[error["type"]]
    message = error["msg"]
    for prefix in _MESSAGE_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
