"""What the maintenance window routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from chalicelib.http.contract import OutModel, Stamped, page_of, wire_names
from chalicelib.maintenance.models import MaintenanceWindowIn


class Occurrence(OutModel):
    starts_at: datetime | None
    ends_at: datetime | None


class MaintenanceWindow(Stamped):
    # The representation shows the body it was given beside these fields.
    config_fields: ClassVar[frozenset[str]] = wire_names(MaintenanceWindowIn)
    name: str
    type: str = Field(description="The schedule's kind, from the fields sent")
    active: bool
    next_occurrence: Occurrence | None


MaintenanceWindowList = page_of(MaintenanceWindow, "MaintenanceWindowList")
