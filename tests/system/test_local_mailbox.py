"""Email in `make run`: with no ENORI_SMTP_URL, every mail the stack sends (a channel's test
alert, a status page's confirmation) is a .eml file in <data dir>/mail/, through the real SMTP
path; a test that cannot be delivered says why in its answer."""
from __future__ import annotations

import re
import urllib.request
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tests.system.conftest import LocalStack, wait_until
from local.dynamodb_local import free_port


def mails(stack: LocalStack) -> list[EmailMessage]:
    folder = stack.data_dir / "mail"
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))] if folder.is_dir() else []


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def created(stack: LocalStack, path: str, body: dict) -> dict:
    status, answer = stack.request("POST", path, key=stack.key, body=body)
    assert status == 201, answer
    return answer


def test_the_stack_says_where_mail_is_kept(local_stack):
    assert f"Email is kept in {Path(local_stack.data_dir).resolve() / 'mail'}/" in local_stack.output


def test_a_test_alert_lands_in_the_local_mailbox(local_stack):
    channel = created(local_stack, "/api/alert-channels",
                      {"name": "ops mail", "type": "Email", "addresses": ["ops@example.com"]})
    status, record = local_stack.request("POST", f"/api/alert-channels/{channel['id']}/test",
                                         key=local_stack.key)
    assert status == 200 and record["status"] == "Delivered", record
    kept = [m for m in mails(local_stack) if m["To"] == "ops@example.com"]
    assert len(kept) == 1
    assert kept[0]["Subject"].startswith("[Enori] [TEST]")
    assert "Enori test monitor" in text_of(kept[0])


def test_a_status_page_confirmation_lands_in_the_local_mailbox(local_stack):
    monitor = created(local_stack, "/api/monitors", {
        "name": "Shop", "type": "Website", "url": "http://127.0.0.1:9/", "regions": ["UsEast"]})
    created(local_stack, "/api/status-pages", {
        "name": "Acme Status", "slug": "acme-mailbox",
        "components": [{"monitorId": monitor["id"], "displayName": "Web shop"}]})
    status, _ = local_stack.request("POST", "/api/public/status-pages/acme-mailbox/subscribe",
                                    body={"email": "visitor@example.com"})
    assert status == 202

    def confirmation() -> EmailMessage | None:
        return next((m for m in mails(local_stack) if m["To"] == "visitor@example.com"), None)

    assert wait_until(lambda: confirmation() is not None, 30), local_stack.output[-3000:]
    assert "Confirm your subscription" in confirmation()["Subject"]
    link = re.search(rf"{re.escape(local_stack.base_url)}/api/public/subscriptions/[^/\s]+/confirm",
                     text_of(confirmation())).group(0)
    with urllib.request.urlopen(link, timeout=30) as confirmed:
        assert confirmed.status == 200


def test_with_a_real_smtp_url_set_no_mailbox_and_an_undeliverable_test_says_why(tmp_path):
    closed = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    stack = LocalStack(tmp_path / "data", env={"ENORI_SMTP_URL": closed}).start()
    try:
        assert "Email is kept in" not in stack.output
        channel = created(stack, "/api/alert-channels",
                          {"name": "ops mail", "type": "Email", "addresses": ["ops@example.com"]})
        status, record = stack.request("POST", f"/api/alert-channels/{channel['id']}/test",
                                       key=stack.key)
        assert status == 200
        assert record["status"] == "Failed"
        assert "SMTP connection failed" in record["lastError"]
        assert "refused" in record["lastError"].lower()
    finally:
        stack.stop()
    assert mails(stack) == []
