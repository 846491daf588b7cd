"""/api/config: monitors as code (`chalicelib.config.service`) — plan, apply and export — and
the document's JSON Schema beside the OpenAPI document.

A document spans four kinds of object (channels with their URLs among them), so the routes have
scopes of their own: `config:read` (plan, export) and `config:write` (apply). Bodies are JSON,
or YAML (sent as application/yaml, text/yaml or application/x-yaml) where PyYAML is installed."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.accounts.service import require_account
from chalicelib.config import service as config_as_code
from chalicelib.http.contract import JSON, Body, Success, query
from chalicelib.http.endpoint import BODY_TYPES, Call, endpoint
from chalicelib.kernel.errors import ValidationError

bp = Blueprint(__name__)
# Monitors as code: the document's own schema is served at /openapi/config.schema.json.
CONFIG_DELETE = query("delete", {"type": "boolean", "default": False},
                      "Also delete what a section of the document does not name")
CONFIG_DOCUMENT = Body({"type": "object", "description": "Monitors, channels, rules and status "
                        "pages keyed by name (JSON Schema: /openapi/config.schema.json)"},
                       media=(JSON, "application/yaml"))
CONFIG_CHANGES = Success({"type": "object", "description": "changes (plan) or applied (apply): "
                          "[{kind, name, action: create|update|delete, changes?, id?}], and "
                          "changeCount"})
YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml"]
DOCUMENT_TYPES = [*BODY_TYPES, *YAML_TYPES]


def document_of(call: Call) -> Any:
    media = (call.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in YAML_TYPES:
        return call.json()
    try:
        import yaml
    except ImportError:   # not a runtime requirement: JSON always works
        raise ValidationError.for_field("body", "YAML is not available here; send JSON") \
            from None
    try:
        return yaml.safe_load((call.request.raw_body or b"").decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Malformed YAML: {exc}",
                              details=[{"field": "body", "message": "malformed YAML"}]) from None


def _delete(call: Call) -> bool:
    value = (call.query("delete") or "false").strip().lower()
    if value not in ("true", "false"):
        raise ValidationError.for_field("delete", "must be true or false")
    return value == "true"


@endpoint(bp, "/api/config/plan", "POST", scope="config:read", content_types=DOCUMENT_TYPES,
          body=CONFIG_DOCUMENT, query=[CONFIG_DELETE], returns=CONFIG_CHANGES)
def plan_config(call: Call):
    steps, _ = config_as_code.plan(call.account_id, document_of(call), _delete(call))
    return {"changes": [s.json() for s in steps], "changeCount": len(steps)}


@endpoint(bp, "/api/config/apply", "POST", scope="config:write", content_types=DOCUMENT_TYPES,
          body=CONFIG_DOCUMENT, query=[CONFIG_DELETE], returns=CONFIG_CHANGES)
def apply_config(call: Call):
    account = require_account(call.account_id)
    done = config_as_code.apply(account, document_of(call), call.clock.now(), _delete(call),
                                charge_create=lambda: call.charge("create_monitor"))
    return {"applied": done, "changeCount": len(done)}


@endpoint(bp, "/api/config/export", "GET", scope="config:read",
          returns=Success({"type": "object"},
                          description="The account as a monitors-as-code document"))
def export_config(call: Call):
    return config_as_code.export(call.account_id)


@endpoint(bp, "/openapi/config.schema.json", "GET", public=True,
          returns=Success({"type": "object"},
                          description="The JSON Schema of the monitors-as-code document"))
def config_schema(call: Call):
    return config_as_code.document_schema()
