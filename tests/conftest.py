"""Shared fixtures. The environment is set before anything imports chalicelib, because
settings are read once at import (as on Lambda)."""
import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "ENORI_STAGE": "test",
    "ENORI_API_KEY_SECRET": "test-secret-do-not-use",
    "ENORI_CHECK_REGIONS": "UsEast,EuWest",
    # Tests reach 127.0.0.1 only: names resolve from /etc/hosts and no DNS query leaves.
    "ENORI_RESOLVER": "hosts",
})
for _var in ("ENORI_DYNAMODB_ENDPOINT", "ENORI_AWS_ENDPOINT", "ENORI_ALLOW_PRIVATE_TARGETS"):
    os.environ.pop(_var, None)

import pytest  # noqa: E402

from awsfixtures import create_queues_and_topics, empty_everything  # noqa: E402


@pytest.fixture(autouse=True)
def responses_match_their_models():
    """Every JSON success a test provokes through the app is checked against the `returns`
    model its route declares, fields the model does not name forbidden (`http.contract.STRICT`):
    a field a handler adds and its model does not describe fails the test that sees it."""
    from chalicelib.http import contract

    contract.STRICT = True
    contract.DRIFT.clear()
    yield
    drift, contract.DRIFT[:] = list(contract.DRIFT), []
    assert drift == [], "responses their route's returns= model does not describe (fix the " \
                        f"model in the concept's representations.py): {drift}"


@pytest.fixture(scope="session")
def moto_session():
    """One moto backend per test process, with every table, queue and topic created once
    (creating 30 tables per test cost more than most tests)."""
    from moto import mock_aws

    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage.tables import create_tables

    with mock_aws():
        runtime.reset_clients()
        create_tables()
        create_queues_and_topics()
        yield
        runtime.reset_clients()


@pytest.fixture
def aws(moto_session):
    """moto with every table empty; the runtime clock reset afterwards."""
    from chalicelib.kernel.clock import SystemClock
    from chalicelib.kernel.runtime import runtime

    empty_everything()
    yield
    runtime.clock = SystemClock()


@pytest.fixture
def clock(aws):
    from chalicelib.kernel.clock import FakeClock
    from chalicelib.kernel.runtime import runtime

    runtime.clock = FakeClock()
    return runtime.clock


@pytest.fixture
def api(clock):
    from chalice.test import Client

    from apitools import Api, make_account

    from app import app

    _, key = make_account()
    with Client(app) as client:
        yield Api(client, key)


@pytest.fixture
def private_ok(monkeypatch):
    """Let channels, deliveries and checks reach the local receivers and targets on 127.0.0.1
    (production refuses private addresses; the local stack allows them by configuration)."""
    import dataclasses

    from chalicelib.channels import service as channels
    from chalicelib.notify import delivery
    from chalicelib.monitors import service as monitors
    from chalicelib.checks import runner as checks

    for module in (channels, delivery, checks, monitors):
        monkeypatch.setattr(module, "settings",
                            dataclasses.replace(module.settings, allow_private_targets=True))


@pytest.fixture
def receiver():
    """Local webhook receivers: `receiver(500, 500)` answers 500 twice, then 200."""
    from targets import WebhookReceiver

    made = []

    def make(*statuses):
        made.append(WebhookReceiver(*statuses))
        return made[-1]

    yield make
    for each in made:
        each.stop()
