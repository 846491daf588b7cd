"""Incident shapes on the wire: a manual incident and a timeline update."""
from __future__ import annotations

from typing import Optional

from pydantic import Field

from chalicelib.kernel.fields import MonitorId
from chalicelib.kernel.models import ApiModel, case_insensitive_enum
from chalicelib.storage.incidents import OPEN_UPDATE_STATUSES, UPDATE_STATUSES

UpdateStatus = case_insensitive_enum(*UPDATE_STATUSES)
OpeningStatus = case_insensitive_enum(*OPEN_UPDATE_STATUSES)   # a new incident is not resolved
PUBLIC_DESCRIPTION = ("Whether the message reaches the status page and its subscribers "
                      "(false: an internal note)")
Severity = case_insensitive_enum("Critical", "Major", "Minor")


class IncidentCreate(ApiModel):
    title: str = Field(min_length=1, max_length=200)
    monitor_id: Optional[MonitorId] = None
    message: Optional[str] = Field(default=None, min_length=1, max_length=5000)
    status: Optional[OpeningStatus] = None
    severity: Optional[Severity] = None


class IncidentUpdateCreate(ApiModel):
    message: str = Field(min_length=1, max_length=5000)
    status: Optional[UpdateStatus] = Field(
        default=None, description="Moves the incident to this status; Resolved resolves it")
    public: bool = Field(default=True, description=PUBLIC_DESCRIPTION)


class IncidentResolve(ApiModel):
    message: Optional[str] = Field(default=None, min_length=1, max_length=5000)
    public: bool = Field(default=True, description=PUBLIC_DESCRIPTION + "; without a message "
                                                                        "the page says resolved")
