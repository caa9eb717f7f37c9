"""The ``[cogs.resource]`` config section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ResourceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    moderation: Literal["open", "queue"] = "open"
    preview: bool = True
    allow_private_addresses: bool = False
    preview_timeout: float = Field(default=5.0, gt=0, le=30)
    preview_max_bytes: int = Field(default=1_000_000, ge=1024, le=10_000_000)
    preview_max_redirects: int = Field(default=3, ge=0, le=10)
    synonyms: dict[str, str] = {}
    max_tags: int = Field(default=10, ge=1, le=25)
    page_size: int = Field(default=5, ge=1, le=20)
    # SQLite: rank only the N most recent resources matching the words (0: rank every match).
    rank_candidates: int = Field(default=1000, ge=0, le=1_000_000)
    keep_shared_on_forget: bool = True
