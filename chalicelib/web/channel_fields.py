"""The channel forms' inputs, generated from each channel type's pydantic config model
(chalicelib/channels/family.VALIDATORS), so a new type or field reaches the dashboard without a
template edit. Pure: no I/O.

Inputs are named `<Type>.<camelCaseField>` because types share field names (webhookUrl, serverUrl,
priority...) and, without JavaScript, every type's fieldset is on the page and submitted; the
server reads only the selected type's inputs. A 400 names the bare camelCase field, which the
template shows inside the selected type's fieldset."""
from __future__ import annotations

import json
import types
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from chalicelib.channels import family
from chalicelib.channels.models import CHANNEL_TYPES
from chalicelib.channels.service import CHAT_TYPES
from chalicelib.kernel.errors import ValidationError
from chalicelib.web.forms import number_or_text

# Values no API answer shows in full (chalicelib/channels/service.channel_json): the edit form
# leaves them empty, and an empty one keeps what is stored (`keep_hidden`).
_ALSO_HIDDEN = {"Webhook": ("secret", "headers")}


@dataclass(frozen=True)
class ChannelField:
    name: str              # the config model's (snake_case) field name, as stored
    alias: str             # the API's camelCase name
    kind: str              # text | password | number | checkbox | select | csv | json
    required: bool
    description: str
    options: tuple[str, ...] = ()

    def input_name(self, channel_type: str) -> str:
        return f"{channel_type}.{self.alias}"


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap_optional(args[0])
    return annotation


def _kind_of(annotation: Any) -> tuple[str, tuple[str, ...]]:
    bare = _unwrap_optional(annotation)
    origin = get_origin(bare)
    if origin is Literal:
        return "select", tuple(str(a) for a in get_args(bare))
    if bare is bool:
        return "checkbox", ()
    if bare is int:
        return "number", ()
    if origin is list:
        return "csv", ()
    if origin is dict or bare is dict:
        return "json", ()
    return "text", ()


def hidden_fields(channel_type: str) -> tuple[str, ...]:
    """The snake_case fields GET masks or omits for this type."""
    hidden = family.SECRET_FIELDS.get(channel_type, ()) + _ALSO_HIDDEN.get(channel_type, ())
    return hidden + (("webhook_url",) if channel_type in CHAT_TYPES else ())


def _secret(channel_type: str, name: str) -> bool:
    return name in family.SECRET_FIELDS.get(channel_type, ()) or \
        name in _ALSO_HIDDEN.get(channel_type, ()) and name != "headers"


def fields_of(channel_type: str) -> tuple[ChannelField, ...]:
    model = family.VALIDATORS[channel_type]
    found = []
    for name, info in model.model_fields.items():
        kind, options = _kind_of(info.annotation)
        if _secret(channel_type, name):
            kind = "password"
        found.append(ChannelField(name, info.alias or name, kind, info.is_required(),
                                  info.description or "", options))
    return tuple(found)


FIELDS: dict[str, tuple[ChannelField, ...]] = {t: fields_of(t) for t in CHANNEL_TYPES}


def _parsed(field: ChannelField, raw: str) -> Any:
    if field.kind == "number":
        return number_or_text(raw)
    if field.kind == "csv":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if field.kind == "json":
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValidationError.for_field(field.alias, "must be a JSON object") from None
        if not isinstance(value, dict):
            raise ValidationError.for_field(field.alias, "must be a JSON object")
        return value
    return raw


def config_from_form(channel_type: str, form: dict[str, list[str]]) -> dict[str, Any]:
    """The selected type's camelCase fields from the form; empty inputs are left out (the API's
    defaults apply, and its 400 names a missing required one). Raises ValidationError on a JSON
    field that is not an object. An unknown type gives {} (the API's 400 names `type`)."""
    config: dict[str, Any] = {}
    for field in FIELDS.get(channel_type, ()):
        raw = (form.get(field.input_name(channel_type)) or [""])[-1].strip()
        if field.kind == "checkbox":
            config[field.alias] = raw in ("on", "true", "1")
        elif raw:
            config[field.alias] = _parsed(field, raw)
    return config


def keep_hidden(channel_type: str, config: dict[str, Any], stored_type: str,
                stored: dict[str, Any]) -> dict[str, Any]:
    """An edit's config with each hidden value left empty taken from the stored channel (the
    form never shows it, so empty means "unchanged"). Only for the same type: a new type's
    credentials must be entered."""
    if channel_type != stored_type:
        return config
    kept = dict(config)
    for field in FIELDS.get(channel_type, ()):
        if field.name in hidden_fields(channel_type) and field.alias not in kept \
                and stored.get(field.name) is not None:
            kept[field.alias] = stored[field.name]
    return kept


def form_values(channel_type: str, shown: dict[str, Any], *, stored: bool) -> dict[str, str]:
    """The input values to fill in, lists as comma-separated text and objects as JSON: from a
    stored channel's API answer (`stored`: its hidden values never, they are masked), or from a
    refused form (all but the password inputs, which are never sent back to the browser)."""
    values: dict[str, str] = {}
    hidden = hidden_fields(channel_type)
    for field in FIELDS.get(channel_type, ()):
        value = shown.get(field.alias)
        if value is None or field.kind == "password" or stored and field.name in hidden:
            continue
        if field.kind == "csv" and isinstance(value, list):
            values[field.alias] = ", ".join(str(v) for v in value)
        elif field.kind == "json":
            values[field.alias] = value if isinstance(value, str) else json.dumps(value, indent=2)
        elif field.kind == "checkbox":
            values[field.alias] = "on" if value else ""
        else:
            values[field.alias] = str(value)
    return values
