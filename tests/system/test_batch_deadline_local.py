"""E16 point 2 on the real local stack: one batch holds 20 healthy monitors and two tarpits
(targets that accept and never answer). The check worker's Lambda budget is 35 s, so its batch
deadline (less the 30 s kept to record) is 5 s: the tarpit with a 2 s timeout fails by its own
timeout; the one with a 15 s timeout is cut off by the batch deadline — unknown for the slot,
re-queued to the slow lane, never Down; every healthy monitor has its result."""
from __future__ import annotations

import re
import socket
import threading
import time

import boto3

from conftest import LocalStack, create, get, wait_until
from targets import HttpTarget

HEALTHY = 20


def tarpit() -> tuple[int, socket.socket]:
    listener = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], listener


def endpoint(stack: LocalStack, pattern: str) -> str:
    return re.search(pattern + r" on (http://127\.0\.0\.1:\d+)", stack.output).group(1)


def aws(service: str, url: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def test_a_tarpit_holds_no_result_and_a_cut_off_check_is_unknown_not_down(tmp_path):
    from chalicelib.bus.check_requests import CheckRequest, encode

    target = HttpTarget().start()
    (short_port, short_l), (long_port, long_l) = tarpit(), tarpit()
    stack = LocalStack(tmp_path / "data", env={"ENORI_LOCAL_LAMBDA_TIMEOUT_SECONDS": "35",
                                               "ENORI_RATE_LIMIT_SCALE": "10"}).start()
    try:
        def monitor(name, url, timeout):
            # Hourly: the scheduler leaves them alone; this test sends the batch itself.
            return create(stack, "/api/monitors", {
                "name": name, "type": "Website", "url": url, "intervalSeconds": 3600,
                "timeoutSeconds": timeout, "failureThreshold": 1, "regions": ["UsEast"]})["id"]

        healthy = [monitor(f"ok{i}", target.url, 10) for i in range(HEALTHY)]
        short = monitor("tarpit, 2 s", f"http://127.0.0.1:{short_port}/", 2)
        long = monitor("tarpit, 15 s", f"http://127.0.0.1:{long_port}/", 15)
        dynamodb = aws("dynamodb", endpoint(stack, "DynamoDB Local"))
        account = dynamodb.query(
            TableName="enori-dev-monitors", IndexName="by_id",
            KeyConditionExpression="monitor_id = :m",
            ExpressionAttributeValues={":m": {"S": long}})["Items"][0]["account_id"]["S"]
        slot = int(time.time())
        sqs = aws("sqs", endpoint(stack, r"moto server \(SQS, SNS, SES\)"))
        url = sqs.get_queue_url(QueueName="enori-dev-checks-useast")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=encode(
            [CheckRequest(account, m, slot, "UsEast") for m in [long, short, *healthy]]))

        def results(monitor_id):
            return get(stack, f"/api/monitors/{monitor_id}/results?limit=10")["items"]

        assert wait_until(lambda: all(results(m) for m in healthy + [short]), 60, every=1), \
            stack.output[-3000:]
        assert all(r["ok"] for m in healthy for r in results(m))
        assert [r["error"] for r in results(short)] == ["timed out after 2 s"]
        assert wait_until(lambda: "checks cut off, re-queued to the slow lane" in stack.output, 30)
        assert results(long) == []                          # unknown for the slot
        assert get(stack, f"/api/monitors/{long}")["status"] != "Down"
        assert get(stack, f"/api/incidents?monitorId={long}")["items"] == []
        print(f"\n{HEALTHY} healthy results and the 2 s tarpit's timeout recorded; the 15 s"
              f" tarpit cut off at the 5 s batch deadline and re-queued "
              f"{stack.output.count('checks cut off, re-queued')} times, never Down")
    finally:
        stack.stop()
        stack.kill()
        target.stop()
        short_l.close()
        long_l.close()
