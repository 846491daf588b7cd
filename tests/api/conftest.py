import pytest

from apitools import Api, make_account  # noqa: F401  (re-exported for tests)


@pytest.fixture
def api(clock):
    from chalice.test import Client

    from app import app

    _, key = make_account()
    with Client(app) as client:
        yield Api(client, key)
