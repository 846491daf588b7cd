"""Hostile names for mail (E14) and the check that a received message is the one Enori built.

HOSTILE is the reported attack: an RFC 2047 encoded word whose decoded bytes hold CR LF, a
Reply-To header, a blank line and a new body. Python's stock email policy decoded it when the
name was assigned to a Subject and wrote the decoded bytes out raw."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

HOSTILE = "=?utf-8?q?x=0D=0AReply-To:=20evil@example.com=0D=0A=0D=0Abody?="
# The headers Enori writes at the top of a message; anything else was injected.
OUR_HEADERS = {"subject", "auto-submitted", "from", "to", "date", "message-id", "content-type",
               "content-transfer-encoding", "mime-version", "list-unsubscribe",
               "list-unsubscribe-post"}


def header_block(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]


def assert_ours(raw: bytes, subject: str, body_has: list[str]) -> EmailMessage:
    """`raw` has only our headers, the Subject we meant (the literal text, read back as a mail
    client reads it), and our body: the plain part holds `body_has` and ends with our footer."""
    assert not any(line.lower().startswith(b"reply-to") for line in header_block(raw).split(b"\n"))
    message = message_from_bytes(raw, policy=policy.default)
    assert {name.lower() for name in message.keys()} <= OUR_HEADERS, message.keys()
    assert message["Subject"] == subject
    plain = message.get_body(("plain",)).get_content()
    assert plain.rstrip().endswith("\nSent by Enori"), plain
    for expected in body_has:
        assert expected in plain, (expected, plain)
    return message
