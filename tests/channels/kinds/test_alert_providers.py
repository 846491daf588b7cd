"""The provider channels (Pushover, Google Chat, Mattermost, Matrix, Gotify, Zulip, Twilio SMS)
sending through their real `send` to a local stand-in that answers like each provider
(tests/provider_standins.py).

Each (channel, event) request — method, path, the headers that matter, the parsed body — is
held equal to tests/channels/kinds/snapshots/<channel>.json. The snapshots were written by running
with ENORI_UPDATE_SNAPSHOTS=1 and reviewed against each provider's documentation; the
down event of every channel is also spelled out by hand below, so a snapshot cannot silently
bless a wrong request."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from chalicelib.channels.kinds import (
    gotify,
    google_chat,
    matrix,
    mattermost,
    providers,
    pushover,
    twilio_sms,
    zulip,
)
from chalicelib.channels.kinds.base import DeliveryError
from chalicelib.kernel.settings import load_settings
from provider_events import EVENT_NAMES, all_events
from provider_standins import HANG, ProviderStandins

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("ENORI_UPDATE_SNAPSHOTS") == "1"
# Headers that carry meaning (the rest, Host and Content-Length, are the transport's).
KEPT_HEADERS = ("Content-Type", "Authorization", "X-Gotify-Key", "User-Agent")

PUSHOVER_USER, PUSHOVER_TOKEN = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
TWILIO_SID, TWILIO_TOKEN = "AC" + "0123456789abcdef" * 2, "f" * 32


def configs(url: str) -> dict[str, tuple]:
    """Each channel: its module and a config aimed at the stand-in at `url`."""
    return {
        "Pushover": (pushover, {"user_key": PUSHOVER_USER, "app_token": PUSHOVER_TOKEN,
                                "priority": 1, "retry": 60, "expire": 3600}),
        "GoogleChat": (google_chat, {"webhook_url": f"{url}/v1/spaces/AAAA/messages?key=k&token=t"}),
        "Mattermost": (mattermost, {"webhook_url": f"{url}/hooks/xxx-generatedkey-xxx"}),
        "Matrix": (matrix, {"homeserver_url": url, "room_id": "!ops:example.org",
                            "access_token": "syt_ZW5vcmk_abcdef"}),
        "Gotify": (gotify, {"server_url": f"{url}/", "app_token": "AbCdEf.123", "priority": 8}),
        "Zulip": (zulip, {"server_url": url, "bot_email": "enori-bot@example.zulipchat.com",
                          "api_key": "a0b1c2d3e4", "stream": "ops", "topic": "Enori alerts"}),
        "TwilioSms": (twilio_sms, {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN,
                                   "from_number": "+15005550006", "to_number": "+14155552671"}),
    }


CHANNELS = tuple(configs("http://x"))


@pytest.fixture
def stand_in(monkeypatch):
    """The stand-in, with Pushover's and Twilio's fixed addresses pointed at it (the settings'
    `provider_urls`, what ENORI_PROVIDER_URLS sets)."""
    server = ProviderStandins().start()
    monkeypatch.setattr(providers, "settings", dataclasses.replace(
        providers.settings, provider_urls={"pushover": server.root, "twilio": server.root}))
    yield server
    server.stop()


def seen(request) -> dict:
    """A request as the snapshots hold it."""
    kind = request.headers.get("Content-Type", "")
    if kind.startswith(providers.FORM_CONTENT_TYPE):
        body = {key: values[0] for key, values in parse_qs(request.body.decode()).items()}
    else:
        body = json.loads(request.body)
    return {"method": request.method, "path": request.path,
            "headers": {name: request.headers[name] for name in KEPT_HEADERS
                        if name in request.headers},
            "body": body}


def send_one(run_sender, stand_in, channel: str, event: dict, **context) -> dict:
    module, config = configs(stand_in.root)[channel]
    run_sender(module.send, config, event, **context)
    return seen(stand_in.received[-1])


# --- every channel, every event: the exact request ------------------------------------------

@pytest.mark.parametrize("channel", CHANNELS)
def test_each_event_sends_the_snapshotted_request(run_sender, stand_in, events, channel):
    every = all_events(events)
    requests = {name: send_one(run_sender, stand_in, channel, every[name])
                for name in EVENT_NAMES}
    path = SNAPSHOTS / f"{channel}.json"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(requests, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    for name in EVENT_NAMES:
        assert requests[name] == expected[name], name


def facts(status, cause, time="2026-03-24 14:30:00 UTC", monitor="Production API"):
    return [("Status", status), ("Monitor", monitor), ("Cause", cause), ("Time", time)]


LINK = "https://enori.example/monitors/mon_abc123"


def test_pushover_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "Pushover", events["monitor.down"])
    assert request["method"] == "POST" and request["path"] == "/1/messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["body"] == {
        "token": PUSHOVER_TOKEN, "user": PUSHOVER_USER,
        "title": "🔴 Production API is down",
        "message": "\n".join(f"<b>{label}:</b> {value}"
                             for label, value in facts("Down", "HTTP 503 Service Unavailable")),
        "html": "1", "priority": "1", "url": LINK, "url_title": "View monitor",
        "timestamp": "1774362600"}


def test_google_chat_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "GoogleChat", events["monitor.down"])
    assert (request["method"], request["path"]) == ("POST", "/v1/spaces/AAAA/messages?key=k&token=t")
    assert request["headers"]["Content-Type"] == "application/json; charset=UTF-8"
    assert request["body"] == {"text": "🔴 Production API is down", "cardsV2": [{
        "cardId": "enori-monitor.down",
        "card": {"header": {"title": "🔴 Production API is down",
                            "subtitle": "HTTP 503 Service Unavailable"},
                 "sections": [{"widgets": [
                     *({"decoratedText": {"topLabel": label, "text": value}}
                       for label, value in facts("Down", "HTTP 503 Service Unavailable")),
                     {"buttonList": {"buttons": [{"text": "View monitor",
                                                  "onClick": {"openLink": {"url": LINK}}}]}},
                 ]}]}}]}


def test_mattermost_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "Mattermost", events["monitor.down"])
    assert (request["method"], request["path"]) == ("POST", "/hooks/xxx-generatedkey-xxx")
    assert request["body"] == {"username": "Enori", "text": "**🔴 Production API is down**",
                               "attachments": [{
                                   "fallback": "🔴 Production API is down", "color": "#D92D20",
                                   "title": "🔴 Production API is down", "title_link": LINK,
                                   "fields": [{"title": label, "value": value, "short": True}
                                              for label, value in
                                              facts("Down", "HTTP 503 Service Unavailable")],
                                   "footer": "Enori"}]}


def test_matrix_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "Matrix", events["monitor.down"],
                       delivery_id="msg_0123abcd")
    assert request["method"] == "PUT"
    assert request["path"] == \
        "/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/msg_0123abcd"
    assert request["headers"]["Authorization"] == "Bearer syt_ZW5vcmk_abcdef"
    lines = facts("Down", "HTTP 503 Service Unavailable")
    assert request["body"] == {
        "msgtype": "m.text",
        "body": "\n".join(["🔴 Production API is down", *(f"{k}: {v}" for k, v in lines),
                           f"View monitor: {LINK}"]),
        "format": "org.matrix.custom.html",
        "formatted_body": "<br>".join(["<b>🔴 Production API is down</b>",
                                       *(f"<b>{k}:</b> {v}" for k, v in lines),
                                       f'<a href="{LINK}">View monitor</a>']),
        "m.mentions": {}}


def test_gotify_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "Gotify", events["monitor.down"])
    assert (request["method"], request["path"]) == ("POST", "/message")
    assert request["headers"]["X-Gotify-Key"] == "AbCdEf.123"
    assert "token" not in request["path"]
    assert request["body"] == {
        "title": "🔴 Production API is down",
        "message": "  \n".join([*(f"**{k}:** {v}" for k, v in
                                   facts("Down", "HTTP 503 Service Unavailable")),
                                f"[View monitor]({LINK})"]),
        "priority": 8,
        "extras": {"client::display": {"contentType": "text/markdown"},
                   "client::notification": {"click": {"url": LINK}}}}


def test_zulip_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "Zulip", events["monitor.down"])
    assert (request["method"], request["path"]) == ("POST", "/api/v1/messages")
    assert request["headers"]["Authorization"] == providers.basic_auth(
        "enori-bot@example.zulipchat.com", "a0b1c2d3e4")
    assert request["body"] == {
        "type": "stream", "to": "ops", "topic": "Enori alerts",
        "content": "\n".join(["**🔴 Production API is down**",
                              *(f"**{k}:** {v}" for k, v in
                                facts("Down", "HTTP 503 Service Unavailable")),
                              f"[View monitor]({LINK})"])}


def test_twilio_down_by_hand(run_sender, stand_in, events):
    request = send_one(run_sender, stand_in, "TwilioSms", events["monitor.down"])
    assert request["method"] == "POST"
    assert request["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert request["headers"]["Authorization"] == providers.basic_auth(TWILIO_SID, TWILIO_TOKEN)
    assert request["body"] == {
        "To": "+14155552671", "From": "+15005550006",
        "Body": f"Enori: Production API is down: HTTP 503 Service Unavailable {LINK}"}


# --- errors: permanent or worth a retry -----------------------------------------------------

@pytest.mark.parametrize("channel, answer, permanent", [
    ("Pushover", "pushover_invalid_user", True),
    ("Pushover", "pushover_invalid_token", True),
    ("Pushover", "pushover_over_quota", False),
    ("Pushover", "server_error", False),
    ("GoogleChat", "google_chat_not_found", True),
    ("GoogleChat", "google_chat_bad_key", True),
    ("GoogleChat", "google_chat_bad_card", False),
    ("GoogleChat", "bad_gateway", False),
    ("Mattermost", "mattermost_invalid_hook", True),
    ("Mattermost", "mattermost_no_text", False),
    ("Mattermost", "server_error", False),
    ("Matrix", "matrix_unknown_token", True),
    ("Matrix", "matrix_not_in_room", True),
    ("Matrix", "matrix_rate_limited", False),
    ("Matrix", "server_error", False),
    ("Gotify", "gotify_bad_token", True),
    ("Gotify", "bad_gateway", False),
    ("Zulip", "zulip_bad_key", True),
    ("Zulip", "zulip_no_stream", True),
    ("Zulip", "zulip_rate_limited", False),
    ("TwilioSms", "twilio_auth", True),
    ("TwilioSms", "twilio_invalid_to", True),
    ("TwilioSms", "twilio_too_many", False),
    ("TwilioSms", "twilio_too_long", False),
    ("TwilioSms", "server_error", False),
])
def test_it_classifies_the_providers_error_answers(run_sender, stand_in, events, channel,
                                                   answer, permanent):
    stand_in.answer_next(answer)
    with pytest.raises(DeliveryError) as error:
        send_one(run_sender, stand_in, channel, events["monitor.down"])
    assert error.value.permanent is permanent
    assert error.value.status_code == int(error.value.message.split()[1])


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_provider_that_does_not_answer_is_retried(run_sender, stand_in, events, channel):
    stand_in.answer_next(HANG)
    with pytest.raises(DeliveryError) as error:
        send_one(run_sender, stand_in, channel, events["monitor.down"], timeout=0.3)
    assert (error.value.permanent, error.value.status_code) == (False, None)
    assert "timed out" in error.value.message


def test_a_refused_address_is_permanent(run_sender, events):
    """A server URL aimed at a private address, with the public guard: never retried."""
    from chalicelib.kernel.netguard import OutboundGuard

    module, config = configs("http://127.0.0.1:9")["Gotify"]
    with pytest.raises(DeliveryError) as error:
        run_sender(module.send, config, events["monitor.down"], guard=OutboundGuard())
    assert error.value.permanent is True


# --- what a provider needs beyond the format -------------------------------------------------

def test_a_matrix_retry_reuses_the_transaction_and_posts_once(run_sender, stand_in, events):
    stand_in.answer_next("server_error")
    with pytest.raises(DeliveryError):
        send_one(run_sender, stand_in, "Matrix", events["monitor.down"], delivery_id="msg_r1")
    send_one(run_sender, stand_in, "Matrix", events["monitor.down"], delivery_id="msg_r1")
    send_one(run_sender, stand_in, "Matrix", events["monitor.down"], delivery_id="msg_r1")
    assert [r.path.rsplit("/", 1)[1] for r in stand_in.received] == ["msg_r1"] * 3
    assert len(stand_in.room_messages) == 1


def test_pushover_emergency_carries_retry_and_expire_and_recovery_does_not_page(
        run_sender, stand_in, events):
    module, config = configs(stand_in.root)["Pushover"]
    emergency = {**config, "priority": 2, "retry": 120, "expire": 1800}
    run_sender(module.send, emergency, events["monitor.down"])
    run_sender(module.send, emergency, events["monitor.up"])
    down, up = (seen(r)["body"] for r in stand_in.received)
    assert (down["priority"], down["retry"], down["expire"]) == ("2", "120", "1800")
    assert up["priority"] == "0" and "retry" not in up and "expire" not in up


def test_pushover_lowest_priority_stays_lowest_for_good_news(events):
    assert pushover.render(events["monitor.up"], priority=-2)["priority"] == -2
    assert pushover.render(events["monitor.down"], priority=-1)["priority"] == -1


def test_an_sms_fits_one_segment_and_keeps_the_cause_first(events):
    long_cause = "TLS handshake failed: " + "certificate verify failed " * 10
    event = {**events["monitor.down"],
             "alert": {**events["monitor.down"]["alert"], "message": long_cause}}
    text = twilio_sms.sms_text(event)
    assert len(text) <= twilio_sms.SEGMENT_CHARS
    assert text.startswith("Enori: Production API is down: TLS handshake failed")
    assert text.endswith(f"... {LINK}")        # the cause is shortened before the link goes
    assert all(ord(char) < 128 for char in text)             # GSM-7 friendly: no emoji


def test_a_short_sms_keeps_its_link_and_a_test_is_marked(events):
    text = twilio_sms.sms_text(events["monitor.up"], test=True)
    assert text == ("[TEST] Enori: Production API is up again: HTTP 200 OK "
                    "https://enori.example/monitors/mon_abc123")
    assert len(text) <= 160


def test_an_sms_drops_the_link_before_the_cause_shrinks_to_nothing(events):
    event = {**events["monitor.down"],
             "monitor": {**events["monitor.down"]["monitor"], "name": "N" * 90}}
    text = twilio_sms.sms_text(event)
    assert len(text) <= twilio_sms.SEGMENT_CHARS and "https://" not in text
    assert text.endswith(": HTTP 503 Service Unavailable")


def test_an_sms_with_an_endless_monitor_name_is_cut(events):
    event = {**events["monitor.down"],
             "monitor": {**events["monitor.down"]["monitor"], "name": "N" * 300}}
    text = twilio_sms.sms_text(event)
    assert len(text) == twilio_sms.SEGMENT_CHARS and text.endswith("...")


def test_user_text_cannot_format_or_mention(events):
    event = {**events["monitor.down"],
             "monitor": {**events["monitor.down"]["monitor"], "name": "@channel *x* <b>"}}
    assert "**Monitor:** @\u200bchannel \\*x\\* \\<b\\>" in zulip.render(event)["content"]
    assert mattermost.render(event)["attachments"][0]["fields"][1]["value"] == \
        "@\u200bchannel \\*x\\* \\<b\\>"
    message = matrix.render(event)
    assert "<b>Monitor:</b> @channel *x* &lt;b&gt;<br>" in message["formatted_body"]
    assert message["m.mentions"] == {}            # no @room from a body: intentional mentions
    widgets = google_chat.render(event)["cardsV2"][0]["card"]["sections"][0]["widgets"]
    assert widgets[1]["decoratedText"]["text"] == "@channel *x* &lt;b&gt;"
    assert "<b>Monitor:</b> @channel *x* &lt;b&gt;" in pushover.render(event)["message"]


def test_a_test_message_says_so_everywhere(run_sender, stand_in, events):
    for channel in CHANNELS:
        request = send_one(run_sender, stand_in, channel, events["monitor.down"], test=True)
        shown = json.dumps(request["body"], ensure_ascii=False).replace("\\\\", "")
        assert "[TEST]" in shown, channel            # Markdown escapes the brackets: \\[TEST\\]


def test_provider_addresses_come_from_the_environment_only():
    loaded = load_settings({"ENORI_PROVIDER_URLS": "pushover=http://127.0.0.1:9001/, "
                                                   "Twilio=http://127.0.0.1:9002"})
    assert {k: loaded.provider_urls[k] for k in ("pushover", "twilio")} == {
        "pushover": "http://127.0.0.1:9001", "twilio": "http://127.0.0.1:9002"}
    assert "pushover" not in load_settings({}).provider_urls   # its documented URL, in the code
    assert providers.provider_url("pushover", pushover.DEFAULT_URL) == "https://api.pushover.net"
