"""The ``[cogs.cafe]`` config section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core import UserError
from cogs.cafe.confirm_rules import parse_confirm, parse_release_before
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
    confirm: str = "off"  # default "Toujours là ?" question of a new series, e.g. 24h
    release_unconfirmed: bool = False  # default: unconfirmed seats go to the waitlist
    release_before: str = "2h"  # default deadline for confirming, before the start
    questions_review: bool = False  # questions from the floor wait for the host's approval
    questions_per_member: int = Field(3, ge=1, le=20)  # open questions per member and session

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

    @field_validator("confirm")
    @classmethod
    def _confirm(cls, value: str) -> str:
        try:
            parse_confirm(value)
        except UserError:
            raise ValueError(
                f"expected off or a duration from 5m to 30d, such as 24h; got {value!r}"
            ) from None
        return value

    @field_validator("release_before")
    @classmethod
    def _release_before(cls, value: str) -> str:
        try:
            parse_release_before(value)
        except UserError:
            raise ValueError(
                f"expected a duration from 5m to 30d, such as 2h; got {value!r}"
            ) from None
        return value

    @model_validator(mode="after")
    def _release_needs_confirm(self) -> CafeSettings:
        if self.release_unconfirmed and parse_confirm(self.confirm) is None:
            raise ValueError('release_unconfirmed = true needs confirm, such as "24h"')
        return self
