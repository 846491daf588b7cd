"""HTML forms ↔ the API's JSON bodies, and the API's 400 details ↔ messages next to fields.
Pure: no I/O. A form's field names are the API's camelCase names, so a 400's `details[].field`
lands on its input."""
from __future__ import annotations

import re
from typing import Any

import pydantic
from pydantic import TypeAdapter

from chalicelib.kernel.errors import (
    ConflictError,
    EnoriError,
    InvalidReferenceError,
    ValidationError,
)
from chalicelib.kernel.fields import EmailAddress

_ADDRESS = TypeAdapter(EmailAddress)
# The API's answers to a body the person can correct on the form, shown next to its fields with
# their own status: a bad field (400), an id that is not the account's (400 INVALID_REFERENCE),
# a slug or name already taken (409).
REFUSALS = (ValidationError, InvalidReferenceError, ConflictError)
_ROW_INPUT = re.compile(r"(\w+)\.(\d+)\.(\w+)$")


def number_or_text(raw: str) -> Any:
    """An integer when the text is one; else the text itself, for the API's 400 to name."""
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        return text


def body_from(form: dict[str, list[str]], *, texts: tuple[str, ...] = (),
              numbers: tuple[str, ...] = (), lists: tuple[str, ...] = (),
              csv: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON body a form describes. Empty inputs are left out (the API's defaults apply);
    `lists` are repeated inputs (checkboxes), `csv` comma-separated text, `flags` checkboxes
    that mean false when absent."""
    def last(name: str) -> str:
        values = form.get(name) or [""]
        return values[-1].strip()

    body: dict[str, Any] = {}
    for name in texts:
        if last(name):
            body[name] = last(name)
    for name in numbers:
        if last(name):
            body[name] = number_or_text(last(name))
    for name in lists:
        if name in form:
            body[name] = [v.strip() for v in form[name] if v.strip()]
    for name in csv:
        if last(name):
            body[name] = [part.strip() for part in last(name).split(",") if part.strip()]
    for name in flags:
        body[name] = last(name) in ("on", "true", "1")
    return body


def errors_of(error: EnoriError) -> dict[str, str]:
    """{field: message} for the inputs a 400 names (`tags.3` → `tags`); anything else is under
    `_form`, shown above the form."""
    found: dict[str, str] = {}
    for detail in error.details or []:
        name = str(detail.get("field", "body")).split(".")[0]
        found.setdefault(name, str(detail.get("message", "invalid")))
    if not found:
        found["_form"] = error.message
    return found


def row_errors(error: EnoriError, prefix: str) -> dict[int, str]:
    """{N: message} for the details naming one item of the list `prefix` (`levels.2.teamIds`,
    `components.0.monitorId`), so a form that lists the items shows each message on its row."""
    found: dict[int, str] = {}
    for detail in error.details or []:
        head, _, rest = str(detail.get("field", "")).partition(".")
        index = rest.split(".")[0]
        if head == prefix and index.isdigit():
            found.setdefault(int(index), str(detail.get("message", "invalid")))
    return found


def rows_from(form: dict[str, list[str]], prefix: str) -> list[dict[str, list[str]]]:
    """The repeated groups of inputs named `prefix.N.name`, in N's order, each as its own small
    form ({name: values}), for `body_from`."""
    rows: dict[int, dict[str, list[str]]] = {}
    for name, values in form.items():
        found = _ROW_INPUT.match(name)
        if found and found.group(1) == prefix:
            rows.setdefault(int(found.group(2)), {})[found.group(3)] = values
    return [rows[n] for n in sorted(rows)]


def utc_from_input(raw: str) -> str | None:
    """A `datetime-local` input (no zone) as UTC ISO 8601; anything else as typed, for the API's
    400 to name."""
    return raw + ":00Z" if len(raw) == 16 and "T" in raw else (raw or None)


def input_from_utc(value: str | None) -> str:
    """The API's UTC ISO 8601 time as a `datetime-local` input's value (minutes, no zone)."""
    return value[:16] if value and len(value) >= 16 and value[10] == "T" else (value or "")


def email_address(raw: str, name: str = "email") -> str:
    """`raw` as an email address (lower case); else a 400 naming the input `name`."""
    try:
        return _ADDRESS.validate_python(raw)
    except pydantic.ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ValidationError.for_field(name, message) from None
