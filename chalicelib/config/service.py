"""Monitors as code: an account's monitors, alert channels, alert rules and status pages as one
document keyed by name, its diff against the live account (plan), its application (apply) and
the live account in the same form (export).

The document (JSON Schema: `document_schema`, served at /openapi/config.schema.json):

    {"channels":    {"<name>": <alert channel body without name>},
     "monitors":    {"<name>": <monitor body without name; alertChannels and dependsOn name
                                channels and monitors instead of alertChannelIds / ids>},
     "rules":       {"<name>": <alert rule body without name; monitors and channels by name
                                instead of monitorIds / channelIds>},
     "statusPages": {"<name>": <status page body without name; components name their monitor
                                as "monitor" instead of "monitorId">}}

References are by name, so a document moves between accounts. A section left out is not
touched; with `delete`, what a present section does not name is deleted.

Every entry is validated by the API's own models and written by the API's own services
(`monitors.create_monitor`, `channels.replace_channel`, ...), one object at a time, each write
all or nothing; objects are written channels first, then monitors (parents before children),
rules and pages, so every reference exists when it is written. A channel's webhook `secret` is
never exported; an entry without one keeps the stored one.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager

import pydantic
from pydantic.alias_generators import to_camel

from chalicelib.channels import service as channels
from chalicelib.monitors import dependencies
from chalicelib.monitors import service as monitors
from chalicelib.rules import service as rules
from chalicelib.status_pages import service as status_pages
from chalicelib.kernel.errors import InvalidReferenceError, ValidationError
from chalicelib.channels.models import AlertRuleIn
from chalicelib.kernel.models import validation_details
from chalicelib.monitors.models import MonitorIn, monitor_defaults_dump, parse_monitor
from chalicelib.status_pages.models import StatusPageIn
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage.accounts import AccountItem

KINDS = ("channels", "monitors", "rules", "statusPages")
PREFIX = {"channels": "ch", "monitors": "mon", "rules": "rule", "statusPages": "sp"}
# (document field, API field, kind named): the references each kind makes by name.
REFERENCES = {
    "monitors": (("alertChannels", "alertChannelIds", "channels"),
                 ("dependsOn", "dependsOn", "monitors")),
    "rules": (("monitors", "monitorIds", "monitors"), ("channels", "channelIds", "channels")),
}
SHOWN_ONLY = ("id", "name", "createdAt", "updatedAt", "publicUrl", "hasSecret", "lastFailure")


# --- the live account --------------------------------------------------------------------------

@dataclass
class Live:
    """The account's objects per kind, by name."""
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def ids(self, kind: str) -> dict[str, str]:
        return {name: _id_of(kind, item) for name, item in self.items[kind].items()}


ID_ATTRIBUTE = {"channels": "channel_id", "monitors": "monitor_id", "rules": "rule_id",
                "statusPages": "page_id"}


def _id_of(kind: str, item) -> str:
    return getattr(item, ID_ATTRIBUTE[kind])


def load_live(account_id: str) -> Live:
    """One Query per kind."""
    return Live({
        "channels": {c.name: c for c in channels.list_channels(account_id)},
        "monitors": {m.name: m for m in monitor_store.list_monitors(account_id)},
        "rules": {r.name: r for r in rules.list_rules(account_id)},
        "statusPages": {p.name: p for p in status_pages.list_pages(account_id)},
    })


def api_form(kind: str, item) -> dict[str, Any]:
    """A live object as its API body would be (camelCase, ids)."""
    if kind == "monitors":
        return {to_camel(k): v for k, v in item.config.items()}
    if kind == "channels":
        body = channels.channel_json(item, reveal=True)
        if item.config.get("secret"):
            body["secret"] = item.config["secret"]
    elif kind == "rules":
        body = rules.rule_json(item)
    else:
        body = status_pages.page_json(item)
    return {k: v for k, v in body.items() if k not in SHOWN_ONLY}


# --- names and ids -----------------------------------------------------------------------------

def to_document(kind: str, body: dict[str, Any], names: dict[str, dict[str, str]]) -> dict:
    """An API body in document form: ids of references replaced by names (`names`: per kind,
    id -> name); an id that names nothing stays as it is."""
    entry = {k: v for k, v in body.items() if k != "name"}
    for doc_field, api_field, target in REFERENCES.get(kind, ()):
        value = entry.pop(api_field, None)
        if value is not None:
            entry[doc_field] = [names[target].get(i, i) for i in value]
    if kind == "statusPages":
        entry["components"] = [
            {"monitor": names["monitors"].get(c["monitorId"], c["monitorId"]),
             **{k: v for k, v in c.items() if k != "monitorId"}}
            for c in entry.get("components") or []]
    return entry


def to_api(kind: str, name: str, entry: Any, ids: dict[str, dict[str, str]]) -> dict:
    """A document entry as an API body; 400 naming the field for an unknown reference."""
    where = f"{kind}.{name}"
    if not isinstance(entry, dict):
        raise ValidationError.for_field(where, "must be an object")
    body = {**entry, "name": name}
    for doc_field, api_field, target in REFERENCES.get(kind, ()):
        if api_field in entry and doc_field != api_field:
            raise ValidationError.for_field(f"{where}.{api_field}",
                                            f"name them in {doc_field} instead")
        if doc_field in body and body[doc_field] is not None:
            body[api_field] = [_resolve(ids, target, ref, f"{where}.{doc_field}")
                               for ref in _names(body.pop(doc_field), f"{where}.{doc_field}")]
    if kind == "statusPages" and isinstance(body.get("components"), list):
        body["components"] = [_component(c, ids, f"{where}.components.{i}")
                              for i, c in enumerate(body["components"])]
    return body


def _names(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError.for_field(where, "must be a list of names")
    return value


def _component(component: Any, ids: dict, where: str) -> Any:
    if not isinstance(component, dict) or "monitor" not in component:
        raise ValidationError.for_field(f"{where}.monitor", "is required (a monitor's name)")
    rest = {k: v for k, v in component.items() if k != "monitor"}
    return {**rest, "monitorId": _resolve(ids, "monitors", component["monitor"],
                                          f"{where}.monitor")}


def _resolve(ids: dict[str, dict[str, str]], kind: str, name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in ids[kind]:
        raise InvalidReferenceError.for_field(where, f"no {kind[:-1]} named {name!r}")
    return ids[kind][name]


# --- validation: the API's own models ----------------------------------------------------------

def _parse(kind: str, body: dict) -> Any:
    if kind == "monitors":
        return parse_monitor(body)
    if kind == "channels":
        return channels.parse_channel(body)
    if kind == "rules":
        return AlertRuleIn.model_validate(body)
    return StatusPageIn.model_validate(body)


def validated(kind: str, name: str, body: dict) -> Any:
    try:
        return _parse(kind, body)
    except pydantic.ValidationError as exc:
        details = [{**d, "field": f"{kind}.{name}.{d['field']}"}
                   for d in validation_details(exc)]
        raise ValidationError(f"{details[0]['field']}: {details[0]['message']}",
                              details=details) from None


def normal_form(kind: str, parsed: Any) -> dict[str, Any]:
    """A validated body with every default, camelCase: what plan compares."""
    if kind == "monitors":
        return {to_camel(k): v for k, v in monitor_defaults_dump(parsed).items()}
    if kind == "channels":
        return {"name": parsed.name, "type": parsed.type, "enabled": parsed.enabled,
                **{to_camel(k): v for k, v in parsed.config.items()}}
    return parsed.model_dump(mode="json", by_alias=True)


def live_normal(kind: str, item) -> dict[str, Any]:
    """A live object in normal form: re-validated, so fields added since it was written show
    their defaults (as the API would read it back); as stored if it no longer validates."""
    body = {**api_form(kind, item), "name": item.name}
    try:
        return normal_form(kind, _parse(kind, body))
    except (pydantic.ValidationError, ValidationError):
        return body


# --- plan --------------------------------------------------------------------------------------

@dataclass
class Step:
    kind: str
    name: str
    action: str                                   # create | update | delete
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    parsed: Any = None

    def json(self) -> dict:
        body = {"kind": self.kind, "name": self.name, "action": self.action}
        if self.action == "update":
            body["changes"] = self.changes
        return body


def _sections(document: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(document, dict):
        raise ValidationError.for_field("body", "must be an object of " + ", ".join(KINDS))
    unknown = [k for k in document if k not in KINDS]
    if unknown:
        raise ValidationError.for_field(unknown[0], "is not one of " + ", ".join(KINDS))
    for kind, section in document.items():
        if not isinstance(section, dict):
            raise ValidationError.for_field(kind, "must be an object keyed by name")
    return document


def plan(account_id: str, document: Any, delete: bool = False) -> tuple[list[Step], Live]:
    """The steps that make the account match `document`, in the order they can be written."""
    sections = _sections(document)
    live = load_live(account_id)
    ids = {kind: live.ids(kind) for kind in KINDS}
    for kind in KINDS:   # names the document creates resolve to placeholders while planning
        for index, name in enumerate(sections.get(kind, {})):
            ids[kind].setdefault(name, f"{PREFIX[kind]}_new{index}")
    names = {kind: {i: n for n, i in ids[kind].items()} for kind in KINDS}
    check_no_cycle(sections.get("monitors", {}), live)
    steps: list[Step] = []
    for kind in KINDS:
        wanted = sections.get(kind)
        if wanted is None:
            continue
        for name in _ordered(kind, wanted):
            steps += _step(kind, name, wanted[name], live, ids, names)
        if delete:
            steps += [Step(kind, name, "delete") for name in live.items[kind]
                      if name not in wanted]
    return steps, live


def _step(kind: str, name: str, entry: Any, live: Live, ids: dict, names: dict) -> list[Step]:
    body = to_api(kind, name, entry, ids)
    current = live.items[kind].get(name)
    if kind == "channels" and current is not None and "secret" not in body \
            and current.config.get("secret"):
        body["secret"] = current.config["secret"]   # an entry without a secret keeps it
    parsed = validated(kind, name, body)
    if current is None:
        return [Step(kind, name, "create", parsed=parsed)]
    wanted = normal_form(kind, parsed)
    have = live_normal(kind, current)
    changed = sorted(k for k in set(wanted) | set(have) if wanted.get(k) != have.get(k))
    if not changed:
        return []
    shown_wanted, shown_have = (to_document(kind, form, names) for form in (wanted, have))
    changes = {_shown_field(kind, k): {"from": shown_have.get(_shown_field(kind, k)),
                                       "to": shown_wanted.get(_shown_field(kind, k))}
               for k in changed}
    return [Step(kind, name, "update", changes, parsed)]


def _shown_field(kind: str, api_field: str) -> str:
    for doc_field, field_, _ in REFERENCES.get(kind, ()):
        if field_ == api_field:
            return doc_field
    return api_field


def _ordered(kind: str, wanted: dict[str, Any]) -> list[str]:
    """Monitors parents first (cycles were refused), other kinds as written."""
    if kind != "monitors":
        return list(wanted)
    done: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        entry = wanted[name]
        listed = entry.get("dependsOn") if isinstance(entry, dict) else None
        for parent in listed if isinstance(listed, list) else []:
            if isinstance(parent, str) and parent in wanted and parent != name:
                visit(parent)
        done.append(name)

    for name in wanted:
        visit(name)
    return done


def check_no_cycle(wanted: dict[str, Any], live: Live) -> None:
    """A cycle among the document's monitors (or through live ones) is a 400 naming it."""
    def parents(name: str) -> list[str]:
        entry = wanted.get(name)
        if isinstance(entry, dict):   # a malformed list is reported by validation later
            listed = entry.get("dependsOn")
            return [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
        item = live.items["monitors"].get(name)
        id_names = {m.monitor_id: n for n, m in live.items["monitors"].items()}
        return [id_names.get(i, i) for i in dependencies.parents_of(item)] if item else []

    for name in wanted:
        cycle = dependencies.find_cycle(name, parents(name), parents)
        if cycle:
            raise ValidationError.for_field(f"monitors.{name}.dependsOn",
                                            "would make a dependency cycle: "
                                            + " -> ".join(cycle))


# --- apply -------------------------------------------------------------------------------------

def apply(account: AccountItem, document: Any, now, delete: bool = False,
          charge_create: Callable[[], ContextManager] = nullcontext) -> list[dict]:
    """Plan, then write each step with the API's services; the steps done. Deletes go last,
    pages and rules before the monitors and channels they name. A monitor's create runs inside
    `charge_create()` (the create-monitor quota, as `monitors.upsert_by_name`)."""
    steps, live = plan(account.account_id, document, delete)
    ids = {kind: live.ids(kind) for kind in KINDS}
    sections = _sections(document)
    done = []
    for step in [s for s in steps if s.action != "delete"]:
        # Re-resolved with the ids created so far (the plan's placeholders are not real).
        body = to_api(step.kind, step.name, sections[step.kind][step.name], ids)
        if step.kind == "channels" and "secret" not in body:
            current = live.items["channels"].get(step.name)
            if current is not None and current.config.get("secret"):
                body["secret"] = current.config["secret"]
        parsed = validated(step.kind, step.name, body)
        current = live.items[step.kind].get(step.name)
        creating_monitor = step.kind == "monitors" and current is None
        with charge_create() if creating_monitor else nullcontext():
            item = WRITERS[step.kind](account, current, parsed, now)
        ids[step.kind][step.name] = _id_of(step.kind, item)
        done.append({**step.json(), "id": ids[step.kind][step.name]})
    for step in sorted((s for s in steps if s.action == "delete"),
                       key=lambda s: -KINDS.index(s.kind)):
        item = live.items[step.kind][step.name]
        DELETERS[step.kind](account.account_id, _id_of(step.kind, item))
        done.append({**step.json(), "id": _id_of(step.kind, item)})
    return done


def _write_monitor(account, current, parsed, now):
    if current is None:
        return monitors.create_monitor(account, parsed, now)
    return monitors.replace_monitor(account, current, parsed, now)


def _write_channel(account, current, parsed, now):
    if current is None:
        return channels.create_channel(account, parsed, now)
    return channels.replace_channel(account.account_id, current.channel_id, parsed, now)


def _write_rule(account, current, parsed, now):
    if current is None:
        return rules.create_rule(account.account_id, parsed, now)
    return rules.replace_rule(account.account_id, current.rule_id, parsed, now)


def _write_page(account, current, parsed, now):
    if current is None:
        return status_pages.create_page(account, parsed, now)
    return status_pages.replace_page(account.account_id, current.page_id, parsed, now)


WRITERS: dict[str, Callable] = {"monitors": _write_monitor, "channels": _write_channel,
                                "rules": _write_rule, "statusPages": _write_page}
DELETERS: dict[str, Callable[[str, str], None]] = {
    "monitors": monitors.delete_monitor, "channels": channels.delete_channel,
    "rules": rules.delete_rule, "statusPages": status_pages.delete_page}


# --- export and schema -------------------------------------------------------------------------

def export(account_id: str) -> dict[str, dict[str, Any]]:
    """The live account as a document (secrets of webhook channels left out)."""
    live = load_live(account_id)
    names = {kind: {i: n for n, i in live.ids(kind).items()} for kind in KINDS}
    document = {}
    for kind in KINDS:
        document[kind] = {}
        for name, item in sorted(live.items[kind].items()):
            entry = to_document(kind, live_normal(kind, item), names)
            entry.pop("secret", None)
            document[kind][name] = entry
    return document


def document_schema() -> dict[str, Any]:
    """The JSON Schema of the document: each kind's API body (the API's models), without
    `name` (the key) and with references by name."""
    monitor = pydantic.TypeAdapter(MonitorIn).json_schema(by_alias=True)
    rule = AlertRuleIn.model_json_schema(by_alias=True)
    page = StatusPageIn.model_json_schema(by_alias=True)
    names = {"type": "array", "items": {"type": "string", "description": "a name"}}
    for schema in [*monitor.get("$defs", {}).values(), rule]:
        props = schema.get("properties", {})
        for old, new in (("alertChannelIds", "alertChannels"), ("monitorIds", "monitors"),
                         ("channelIds", "channels"), ("dependsOn", "dependsOn")):
            if old in props:
                props.pop(old)
                props[new] = names
        schema["required"] = [r for r in schema.get("required", [])
                              if r not in ("name", "channelIds")]
        props.pop("name", None)
    page["properties"].pop("name", None)
    page["required"] = [r for r in page.get("required", []) if r != "name"]
    component = page.get("$defs", {}).get("StatusPageComponent", {})
    if component:
        component["properties"].pop("monitorId", None)
        component["properties"]["monitor"] = {"type": "string", "description": "a name"}
        component["required"] = ["monitor"]
    channel = {"type": "object", "description": "An alert channel body (see "
               "POST /api/alert-channels) without name", "required": ["type"],
               "properties": {"type": {"type": "string"}, "enabled": {"type": "boolean"}},
               "additionalProperties": True}

    def keyed(entry: dict) -> dict:
        return {"type": "object", "additionalProperties": entry}

    definitions = {**monitor.pop("$defs", {}), **page.pop("$defs", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Enori configuration (monitors as code)",
        "type": "object", "additionalProperties": False, "$defs": definitions,
        "properties": {"channels": keyed(channel), "monitors": keyed(monitor),
                       "rules": keyed(rule), "statusPages": keyed(page)},
    }
