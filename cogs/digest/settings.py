"""The ``[cogs.digest]`` config section."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator

from cogs.digest.schedule import BadSchedule, parse_schedule


class DigestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: When the digest goes out, in the community's time zone (``[bot] timezone``).
    schedule: str = "monthly first monday 09:00"
    #: A member's digest with nothing new: not sent ("skip") or a short one ("short").
    when_empty: Literal["skip", "short"] = "skip"

    @field_validator("schedule")
    @classmethod
    def _readable(cls, value: str) -> str:
        try:
            parse_schedule(value, ZoneInfo("UTC"))
        except BadSchedule as bad:
            raise ValueError(str(bad)) from None
        return value
