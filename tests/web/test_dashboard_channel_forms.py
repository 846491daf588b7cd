"""The dashboard's channel forms list every channel type with its fields, generated from the
type's config model; what a form sends is what the API stores (checked through the API)."""
import re


from webtools import Person, sign_in as owner

from chalicelib.channels.models import CHANNEL_TYPES

ROUTING_KEY = "a" * 32


def created_id(response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/")[-1].split("?")[0]


def test_the_new_channel_form_has_a_fieldset_per_type_with_its_fields(world):
    page = owner(world).get("/alerting").text
    from chalicelib.channels.family import VALIDATORS

    for channel_type in CHANNEL_TYPES:
        assert f'data-channel-type="{channel_type}"' in page
        fieldset = page.split(f'data-channel-type="{channel_type}"')[1].split("</fieldset>")[0]
        for name, field in VALIDATORS[channel_type].model_fields.items():
            assert f'name="{channel_type}.{field.alias}"' in fieldset, (channel_type, name)
    assert re.search(r'type="password" id="ch-PagerDuty-routingKey" name="PagerDuty.routingKey"',
                     page)
    assert re.search(r'type="number" id="ch-Ntfy-priority" name="Ntfy.priority"', page)
    assert re.search(r'<select id="ch-Opsgenie-region" name="Opsgenie.region"', page)
    assert re.search(r'<textarea id="ch-Webhook-headers" name="Webhook.headers"', page)
    assert re.search(r'type="text" id="ch-Email-addresses" name="Email.addresses"', page)
    assert "<script>" not in page and " style=" not in page   # the CSP allows neither


def test_a_pagerduty_and_an_ntfy_channel_made_by_the_form_are_stored_as_sent(world):
    person = owner(world)
    made = person.post("/alerting", {
        "name": "On call", "type": "PagerDuty", "enabled": "on",
        "PagerDuty.routingKey": ROUTING_KEY,
        # another type's inputs on the same page are ignored
        "Ntfy.topic": "not-this-one", "Webhook.webhookUrl": "https://example.com/x"})
    pagerduty = world["api"].get(f"/api/alert-channels/{created_id(made)}").json
    assert pagerduty["type"] == "PagerDuty" and pagerduty["routingKey"] == "…"
    assert "topic" not in pagerduty and "webhookUrl" not in pagerduty

    made = person.post("/alerting", {
        "name": "Phones", "type": "Ntfy", "enabled": "on", "Ntfy.topic": "enori-alerts",
        "Ntfy.priority": "5", "Ntfy.serverUrl": "https://ntfy.example.com",
        "Ntfy.token": "tk_abcdefgh12345678"})
    ntfy = world["api"].get(f"/api/alert-channels/{created_id(made)}").json
    assert (ntfy["type"], ntfy["topic"], ntfy["priority"], ntfy["serverUrl"], ntfy["token"]) == \
        ("Ntfy", "enori-alerts", 5, "https://ntfy.example.com", "…")


def test_a_missing_required_field_is_a_400_next_to_it_in_its_types_fieldset(world):
    response = owner(world).post("/alerting", {"name": "On call", "type": "PagerDuty",
                                               "enabled": "on"})
    assert response.status_code == 400
    pagerduty = response.text.split('data-channel-type="PagerDuty"')[1].split("</fieldset>")[0]
    assert 'id="routingKey-error"' in pagerduty
    assert 'name="name" value="On call"' in response.text       # the form is filled in again
    assert re.search(r'<option selected>PagerDuty</option>', response.text)


def test_a_webhook_headers_field_that_is_not_json_is_a_400_on_headers(world):
    response = owner(world).post("/alerting", {
        "name": "Hook", "type": "Webhook", "Webhook.webhookUrl": "https://example.com/h",
        "Webhook.headers": "X-Team: ops"})
    assert response.status_code == 400
    assert 'id="headers-error"' in response.text


def test_webhook_headers_and_an_email_list_reach_the_api(world):
    person = owner(world)
    made = person.post("/alerting", {
        "name": "Hook", "type": "Webhook", "Webhook.webhookUrl": "https://example.com/h",
        "Webhook.secret": "s3cret-value", "Webhook.headers": '{"X-Team": "ops"}',
        "Webhook.bodyTemplate": '{"text": "{{monitor.name}}"}'})
    hook = world["api"].get(f"/api/alert-channels/{created_id(made)}").json
    assert hook["hasSecret"] is True and hook["headers"] == {"X-Team": "…"}
    assert hook["bodyTemplate"] == {"text": "{{monitor.name}}"}
    made = person.post("/alerting", {"name": "Mail", "type": "Email",
                                     "Email.addresses": "a@example.com, b@example.com"})
    mail = world["api"].get(f"/api/alert-channels/{created_id(made)}").json
    assert mail["addresses"] == ["a@example.com", "b@example.com"]


def test_a_secret_left_empty_on_edit_keeps_the_stored_one(world):
    person = owner(world)
    channel_id = created_id(person.post("/alerting", {
        "name": "On call", "type": "PagerDuty", "PagerDuty.routingKey": ROUTING_KEY}))
    page = person.get(f"/alerting/channels/{channel_id}").text
    assert ROUTING_KEY not in page and 'value="…"' not in page
    assert "leave empty to keep the stored value" in page

    saved = person.post(f"/alerting/channels/{channel_id}", {
        "name": "Paging", "type": "PagerDuty", "enabled": "on", "PagerDuty.routingKey": ""})
    assert saved.status_code == 303, saved.text
    from chalicelib.storage import channels as store
    item = store.get_channel(world["account"], channel_id)
    assert item.name == "Paging" and item.config == {"routing_key": ROUTING_KEY}

    replaced = person.post(f"/alerting/channels/{channel_id}", {
        "name": "Paging", "type": "PagerDuty", "enabled": "on",
        "PagerDuty.routingKey": "b" * 32})
    assert replaced.status_code == 303
    assert store.get_channel(world["account"], channel_id).config == {"routing_key": "b" * 32}


def test_a_webhook_edit_keeps_its_secret_and_headers_and_shows_its_template(world):
    person = owner(world)
    channel_id = created_id(person.post("/alerting", {
        "name": "Hook", "type": "Webhook", "Webhook.webhookUrl": "https://example.com/h",
        "Webhook.secret": "s3cret-value", "Webhook.headers": '{"X-Team": "ops"}'}))
    page = person.get(f"/alerting/channels/{channel_id}").text
    assert 'value="https://example.com/h"' in page and "s3cret-value" not in page
    saved = person.post(f"/alerting/channels/{channel_id}", {
        "name": "Hook", "type": "Webhook", "enabled": "on",
        "Webhook.webhookUrl": "https://example.com/other"})
    assert saved.status_code == 303, saved.text
    from chalicelib.storage import channels as store
    assert store.get_channel(world["account"], channel_id).config == {
        "webhook_url": "https://example.com/other", "secret": "s3cret-value",
        "headers": {"X-Team": "ops"}}


def test_changing_the_type_asks_for_the_new_types_secret(world):
    person = owner(world)
    channel_id = created_id(person.post("/alerting", {
        "name": "On call", "type": "PagerDuty", "PagerDuty.routingKey": ROUTING_KEY}))
    response = person.post(f"/alerting/channels/{channel_id}", {
        "name": "On call", "type": "Opsgenie", "Opsgenie.region": "EU"})
    assert response.status_code == 400
    opsgenie = response.text.split('data-channel-type="Opsgenie"')[1].split("</fieldset>")[0]
    assert 'id="apiKey-error"' in opsgenie
    assert re.search(r'<option selected>EU</option>', opsgenie)


def test_a_viewer_sees_a_channels_settings_but_no_form_and_never_its_secrets(world):
    made = world["api"].post("/api/alert-channels", {
        "name": "Phones", "type": "Ntfy", "topic": "enori-alerts", "token": "tk_abcdefgh12345678"})
    assert made.status_code == 201, made.json
    viewer = Person(world["client"]).sign_in(world["account"], "Viewer", "viewer@example.com")
    page = viewer.get(f"/alerting/channels/{made.json['id']}").text
    settings = page.split('id="channel-settings"')[1].split("</dl>")[0]
    assert "<dt>topic</dt><dd>enori-alerts</dd>" in settings and "token" not in settings
    assert "data-channel-type=" not in page and "tk_abcdefgh12345678" not in page
