"""What the status page routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from typing import ClassVar

from chalicelib.http.contract import OutModel, Stamped, page_of, wire_names
from chalicelib.status_pages.models import StatusPageIn


class StatusPage(Stamped):
    # The representation shows the body it was given beside these fields.
    config_fields: ClassVar[frozenset[str]] = wire_names(StatusPageIn)
    name: str
    slug: str
    public_url: str


StatusPageList = page_of(StatusPage, "StatusPageList")


class Message(OutModel):
    message: str | None = None
    status: str | None = None
