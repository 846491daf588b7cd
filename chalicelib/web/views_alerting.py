"""Dashboard pages for alerting: channels (create, edit, send a test and see its result), rules,
escalation policies and the delivery history."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.notify import routes as alerts_api
from chalicelib.channels import routes as channels_api
from chalicelib.rules import escalation_policy_routes as policies_api
from chalicelib.rules import routes as rules_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.kernel.errors import ValidationError
from chalicelib.bus.event_topic import PUBLIC_EVENTS
from chalicelib.channels.models import CHANNEL_TYPES
from chalicelib.channels import service as channel_service
from chalicelib.web import channel_fields, forms
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)
ALL = {"limit": str(MAX_LIMIT)}


def channel_body(web: Web) -> dict:
    """A channel's form: the common fields and the selected type's own (channel_fields).
    Raises ValidationError for a JSON field that is not an object."""
    body = forms.body_from(web.form, texts=("name", "type"), flags=("enabled",))
    return {**body, **channel_fields.config_from_form(body.get("type", ""), web.form)}


def refused_values(web: Web) -> dict:
    """What a refused form showed, to fill it in again (never its password inputs)."""
    body = forms.body_from(web.form, texts=("name", "type"), flags=("enabled",))
    chosen = body.get("type", "")
    try:
        config = channel_fields.config_from_form(chosen, web.form)
    except ValidationError:
        config = {}
    return {**body, **channel_fields.form_values(chosen, config, stored=False)}


@page(bp, "/alerting", ["GET", "POST"])
def alerting(web: Web, errors: dict | None = None, values: dict | None = None, status: int = 200):
    if web.request.method == "POST" and errors is None:
        return create_channel(web)
    return web.render(
        "alerting.html", status=status, section="alerting",
        channels=web.api(channels_api.list_channels, query=ALL)["items"],
        rules=web.api(rules_api.list_rules, query=ALL)["items"],
        policies=web.api(policies_api.list_policies, query=ALL)["items"],
        deliveries=web.api(alerts_api.list_alerts, query={"limit": "50"})["items"],
        types=CHANNEL_TYPES, fields=channel_fields.FIELDS, events=PUBLIC_EVENTS,
        errors=errors or {},
        values=values or {"type": "Webhook", "enabled": True})


def create_channel(web: Web):
    try:
        created = web.api(channels_api.create_channel, body=channel_body(web))
    except ValidationError as exc:
        return alerting(web, forms.errors_of(exc), refused_values(web), 400)
    return web.redirect(f"/alerting/channels/{created['id']}", notice="created")


@page(bp, "/alerting/channels/{channel_id}", ["GET", "POST"])
def channel(web: Web, channel_id: str, errors: dict | None = None, test: dict | None = None,
            status: int = 200):
    item = web.api(channels_api.get_channel, channel_id=channel_id)
    if web.request.method == "POST" and errors is None and test is None:
        try:
            web.api(channels_api.replace_channel, body=edited_body(web, item),
                    channel_id=channel_id)
        except ValidationError as exc:
            return channel(web, channel_id, forms.errors_of(exc), None, 400)
        return web.redirect(f"/alerting/channels/{channel_id}", notice="saved")
    if errors is not None and web.request.method == "POST":
        values = refused_values(web)
    else:
        common = {k: item[k] for k in ("name", "type", "enabled")}
        values = {**common, **channel_fields.form_values(item["type"], item, stored=True)}
    return web.render("channel.html", status=status, section="alerting", channel=item,
                      values=values, kept=channel_fields.hidden_fields(item["type"]),
                      types=CHANNEL_TYPES, fields=channel_fields.FIELDS,
                      errors=errors or {}, test=test)


def edited_body(web: Web, item: dict) -> dict:
    """The PUT body of an edit. A PUT is a full replace, but the form never shows a secret (nor a
    masked URL or header), so one left empty keeps the stored value, read from the channel's
    item (the API masks it), which `item` already proved is this account's."""
    body = channel_body(web)
    stored = channel_service.require_channel(web.session.account_id, item["id"])
    config = {k: v for k, v in body.items() if k not in ("name", "type", "enabled")}
    kept = channel_fields.keep_hidden(body.get("type", ""), config, stored.type, stored.config)
    return {**body, **kept}


@page(bp, "/alerting/channels/{channel_id}/test", "POST", scope="alerts:write")
def test_channel(web: Web, channel_id: str):
    record = web.api(alerts_api.test_channel, channel_id=channel_id)
    return channel(web, channel_id, test=record)


@page(bp, "/alerting/rules", "POST", scope="alerts:write")
def create_rule(web: Web):
    body = forms.body_from(web.form, texts=("name",), lists=("channelIds", "events"),
                           flags=("allMonitors",))
    try:
        web.api(rules_api.create_rule, body=body)
    except ValidationError as exc:
        return alerting(web, {f"rule.{k}": v for k, v in forms.errors_of(exc).items()}, None, 400)
    return web.redirect("/alerting", notice="created")
