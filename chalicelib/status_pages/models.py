"""Status page bodies as clients send them (POST and the full-replace PUT)."""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.fields import is_host_name, is_slug

MAX_COMPONENTS = 50
def _check_slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError("must be 3-60 lowercase letters, digits and hyphens, "
                         "starting and ending with a letter or digit")
    return value


Slug = Annotated[str, AfterValidator(_check_slug)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _check_domain(value: str) -> str:
    value = value.strip().lower()
    if not is_host_name(value, min_labels=2):
        raise ValueError("must be a host name such as status.example.com")
    return value.rstrip(".")


class StatusPageComponent(ApiModel):
    monitor_id: str = Field(min_length=1, max_length=100)
    display_name: Optional[Text] = None
    group: Optional[Text] = None


def _one_per_monitor(components: list[StatusPageComponent]) -> list[StatusPageComponent]:
    seen = set()
    for index, component in enumerate(components):
        if component.monitor_id in seen:
            raise ValueError(f"monitor {component.monitor_id} is listed twice "
                             f"(components.{index})")
        seen.add(component.monitor_id)
    return components


class StatusPageIn(ApiModel):
    """`slug`: 3-60 lowercase letters, digits and hyphens, not starting or ending with one."""
    name: Text
    slug: Slug
    description: Optional[Annotated[str, StringConstraints(max_length=1000)]] = None
    components: Annotated[list[StatusPageComponent], Field(max_length=MAX_COMPONENTS),
                          AfterValidator(_one_per_monitor)] = Field(default_factory=list)
    show_uptime_bars: bool = True
    show_response_times: bool = False
    show_monitor_urls: bool = False
    custom_domain: Optional[Annotated[str, AfterValidator(_check_domain)]] = None
