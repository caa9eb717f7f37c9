"""The ``[cogs.poll]`` config section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Key of the per-poll hashes that stand for voters in anonymous polls. Never stored in the
    # database. Also from the environment: PASSERELLE_COGS__POLL__BALLOT_SECRET.
    ballot_secret: str | None = Field(default=None, min_length=16)
    # Without ballot_secret: a random secret kept in this file (created with mode 0600),
    # relative to the working directory.
    ballot_secret_file: str = "poll-ballot.secret"
    # Anonymous polls withhold results below this many ballots.
    anonymous_minimum: int = Field(default=3, ge=3, le=100)
