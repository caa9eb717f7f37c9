"""The ``[cogs.cafe]`` config section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core import UserError
from cogs.cafe.schedule import reminder_offsets


class CafeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reminders: str = "24h,15m"  # default reminder offsets of a new series
    duration: int = Field(60, ge=5, le=24 * 60)  # default length, minutes
    ahead: int = Field(3, ge=1, le=20)  # occurrences materialised ahead per series
    checkin_before: int = Field(10, ge=0, le=120)  # check-in opens N minutes before
    dm_fallback: Literal["announce", "none"] = "announce"  # refused DM → mention there
    announce_start: bool = True  # post in the announce room when a café starts
    announce_delay: int = Field(5, ge=0, le=24 * 60)  # minutes between create and announce

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, value: str) -> str:
        try:
            reminder_offsets(value)
        except UserError:
            raise ValueError(
                f"expected at most 5 offsets, each 1m to 30d, such as 24h,15m; got {value!r}"
            ) from None
        return value
