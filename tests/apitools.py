"""Helpers for API tests: a JSON client over chalice.test.Client and account factories."""
import json
from contextlib import contextmanager


class Api:
    """`chalice.test.Client` with JSON in and out and a default API key."""

    def __init__(self, client, key: str) -> None:
        self.client = client
        self.key = key

    def request(self, method: str, path: str, body=None, key: str | None = "default",
                headers: dict | None = None, raw: bytes | str | None = None):
        sent = dict(headers or {})
        key = self.key if key == "default" else key
        if key is not None:
            sent["X-API-Key"] = key
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
            raw = json.dumps(body)
        response = self.client.http.request(method, path, headers=sent, body=raw or b"")
        # A text answer (/api/metrics) has no JSON: None, its text in `body`.
        textual = response.headers.get("Content-Type", "").startswith("text/plain")
        response.json = json.loads(response.body) if response.body and not textual else None
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def ping(api: Api, path: str, method: str = "GET", body: bytes = b"", headers=None):
    """A request as a job's ping is sent: no API key, the raw body."""
    return api.client.http.request(method, path, headers=headers or {}, body=body)


def pings_of(api: Api, job: dict, query: str = ""):
    """A Job monitor's ping history (`GET /api/monitors/{id}/pings`), as JSON."""
    return api.get(f"/api/monitors/{job['id']}/pings{query}").json


def make_account(plan: str = "Business", scopes=("*",), **addons):
    """A new account and a key on it; returns (account_id, full key)."""
    from chalicelib.accounts.service import create_account
    from chalicelib.accounts.keys import issue_key
    from chalicelib.kernel.runtime import runtime

    now = runtime.clock.now()
    account = create_account("Test", plan, now, **addons)
    _, key = issue_key(account.account_id, "test", list(scopes), now)
    return account.account_id, key




@contextmanager
def aws_calls(with_params: bool = False, with_service: bool = False):
    """Every AWS operation made inside the block (PynamoDB and boto3 both go through botocore):
    how tests prove that no path issues a Scan. With `with_params`, (operation, params) pairs:
    how they prove that a value never reached storage. With `with_service`, (service,
    operation) pairs: how they prove that a path calls no table at all."""
    from botocore.client import BaseClient

    calls: list = []
    original = BaseClient._make_api_call

    def spy(self, operation, params):
        if with_service:
            calls.append((self.meta.service_model.service_name, operation))
        else:
            calls.append((operation, params) if with_params else operation)
        return original(self, operation, params)

    BaseClient._make_api_call = spy
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


@contextmanager
def dynamodb_units():
    """Each DynamoDB call made inside the block as (operation, params, read units, write
    units), the units estimated as bench/cost.py bills them (bench/common/awscount.py: moto
    reports none): how tests pin what a path costs, not only how many calls it makes."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from common.awscount import AwsCounter, capacity

    listed: list = []

    class Listing(AwsCounter):
        def count(self, client, operation, params, response):
            super().count(client, operation, params, response)
            if client.meta.service_model.service_name == "dynamodb":
                listed.append((operation, params, *capacity(operation, params, response)))

    with Listing().installed():
        yield listed
