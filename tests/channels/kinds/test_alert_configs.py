import pydantic
import pytest

from chalicelib.channels import family as alerting
from chalicelib.kernel.errors import SsrfBlockedError, ValidationError
from chalicelib.kernel.models import validation_details
from chalicelib.kernel.netguard import OutboundGuard

GUARD = OutboundGuard()                       # the public default: private targets refused
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def details(channel_type, data, guard=GUARD):
    with pytest.raises(pydantic.ValidationError) as error:
        alerting.validate_config(channel_type, data, guard)
    return validation_details(error.value)


def test_every_channel_type_has_a_sender_a_validator_and_a_renderer():
    assert set(alerting.SENDERS) == set(alerting.VALIDATORS) == set(alerting.RENDERERS) == \
        set(alerting.CHANNEL_TYPES) == {"Email", "Slack", "Discord", "Teams", "Webhook",
                                        "PagerDuty", "Opsgenie", "Telegram", "Ntfy",
                                        "Pushover", "GoogleChat", "Mattermost", "Matrix",
                                        "Gotify", "Zulip", "TwilioSms"}


@pytest.mark.parametrize("channel_type", ["Slack", "discord", "TEAMS", "Webhook"])
def test_it_accepts_camel_case_and_stores_snake_case(channel_type):
    config = alerting.validate_config(channel_type, {"webhookUrl": "https://hooks.example.com/x"},
                                      GUARD)
    assert config == {"webhook_url": "https://hooks.example.com/x"}


def test_it_keeps_a_webhooks_secret_and_headers():
    data = {"webhookUrl": "https://example.com/hook", "secret": SECRET,
            "headers": {"Authorization": "Bearer t0k"}}
    assert alerting.validate_config("Webhook", data, GUARD) == {
        "webhook_url": "https://example.com/hook", "secret": SECRET,
        "headers": {"Authorization": "Bearer t0k"}}


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/hook", "must start with http:// or https://"),
    ("javascript:alert(1)", "must start with http:// or https://"),
    ("https://user:pw@example.com/hook", "must not contain credentials (user:password@)"),
    ("https:///hook", "must include a host"),
    ("https://exa mple.com/", "must not contain spaces or control characters"),
    ("http://2130706433/hook", "has an invalid host name"),     # 127.0.0.1 in disguise
])
def test_it_refuses_a_bad_url(url, message):
    assert details("Slack", {"webhookUrl": url}) == [{"field": "webhookUrl", "message": message}]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://10.0.0.5/hook", "http://169.254.169.254/latest",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fd00::1]/hook",
])
def test_it_refuses_a_blocked_literal_address_with_the_default_guard(url):
    with pytest.raises(SsrfBlockedError):
        alerting.validate_config("Webhook", {"webhookUrl": url}, GUARD)


def test_a_self_hosted_guard_accepts_a_private_receiver():
    config = alerting.validate_config("Discord", {"webhookUrl": "http://127.0.0.1:9000/x"},
                                      OutboundGuard(allow_private=True))
    assert config == {"webhook_url": "http://127.0.0.1:9000/x"}


def test_it_refuses_unknown_fields_and_types():
    assert details("Slack", {"webhookUrl": "https://example.com/x", "channel": "#ops"}) == [
        {"field": "channel", "message": "unknown field"}]
    with pytest.raises(ValidationError) as error:
        alerting.validate_config("Pager", {}, GUARD)
    assert error.value.details[0]["field"] == "type"


@pytest.mark.parametrize("headers, message", [
    ({"User-Agent": "mine"}, "User-Agent is set by Enori and cannot be overridden"),
    ({"webhook-signature": "v1,x"}, "webhook-signature is set by Enori and cannot be overridden"),
    ({"Bad Header": "x"}, "'Bad Header' is not a valid header name"),
    ({"X-A": "a\r\nX-B: b"}, "the value of X-A is too long or contains line breaks"),
])
def test_it_refuses_bad_webhook_headers(headers, message):
    assert details("Webhook", {"webhookUrl": "https://example.com/h", "headers": headers}) == [
        {"field": "headers", "message": message}]


def test_it_refuses_a_whsec_secret_that_is_not_base64():
    data = {"webhookUrl": "https://example.com/h", "secret": "whsec_not*b64"}
    assert details("Webhook", data) == [{
        "field": "secret",
        "message": "a secret starting with whsec_ must be base64 after the prefix"}]


def test_it_lowercases_and_dedupes_email_addresses():
    data = {"addresses": ["Ops@Example.COM", " oncall@example.com", "ops@example.com"]}
    assert alerting.validate_config("Email", data, GUARD) == {
        "addresses": ["ops@example.com", "oncall@example.com"]}


@pytest.mark.parametrize("addresses, field", [
    ([], "addresses"),
    ([f"u{i}@example.com" for i in range(11)], "addresses"),
    (["not-an-address"], "addresses.0"),
    (["a@b"], "addresses.0"),
    (["a@example.com, b@example.com"], "addresses.0"),
    (["Ops <ops@example.com>"], "addresses.0"),
    (["ops@example.com\r\nBcc: x@evil.com"], "addresses.0"),
])
def test_it_refuses_bad_address_lists(addresses, field):
    assert [d["field"] for d in details("Email", {"addresses": addresses})] == [field]
