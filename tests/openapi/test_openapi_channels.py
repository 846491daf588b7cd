"""The OpenAPI document lists every channel type's body, with the provider types' fields and the
webhook's template and headers."""
import pytest

from app import app  # noqa: F401  (registers every route)
from chalicelib.channels import family as alerting
from chalicelib.http.endpoint import ROUTES
from chalicelib.openapi.document import build_document


@pytest.fixture(scope="module")
def schemas():
    return build_document(ROUTES)["components"]["schemas"]


@pytest.mark.parametrize("channel_type, required", [
    ("Pushover", {"userKey", "appToken"}),
    ("GoogleChat", {"webhookUrl"}),
    ("Mattermost", {"webhookUrl"}),
    ("Matrix", {"homeserverUrl", "roomId", "accessToken"}),
    ("Gotify", {"serverUrl", "appToken"}),
    ("Zulip", {"serverUrl", "botEmail", "apiKey", "stream"}),
    ("TwilioSms", {"accountSid", "authToken", "fromNumber", "toNumber"}),
])
def test_each_provider_type_has_its_body_with_described_fields(schemas, channel_type, required):
    body = schemas[f"{channel_type}ChannelIn"]
    assert body["properties"]["type"]["const"] == channel_type
    assert set(body["required"]) == required | {"name", "type"}
    config_fields = set(body["properties"]) - {"name", "type", "enabled"}
    assert all(body["properties"][name].get("description") for name in config_fields)


def test_every_channel_type_is_one_of_the_channel_bodies(schemas):
    assert {f"{t}ChannelIn" for t in alerting.CHANNEL_TYPES} <= set(schemas)


def test_the_webhook_body_documents_its_template_and_headers(schemas):
    properties = schemas["WebhookChannelIn"]["properties"]
    assert "placeholders" in properties["bodyTemplate"]["description"]
    assert "hop-by-hop" in properties["headers"]["description"]
