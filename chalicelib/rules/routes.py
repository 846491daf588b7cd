"""/api/alert-rules: list, create, read, replace, delete."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.rules import service as rules
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.channels.models import AlertRuleIn
from chalicelib.rules.representations import AlertRule, AlertRuleList
from chalicelib.http.contract import PAGING

bp = Blueprint(__name__)


@endpoint(bp, "/api/alert-rules", "GET", scope="alerts:read", query=PAGING,
          returns=AlertRuleList)
def list_rules(call: Call):
    limit, offset = call.paging()
    return page([rules.rule_json(r) for r in rules.list_rules(call.account_id)], limit, offset)


@endpoint(bp, "/api/alert-rules", "POST", scope="alerts:write", status=201,
          body=AlertRuleIn, representation=AlertRule)
def create_rule(call: Call):
    item = rules.create_rule(call.account_id, call.body(AlertRuleIn), call.clock.now())
    return rules.rule_json(item)


@endpoint(bp, "/api/alert-rules/{rule_id}", "GET", scope="alerts:read",
          returns=AlertRule)
def get_rule(call: Call, rule_id: str):
    return rules.rule_json(rules.require_rule(call.account_id, rule_id))


@endpoint(bp, "/api/alert-rules/{rule_id}", "PUT", scope="alerts:write",
          body=AlertRuleIn, representation=AlertRule)
def replace_rule(call: Call, rule_id: str):
    rules.require_rule(call.account_id, rule_id)  # 404 before any 400
    item = rules.replace_rule(call.account_id, rule_id, call.body(AlertRuleIn), call.clock.now())
    return rules.rule_json(item)


@endpoint(bp, "/api/alert-rules/{rule_id}", "DELETE", scope="alerts:write")
def delete_rule(call: Call, rule_id: str):
    rules.delete_rule(call.account_id, rule_id)
    return None
