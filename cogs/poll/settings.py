"""The ``[cogs.poll]`` config section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PollSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Key of the per-poll hashes that stand for voters in anonymous polls. Never stored in the
    # database. Empty: PASSERELLE_COGS__POLL__BALLOT_SECRET, else the secret file below.
    ballot_secret: str = ""
    # Without ballot_secret: a random secret kept in this file (created with mode 0600),
    # relative to the working directory.
    ballot_secret_file: str = "poll-ballot.secret"
    # Anonymous polls withhold results below this many ballots.
    anonymous_minimum: int = Field(default=3, ge=3, le=100)

    @field_validator("ballot_secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("ballot_secret needs at least 16 characters (or leave it empty)")
        return value
