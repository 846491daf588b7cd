"""Provider channels and webhook templates on the real local stack: channels made through the API
deliver their test alert (`POST /api/alert-channels/{id}/test`) to a local stand-in that answers
like the provider — Matrix and Gotify at the homeserver/server URL the channel names, Pushover and
Twilio at the address ENORI_PROVIDER_URLS gives the stack — and a templated webhook posts the
user's own JSON, filled in."""
import json
from urllib.parse import parse_qs

import pytest

from conftest import LocalStack, create, get
from provider_standins import ProviderStandins
from targets import WebhookReceiver


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    stand_in, hook = ProviderStandins().start(), WebhookReceiver()
    stack = LocalStack(tmp_path_factory.mktemp("providers") / "data", env={
        "ENORI_PROVIDER_URLS": f"pushover={stand_in.root},twilio={stand_in.root}"}).start()
    yield stack, stand_in, hook
    stack.stop()
    stand_in.stop()
    hook.stop()


def send_test(stack, channel_id):
    status, record = stack.request("POST", f"/api/alert-channels/{channel_id}/test", key=stack.key)
    assert status == 200 and record["status"] == "Delivered", record
    return record


def requests_to(stand_in, prefix):
    return [r for r in stand_in.received if r.path.startswith(prefix)]


def test_a_matrix_channel_delivers_its_test_alert_to_the_homeserver(world):
    stack, stand_in, _ = world
    channel = create(stack, "/api/alert-channels", {
        "name": "Ops room", "type": "Matrix", "homeserverUrl": f"{stand_in.root}/",
        "roomId": "!ops:example.org", "accessToken": "syt_system_test_token"})
    assert channel["accessToken"] == "…"
    record = send_test(stack, channel["id"])
    [request] = requests_to(stand_in, "/_matrix/")
    assert request.method == "PUT"
    assert request.path == ("/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/"
                            + record["id"])
    assert request.headers["Authorization"] == "Bearer syt_system_test_token"
    message = json.loads(request.body)
    assert (message["msgtype"], message["format"]) == ("m.text", "org.matrix.custom.html")
    assert message["body"].startswith("[TEST] 🧪 Test alert for Enori test monitor\n")
    assert "<b>Monitor:</b> Enori test monitor" in message["formatted_body"]
    assert stand_in.room_messages == [message]
    assert get(stack, f"/api/alert-channels/{channel['id']}")["accessToken"] == "…"


def test_a_gotify_channel_delivers_with_its_token_in_the_header(world):
    stack, stand_in, _ = world
    channel = create(stack, "/api/alert-channels", {
        "name": "Gotify", "type": "Gotify", "serverUrl": stand_in.root, "appToken": "AppT0ken",
        "priority": 9})
    send_test(stack, channel["id"])
    [request] = requests_to(stand_in, "/message")
    assert request.headers["X-Gotify-Key"] == "AppT0ken"
    message = json.loads(request.body)
    assert message["title"] == "[TEST] 🧪 Test alert for Enori test monitor"
    assert message["priority"] == 9


def test_pushover_and_twilio_are_reached_where_the_settings_say(world):
    stack, stand_in, _ = world
    pushover = create(stack, "/api/alert-channels", {
        "name": "Phone", "type": "Pushover", "userKey": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
        "appToken": "azGDORePK8gMaC0QOYAMyEEuzJnyUi"})
    sms = create(stack, "/api/alert-channels", {
        "name": "SMS", "type": "TwilioSms", "accountSid": "AC" + "ab" * 16, "authToken": "c" * 32,
        "fromNumber": "+15005550006", "toNumber": "+14155552671"})
    send_test(stack, pushover["id"])
    send_test(stack, sms["id"])
    [push] = requests_to(stand_in, "/1/messages.json")
    form = {k: v[0] for k, v in parse_qs(push.body.decode()).items()}
    assert (form["user"], form["token"]) == ("uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
                                             "azGDORePK8gMaC0QOYAMyEEuzJnyUi")
    [text] = requests_to(stand_in, "/2010-04-01/Accounts/AC" + "ab" * 16 + "/Messages.json")
    form = {k: v[0] for k, v in parse_qs(text.body.decode()).items()}
    assert form["Body"].startswith("[TEST] Enori: Test alert for Enori test monitor")
    assert len(form["Body"]) <= 160


def test_a_templated_webhook_posts_the_users_json_filled_in(world):
    stack, _, hook = world
    channel = create(stack, "/api/alert-channels", {
        "name": "Relay", "type": "Webhook", "webhookUrl": hook.url,
        "headers": {"Authorization": "Bearer relay-t0ken"},
        "bodyTemplate": {"text": "{{summary.title}}", "event": "{{event}}", "test": "{{test}}",
                         "ms": "{{alert.responseTimeMs}}", "who": "monitor {{monitor.name}}!"}})
    assert get(stack, f"/api/alert-channels/{channel['id']}")["headers"] == {
        "Authorization": "…"}
    send_test(stack, channel["id"])
    [(headers, body)] = hook.received
    assert json.loads(body) == {"text": "[TEST] 🧪 Test alert for Enori test monitor",
                                "event": "test", "test": True, "ms": None,
                                "who": "monitor Enori test monitor!"}
    assert headers["Authorization"] == "Bearer relay-t0ken"


def test_an_unknown_placeholder_is_a_400_on_the_stack(world):
    stack, _, hook = world
    status, answer = stack.request("POST", "/api/alert-channels", key=stack.key, body={
        "name": "Relay", "type": "Webhook", "webhookUrl": hook.url,
        "bodyTemplate": {"text": "{{monitor.password}}"}})
    assert status == 400
    assert answer["details"][0]["field"] == "bodyTemplate"
    assert "{{monitor.password}}" in answer["details"][0]["message"]
