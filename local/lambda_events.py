"""Lambda-shaped events and contexts, as AWS delivers them to the deployed handlers."""
from __future__ import annotations

import base64
import os
import uuid
from datetime import datetime
from typing import Any

from chalice.local import LambdaContext

from chalicelib.kernel.clock import iso

LOCAL_ACCOUNT_ID = "123456789012"
# Lambda's maximum; local handlers are not cut short, but code that budgets time sees a sane value.
# ENORI_LOCAL_LAMBDA_TIMEOUT_SECONDS: a shorter budget (tests of the check batch's deadline).
MAX_RUNTIME_MS = int(os.environ.get("ENORI_LOCAL_LAMBDA_TIMEOUT_SECONDS") or 900) * 1000


def lambda_context(function_name: str) -> LambdaContext:
    """A context with function_name, aws_request_id and get_remaining_time_in_millis()."""
    return LambdaContext(function_name=function_name, memory_size=1024, max_runtime_ms=MAX_RUNTIME_MS)


def scheduled_event(rule_name: str, when: datetime, region: str,
                    account_id: str = LOCAL_ACCOUNT_ID) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": iso(when),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"],
        "detail": {},
    }


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of an SQS event from one `ReceiveMessage` result message."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _lambda_message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    # The SQS API says StringValue/BinaryValue (bytes); Lambda says stringValue/binaryValue (base64).
    attribute: dict[str, Any] = {
        "dataType": value["DataType"], "stringListValues": [], "binaryListValues": [],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return attribute


def sns_record(envelope: dict[str, Any], subscription_arn: str) -> dict[str, Any]:
    """One record of an SNS event from the JSON envelope SNS delivers to a subscribed queue."""
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": envelope.get("Type", "Notification"),
            "MessageId": envelope["MessageId"],
            "TopicArn": envelope["TopicArn"],
            "Subject": envelope.get("Subject"),
            "Message": envelope["Message"],
            "Timestamp": envelope.get("Timestamp"),
            "SignatureVersion": envelope.get("SignatureVersion", "1"),
            "Signature": envelope.get("Signature", ""),
            "SigningCertUrl": envelope.get("SigningCertURL", ""),
            "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
            "MessageAttributes": envelope.get("MessageAttributes", {}),
        },
    }
