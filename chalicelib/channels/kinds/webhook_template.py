"""Webhook body templates: the user's own JSON body with `{{field}}` placeholders.

The template is a JSON **object** (not a string of JSON text): the body is that object with
every placeholder in its string values replaced, then serialised by `json.dumps`. So a value is
always JSON-escaped (quotes, backslashes, newlines, any Unicode) and can never break out of its
string or add a key: substitution works on data, not on text.

- A string that is exactly one placeholder (`"{{alert.responseTimeMs}}"`) becomes the field's
  JSON value as it is (a number, null, true/false or a string).
- A placeholder inside other text (`"{{monitor.name}} is {{alert.type}}"`) is replaced by the
  field's text (null as the empty string, true/false in JSON spelling).
- Placeholders are substituted in values only, never in keys, and in one pass: a value that
  itself reads `{{...}}` stays as it is. There is no expression language, filter or call:
  `{{ x }}` names a field of `FIELDS` or the template is refused at save time (400 naming it).
"""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.channels.messages import incident_link, monitor_link, summarize

PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
MAX_TEMPLATE_BYTES = 16 * 1024
MAX_DEPTH = 16

# Every field a template may name: the spec payload's (webhook.render) and a few conveniences.
_PAYLOAD_FIELDS = (
    "event", "test",
    "monitor.id", "monitor.name", "monitor.url", "monitor.type",
    "alert.type", "alert.message", "alert.timestamp", "alert.responseTimeMs",
    "incident.id", "incident.title", "incident.status", "incident.severity", "incident.cause",
    "incident.monitorId", "incident.monitorName", "incident.startedAt",
    "incident.acknowledgedAt", "incident.resolvedAt", "incident.durationSeconds",
)
_EXTRA_FIELDS = (
    "monitor.link",       # the monitor in Enori (monitor.url is the address it watches)
    "incident.url",       # the incident in Enori
    "summary.title",      # the human headline every chat channel shows ("🔴 API is down")
    "summary.status",     # Down, Up, Degraded, Open, Resolved...
)
FIELDS = frozenset(_PAYLOAD_FIELDS + _EXTRA_FIELDS)


# --- save time --------------------------------------------------------------------------------

def check_template(template: Any) -> dict:
    """The template if it is usable; a ValueError naming the first problem otherwise."""
    if not isinstance(template, dict):
        raise ValueError("must be a JSON object")
    _check_node(template, "bodyTemplate", 0)      # first: it bounds the depth json.dumps meets
    if len(json.dumps(template, ensure_ascii=False).encode("utf-8")) > MAX_TEMPLATE_BYTES:
        raise ValueError(f"must be at most {MAX_TEMPLATE_BYTES} bytes of JSON")
    return template


def _check_node(node: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"is nested deeper than {MAX_DEPTH} levels at {path}")
    if isinstance(node, dict):
        for key, value in node.items():
            if PLACEHOLDER.search(key):
                raise ValueError(f"placeholders are substituted in values only, not in the key "
                                 f"{key!r} at {path}")
            _check_node(value, f"{path}.{key}", depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_node(value, f"{path}.{index}", depth + 1)
    elif isinstance(node, str):
        for match in PLACEHOLDER.finditer(node):
            if match.group(1).strip() not in FIELDS:
                raise ValueError(f"unknown placeholder {match.group(0)} at {path}; known: "
                                 f"{', '.join(sorted(FIELDS))}")


# --- send time --------------------------------------------------------------------------------

def fields_of(payload: dict, event: dict, test: bool = False) -> dict[str, Any]:
    """The value of every field for one delivery: `payload` is the spec payload of `event`."""
    values: dict[str, Any] = {name: None for name in FIELDS}
    values["event"], values["test"] = payload.get("event"), bool(payload.get("test", False))
    for section in ("monitor", "alert", "incident"):
        for key, value in (payload.get(section) or {}).items():
            values[f"{section}.{key}"] = value
    summary = summarize(event, test=test)
    values["monitor.link"] = monitor_link(values["monitor.id"])
    values["incident.url"] = incident_link(values["incident.id"])
    values["summary.title"], values["summary.status"] = summary.title, summary.status
    return values


def apply(template: Any, values: dict[str, Any]) -> Any:
    """The template with its placeholders replaced (one pass; see the module docstring)."""
    if isinstance(template, dict):
        return {key: apply(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [apply(value, values) for value in template]
    if not isinstance(template, str):
        return template
    whole = PLACEHOLDER.fullmatch(template)
    if whole:
        return values.get(whole.group(1).strip())
    return PLACEHOLDER.sub(lambda match: _as_text(values.get(match.group(1).strip())), template)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
