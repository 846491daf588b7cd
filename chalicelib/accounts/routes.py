"""/api/account: plan, add-ons, limits and usage."""
from chalice import Blueprint

from chalicelib.accounts.service import account_summary, require_account
from chalicelib.http.contract import OBJECT
from chalicelib.http.endpoint import Call, endpoint
from chalicelib.kernel.scopes import FULL_ACCESS

bp = Blueprint(__name__)


@endpoint(bp, "/api/account", "GET", scope=FULL_ACCESS, returns=OBJECT, errors=(404,))
def get_my_account(call: Call):
    account = require_account(call.account_id)
    return account_summary(account)
