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


@pytest.fixture
def aws():
    """moto in-process with every table created; the runtime clock reset afterwards."""
    from moto import mock_aws

    from chalicelib.clock import SystemClock
    from chalicelib.runtime import runtime
    from chalicelib.storage.tables import create_tables

    with mock_aws():
        runtime.reset_clients()
        create_tables()
        create_queues_and_topics()
        yield
        runtime.clock = SystemClock()
        runtime.reset_clients()


@pytest.fixture
def clock(aws):
    from chalicelib.clock import FakeClock
    from chalicelib.runtime import runtime

    runtime.clock = FakeClock()
    return runtime.clock


def create_queues_and_topics():
    """What the deployment (or the local stack) wires up: every queue and topic the app uses."""
    from chalice.app import SNSEventConfig, SQSEventConfig

    from app import app
    from chalicelib import dispatch
    from chalicelib.runtime import runtime

    dispatch._queue_urls.clear()
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            runtime.client("sqs").create_queue(QueueName=source.queue)
        elif isinstance(source, SNSEventConfig):
            runtime.client("sns").create_topic(Name=source.topic)


@pytest.fixture
def api(clock):
    from chalice.test import Client

    from apitools import Api, make_account

    from app import app

    _, key = make_account()
    with Client(app) as client:
        yield Api(client, key)
