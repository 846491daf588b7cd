"""`require_account`: the one place a route turns a key whose account is gone into a 404."""
import pytest

from apitools import Api, make_account

WEBSITE = {"name": "Web", "type": "Website", "url": "https://api.example.com"}
# Every route that needs the account item itself (its plan, its counters) before it acts, with
# a body valid enough for the routes that read it before the account.
ROUTES_NEEDING_THE_ACCOUNT = [
    ("GET", "/api/account", None),
    ("POST", "/api/monitors", {}),
    ("PUT", "/api/monitors/by-name/web", WEBSITE),
    ("POST", "/api/alert-channels", {}),
    ("POST", "/api/escalation-policies",
     {"name": "On call", "levels": [{"delayMinutes": 0, "channelIds": ["ch_x"]}]}),
    ("POST", "/api/maintenance-windows", {}),
    ("POST", "/api/status-pages", {}),
    ("POST", "/api/reports", {}),
    ("POST", "/api/teams", {"name": "Ops", "members": [{"email": "ops@example.com"}]}),
    ("POST", "/api/config/apply", {}),
]


def test_it_returns_the_stored_account(aws):
    from chalicelib.accounts.service import require_account

    account_id, _ = make_account(plan="Pro")
    assert require_account(account_id).plan == "Pro"


def test_a_missing_account_is_a_not_found_error(aws):
    from chalicelib.accounts.service import require_account
    from chalicelib.kernel.errors import NotFoundError

    with pytest.raises(NotFoundError, match="^Account not found.$"):
        require_account("acc_doesnotexist")


@pytest.mark.parametrize("method,path,body", ROUTES_NEEDING_THE_ACCOUNT)
def test_a_key_whose_account_is_gone_gets_a_404(clock, method, path, body):
    from chalice.test import Client

    from app import app
    from chalicelib.storage.accounts import get_account

    account_id, key = make_account()
    get_account(account_id).delete()
    with Client(app) as client:
        response = Api(client, key).request(method, path, body)
    assert response.status_code == 404, response.json
    assert response.json["code"] == "NOT_FOUND"
    assert response.json["message"] == "Account not found."
