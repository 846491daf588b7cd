"""A stand-in for `chalicelib.alerting.validate_config` while that package is being written.

The fixture installs it only when the real function is missing, so the tests run against the
real one as soon as it lands. Same contract: snake_case config out; pydantic.ValidationError with
camelCase locations, or SsrfBlockedError for a blocked literal target.
"""
from __future__ import annotations

import pytest
from pydantic import Field, ValidationInfo, field_validator

from chalicelib.models.base import ApiModel
from chalicelib.models.fields import RequestHeaders, WebsiteUrl


class _Hook(ApiModel):
    webhook_url: WebsiteUrl

    @field_validator("webhook_url")
    @classmethod
    def _guarded(cls, url: str, info: ValidationInfo) -> str:
        info.context["guard"].check_url(url)
        return url


class _Webhook(_Hook):
    secret: str | None = Field(None, min_length=1, max_length=256)
    headers: RequestHeaders = Field(default_factory=dict)


class _Email(ApiModel):
    addresses: list[str] = Field(min_length=1, max_length=20)

    @field_validator("addresses")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if "@" not in value or value.startswith("@") or value.endswith("@"):
                raise ValueError(f"{value!r} is not an email address")
        return values


_MODELS = {"Webhook": _Webhook, "Slack": _Hook, "Discord": _Hook, "Teams": _Hook, "Email": _Email}


def validate_config(channel_type: str, data: dict, guard) -> dict:
    model = _MODELS[channel_type].model_validate(data, context={"guard": guard})
    return model.model_dump(mode="json")


@pytest.fixture(autouse=True)
def alerting_ready(monkeypatch):
    from chalicelib import alerting

    if not hasattr(alerting, "validate_config"):
        monkeypatch.setattr(alerting, "validate_config", validate_config, raising=False)
