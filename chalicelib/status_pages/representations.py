"""What the status page routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from chalicelib.http.contract import OutModel, Stamped, page_of


class StatusPage(Stamped):
    name: str
    slug: str
    public_url: str


StatusPageList = page_of(StatusPage, "StatusPageList")


class Message(OutModel):
    message: str | None = None
    status: str | None = None
