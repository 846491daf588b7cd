"""API key and account shapes on the wire."""
from __future__ import annotations

from pydantic import Field, field_validator

from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.scopes import SCOPES, VALID_SCOPES


class ApiKeyCreate(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=len(VALID_SCOPES))

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in VALID_SCOPES]
        if unknown:
            raise ValueError(f"unknown scope {unknown[0]!r}; valid scopes are *, "
                             + ", ".join(SCOPES))
        return list(dict.fromkeys(value))
