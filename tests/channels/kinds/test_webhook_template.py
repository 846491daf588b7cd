"""Webhook body templates: known fields substituted into the user's JSON object, values always
JSON-escaped, nothing evaluated, unknown placeholders refused at save time."""
import json

import pydantic
import pytest

from chalicelib.channels import family as alerting
from chalicelib.channels.kinds import webhook, webhook_template
from chalicelib.kernel.models import validation_details
from chalicelib.kernel.netguard import OutboundGuard

GUARD = OutboundGuard()
HOOK = "https://hooks.example.com/relay"


def saved(template):
    return alerting.validate_config("Webhook", {"webhookUrl": HOOK, "bodyTemplate": template},
                                    GUARD)


def refused(template):
    with pytest.raises(pydantic.ValidationError) as error:
        saved(template)
    return validation_details(error.value)


def body(template, event, test=False):
    return webhook.body_of(saved(template), event, test=test)


def test_it_fills_the_template_from_the_event(events):
    template = {"text": "{{monitor.name}} is {{alert.type}} ({{alert.message}})",
                "link": "{{monitor.link}}", "ms": "{{alert.responseTimeMs}}",
                "nested": [{"event": "{{event}}", "fixed": 3, "none": None, "yes": True}]}
    assert json.loads(body(template, events["monitor.down"])) == {
        "text": "Production API is Down (HTTP 503 Service Unavailable)",
        "link": "https://enori.example/monitors/mon_abc123",
        "ms": 5230,                                  # a whole placeholder keeps its JSON type
        "nested": [{"event": "monitor.down", "fixed": 3, "none": None, "yes": True}]}


def test_incident_fields_and_the_incident_link(events):
    template = {"id": "{{incident.id}}", "url": "{{incident.url}}", "title": "{{summary.title}}",
                "ack": "{{incident.acknowledgedAt}}", "text": "ack at [{{incident.acknowledgedAt}}]"}
    assert json.loads(body(template, events["incident.created"])) == {
        "id": "inc_1", "url": "https://enori.example/incidents/inc_1",
        "title": "🚨 Incident opened: Production API is down",
        "ack": None, "text": "ack at []"}          # null inside text is the empty string


def test_a_monitor_event_leaves_incident_fields_null(events):
    assert json.loads(body({"i": "{{incident.id}}", "u": "{{incident.url}}"},
                           events["monitor.up"])) == {"i": None, "u": None}


@pytest.mark.parametrize("name", [
    'say "hi"', "two\nlines\ttab", "back\\slash", "ünïcødé ✅ 日本", "</script>", "\u2028\u0000",
])
def test_values_are_json_escaped_and_cannot_break_out(events, name):
    event = {**events["monitor.down"], "monitor": {**events["monitor.down"]["monitor"],
                                                   "name": name}}
    raw = body({"whole": "{{monitor.name}}", "part": "<{{monitor.name}}>"}, event)
    assert json.loads(raw) == {"whole": name, "part": f"<{name}>"}   # still exactly two keys


def test_quotes_and_newlines_are_escaped_in_the_bytes(events):
    event = {**events["monitor.down"], "monitor": {**events["monitor.down"]["monitor"],
                                                   "name": 'a"b\nc'}}
    assert body({"n": "{{monitor.name}}"}, event) == b'{"n":"a\\"b\\nc"}'


def test_a_value_that_looks_like_a_placeholder_is_not_substituted_again(events):
    event = {**events["monitor.down"], "monitor": {**events["monitor.down"]["monitor"],
                                                   "name": "{{alert.message}}"}}
    assert json.loads(body({"n": "{{monitor.name}}", "m": "x {{monitor.name}}"}, event)) == {
        "n": "{{alert.message}}", "m": "x {{alert.message}}"}


def test_whitespace_inside_the_braces_is_allowed(events):
    assert json.loads(body({"n": "{{ monitor.name }}"}, events["monitor.down"])) == {
        "n": "Production API"}


def test_a_test_delivery_fills_the_template_too(events):
    assert json.loads(body({"t": "{{test}}", "e": "{{event}}"}, events["monitor.down"],
                           test=True)) == {"t": True, "e": "monitor.down"}


@pytest.mark.parametrize("placeholder", [
    "{{monitor.secret}}", "{{ __import__('os').system('id') }}", "{{monitor.name|upper}}",
    "{{monitor}}", "{{config.secret}}", "{{}}", "{{alert.message.__class__}}",
])
def test_an_unknown_placeholder_is_refused_by_name(placeholder):
    [detail] = refused({"text": f"x {placeholder} y"})
    assert detail["field"] == "bodyTemplate"
    assert detail["message"].startswith(f"unknown placeholder {placeholder} at bodyTemplate.text")


def test_a_placeholder_deep_inside_is_located():
    [detail] = refused({"a": [{"b": "{{nope}}"}]})
    assert "unknown placeholder {{nope}} at bodyTemplate.a.0.b" in detail["message"]


@pytest.mark.parametrize("template, message", [
    ("{\"text\": \"{{monitor.name}}\"}", "must be a JSON object"),
    ([1, 2], "must be a JSON object"),
    ({"{{monitor.name}}": "x"}, "placeholders are substituted in values only"),
    ({"x": "y" * 20000}, "must be at most 16384 bytes of JSON"),
])
def test_it_refuses_a_template_it_cannot_use(template, message):
    [detail] = refused(template)
    assert detail["field"] == "bodyTemplate" and message in detail["message"]


@pytest.mark.parametrize("levels", [webhook_template.MAX_DEPTH + 2, 5000])
def test_nesting_is_bounded(levels):
    template: dict = {}
    node = template
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    [detail] = refused(template)
    assert "nested deeper than" in detail["message"]


def test_without_a_template_the_spec_payload_is_sent_unchanged(events):
    config = alerting.validate_config("Webhook", {"webhookUrl": HOOK}, GUARD)
    assert "body_template" not in config
    assert json.loads(webhook.body_of(config, events["monitor.down"])) == \
        webhook.render(events["monitor.down"])


def test_every_known_field_has_a_value_for_an_incident_event(events):
    values = webhook_template.fields_of(webhook.render(events["incident.created"]),
                                        events["incident.created"])
    assert set(values) == webhook_template.FIELDS
    assert values["incident.monitorName"] == "Production API" and values["test"] is False


def test_a_templated_body_is_posted_and_signed(run_sender, receiver, events):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    config = {**saved({"content": "{{summary.title}}: {{alert.message}}"}),
              "webhook_url": f"{receiver.url}/hook", "secret": secret,
              "headers": {"Authorization": "Bearer relay-token"}}
    run_sender(webhook.send, config, events["monitor.down"])
    [request] = receiver.requests
    assert json.loads(request.body) == {
        "content": "🔴 Production API is down: HTTP 503 Service Unavailable"}
    assert request.headers["Authorization"] == "Bearer relay-token"
    assert request.headers["Content-Type"] == "application/json"
    assert webhook.verify_signature(secret, request.headers, request.body)


@pytest.mark.parametrize("name", ["Keep-Alive", "TE", "Trailer", "Upgrade",
                                  "Proxy-Authorization", "Host", "Content-Length"])
def test_hop_by_hop_and_framing_headers_are_refused(name):
    with pytest.raises(pydantic.ValidationError) as error:
        alerting.validate_config("Webhook", {"webhookUrl": HOOK, "headers": {name: "x"}}, GUARD)
    assert validation_details(error.value) == [
        {"field": "headers", "message": f"{name} is set by Enori and cannot be overridden"}]
