"""/api/account: plan, add-ons, limits and usage."""
from chalice import Blueprint

from chalicelib.accounts.service import account_summary
from chalicelib.http.contract import OBJECT
from chalicelib.http.endpoint import Call, endpoint
from chalicelib.kernel.errors import NotFoundError
from chalicelib.kernel.scopes import FULL_ACCESS
from chalicelib.storage.accounts import get_account

bp = Blueprint(__name__)


@endpoint(bp, "/api/account", "GET", scope=FULL_ACCESS, returns=OBJECT, errors=(404,))
def get_my_account(call: Call):
    account = get_account(call.account_id)
    if account is None:
        raise NotFoundError("Account not found.")
    return account_summary(account)
