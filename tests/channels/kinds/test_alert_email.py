import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from chalicelib.channels.kinds import email
from chalicelib.channels.kinds.base import DeliveryError
from chalicelib.kernel.netguard import OutboundGuard

MAIL_FROM = "alerts@enori.example"        # conftest's fixed settings
ADDRESSES = ["ops@example.com", "oncall@example.com"]


class Inbox:
    """An aiosmtpd handler: keeps what it accepts, answers `replies[address]` to a RCPT."""

    def __init__(self):
        self.envelopes, self.replies = [], {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    controller.stop()


def parts_of(raw):
    message = message_from_bytes(raw, policy=policy.default)
    return message, {part.get_content_type(): part.get_content()
                     for part in message.walk() if not part.is_multipart()}


def test_it_renders_a_subject_and_both_parts(events):
    message = email.render(events["monitor.down"])
    assert message["Subject"] == "[Enori] Production API is down"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    assert text == ("🔴 Production API is down\n\nStatus: Down\nMonitor: Production API\n"
                    "Cause: HTTP 503 Service Unavailable\nTime: 2026-03-24 14:30:00 UTC\n\n"
                    "View monitor: https://enori.example/monitors/mon_abc123\n\n-- \n"
                    "Sent by Enori\n")
    html = message.get_body(("html",)).get_content()
    assert '<a href="https://enori.example/monitors/mon_abc123">View monitor</a>' in html
    assert "#D92D20" in html


@pytest.mark.parametrize("name, subject", [
    ("monitor.up", "[Enori] Production API is up again"),
    ("incident.created", "[Enori] Incident opened: Production API is down"),
])
def test_it_names_the_event_in_the_subject(events, name, subject):
    assert email.render(events[name])["Subject"] == subject


def test_it_escapes_html_and_marks_a_test(events):
    event = {**events["monitor.down"],
             "monitor": {**events["monitor.down"]["monitor"], "name": "<script>x</script>"}}
    message = email.render(event, test=True)
    assert message["Subject"] == "[Enori] [TEST] <script>x</script> is down"
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "[TEST] This is a test alert from Enori" in message.get_body(("plain",)).get_content()


def test_it_sends_through_smtp(run_sender, smtp_server, events):
    outcome = run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"],
                         smtp_url=smtp_server.url, delivery_id="msg_mail_1")
    assert outcome.response_excerpt.endswith("for 2 recipient(s)")
    [envelope] = smtp_server.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == (MAIL_FROM, ADDRESSES)
    message, parts = parts_of(envelope.original_content)
    assert message["Subject"] == "[Enori] Production API is down"
    assert message["Message-ID"] == "<msg_mail_1@enori.example>"
    assert set(parts) == {"text/plain", "text/html"}
    assert "Cause: HTTP 503 Service Unavailable" in parts["text/plain"]


def test_a_recipient_refused_with_5xx_is_permanent(run_sender, smtp_server, events):
    smtp_server.replies = {"ops@example.com": "550 5.1.1 No such user"}
    with pytest.raises(DeliveryError) as error:
        run_sender(email.send, {"addresses": ["ops@example.com"]}, events["monitor.down"],
                   smtp_url=smtp_server.url)
    assert (error.value.permanent, error.value.status_code) == (True, 550)
    assert smtp_server.envelopes == []


def test_a_recipient_refused_with_4xx_is_transient(run_sender, smtp_server, events):
    smtp_server.replies = {"ops@example.com": "451 4.3.0 Try again later"}
    with pytest.raises(DeliveryError) as error:
        run_sender(email.send, {"addresses": ["ops@example.com"]}, events["monitor.down"],
                   smtp_url=smtp_server.url)
    assert (error.value.permanent, error.value.status_code) == (False, 451)


def test_one_refused_recipient_does_not_fail_the_others(run_sender, smtp_server, events):
    smtp_server.replies = {"oncall@example.com": "550 5.1.1 No such user"}
    outcome = run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"],
                         smtp_url=smtp_server.url)
    assert outcome.response_excerpt.endswith("for 1 recipient(s); refused: oncall@example.com")
    assert smtp_server.envelopes[0].rcpt_tos == ["ops@example.com"]


def test_a_refused_smtp_connection_is_transient(run_sender, events):
    with pytest.raises(DeliveryError) as error:
        run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"],
                   smtp_url=f"smtp://127.0.0.1:{free_port()}")
    assert error.value.permanent is False
    assert error.value.message.startswith("SMTP connection failed")


def test_the_operators_smtp_relay_may_be_private_whatever_the_user_guard(run_sender, smtp_server,
                                                                         events):
    run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"],
               smtp_url=smtp_server.url, guard=OutboundGuard())
    assert len(smtp_server.envelopes) == 1


def test_an_smtp_host_no_one_may_reach_is_permanent(run_sender, events):
    with pytest.raises(DeliveryError) as error:
        run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"],
                   smtp_url="smtp://0.0.0.0:25", guard=OutboundGuard())
    assert error.value.permanent is True


def test_it_parses_the_smtp_url():
    target = email.parse_smtp_url("smtp://user%40x:p%3Ass@mail.example.com:587?starttls=1")
    assert target == email.SmtpTarget(host="mail.example.com", port=587, username="user@x",
                                      password="p:ss", starttls=True)
    assert email.parse_smtp_url("smtp://mail.example.com").port == 25


def test_it_sends_through_ses(aws, run_sender, events):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses import ses_backends

    from chalicelib.kernel.runtime import runtime

    runtime.client("ses").verify_email_identity(EmailAddress=MAIL_FROM)
    outcome = run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.up"])
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert outcome.response_excerpt == f"SES MessageId {sent.id}"
    assert sent.source == MAIL_FROM
    message, parts = parts_of(sent.raw_data.encode())
    assert message["Subject"] == "[Enori] Production API is up again"
    assert set(parts) == {"text/plain", "text/html"}


def test_an_ses_rejection_is_permanent(aws, run_sender, events):
    with pytest.raises(DeliveryError) as error:       # the sender address was never verified
        run_sender(email.send, {"addresses": ADDRESSES}, events["monitor.down"])
    assert error.value.permanent is True
    assert error.value.message.startswith("SES MessageRejected")


# --- E14: names that look like RFC 2047 encoded words stay literal text ----------------------

def _hostile_down(events, name):
    return {**events["monitor.down"], "monitor": {**events["monitor.down"]["monitor"], "name": name}}


def test_an_encoded_word_in_a_monitor_name_stays_literal_in_the_alert(events):
    from mailcheck import HOSTILE, assert_ours

    message = email.render(_hostile_down(events, HOSTILE))
    message["From"], message["To"] = MAIL_FROM, ADDRESSES[0]
    assert_ours(message.as_bytes(), f"[Enori] {HOSTILE} is down", [f"Monitor: {HOSTILE}"])


def test_an_alert_with_a_hostile_name_reaches_smtp_as_built(run_sender, smtp_server, events):
    from mailcheck import HOSTILE, assert_ours

    run_sender(email.send, {"addresses": ADDRESSES}, _hostile_down(events, HOSTILE),
               smtp_url=smtp_server.url, delivery_id="msg_mail_e14")
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ADDRESSES
    assert_ours(envelope.original_content, f"[Enori] {HOSTILE} is down", [f"Monitor: {HOSTILE}"])


@pytest.mark.parametrize("value, shown", [
    ("a\r\nReply-To: evil@example.com", "a Reply-To: evil@example.com"),
    ("tab\there\x00\x07\x1b[31m\u2028next\x85end", "tab here[31m next end"),
    ("  Café  ünïcode ", "Café ünïcode"),
])
def test_header_values_lose_line_breaks_and_control_characters(value, shown):
    from mailcheck import assert_ours

    message = email.new_message(value)
    message.set_content("x\n-- \nSent by Enori\n")
    assert email.header_text(value) == shown
    assert_ours(message.as_bytes(), shown, [])
    assert_ours(message.as_bytes(policy=message.policy.clone(linesep="\r\n")), shown, [])


def test_a_long_hostile_subject_folds_into_encoded_words_that_read_back_as_the_text():
    from mailcheck import HOSTILE, header_block

    text = "é" * 40 + " " + HOSTILE * 3 + " " + "x" * 120
    message = email.new_message(text)
    message.set_content("-- \nSent by Enori\n")
    block = header_block(message.as_bytes())
    assert all(len(line) <= 78 for line in block.split(b"\n"))
    assert b"=?utf-8?q?x=0D" not in block                  # never the attacker's word itself
    assert message_from_bytes(message.as_bytes(), policy=policy.default)["Subject"] == text


def test_only_a_message_from_new_message_is_sent(smtp_server):
    import asyncio
    from email.message import EmailMessage

    from chalicelib.channels.kinds.base import SendContext

    stock = EmailMessage()
    stock["Subject"] = "built without the literal-text policy"
    ctx = SendContext(http_client=None, guard=OutboundGuard(), clock=None, attempt=1,
                      delivery_id="msg_stock", smtp_url=smtp_server.url)
    with pytest.raises(TypeError, match="new_message"):
        asyncio.run(email.send_message(stock, ADDRESSES, ctx))
    assert smtp_server.envelopes == []
