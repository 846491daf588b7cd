"""/api/escalation-policies: list, create, read, replace, delete."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts.service import require_account
from chalicelib.rules import escalation_policies as policies
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.rules.escalation_policy_models import EscalationPolicyIn
from chalicelib.rules.representations import EscalationPolicy, EscalationPolicyList
from chalicelib.http.contract import PAGING

bp = Blueprint(__name__)


@endpoint(bp, "/api/escalation-policies", "GET", scope="alerts:read", query=PAGING,
          returns=EscalationPolicyList)
def list_policies(call: Call):
    limit, offset = call.paging()
    return page([policies.policy_json(p) for p in policies.list_policies(call.account_id)],
                limit, offset)


@endpoint(bp, "/api/escalation-policies", "POST", scope="alerts:write", status=201,
          body=EscalationPolicyIn, representation=EscalationPolicy)
def create_policy(call: Call):
    body = call.body(EscalationPolicyIn)
    account = require_account(call.account_id)
    return policies.policy_json(policies.create_policy(account, body, call.clock.now()))


@endpoint(bp, "/api/escalation-policies/{policy_id}", "GET", scope="alerts:read",
          returns=EscalationPolicy)
def get_policy(call: Call, policy_id: str):
    return policies.policy_json(policies.require_policy(call.account_id, policy_id))


@endpoint(bp, "/api/escalation-policies/{policy_id}", "PUT", scope="alerts:write",
          body=EscalationPolicyIn, representation=EscalationPolicy)
def replace_policy(call: Call, policy_id: str):
    policies.require_policy(call.account_id, policy_id)  # 404 before any 400
    item = policies.replace_policy(call.account_id, policy_id, call.body(EscalationPolicyIn),
                                   call.clock.now())
    return policies.policy_json(item)


@endpoint(bp, "/api/escalation-policies/{policy_id}", "DELETE", scope="alerts:write")
def delete_policy(call: Call, policy_id: str):
    policies.delete_policy(call.account_id, policy_id)
    return None
