"""The dashboard tests' world: the app's test client, an account with a full-access key, and
another account (for the tenant walls), on the fake clock."""
import pytest
from chalice.test import Client

from apitools import Api, make_account


@pytest.fixture
def world(clock):
    from app import app

    account_id, key = make_account()
    other_id, other_key = make_account()
    with Client(app) as client:
        yield {"client": client, "account": account_id, "api": Api(client, key),
               "other": other_id, "other_api": Api(client, other_key), "clock": clock}
