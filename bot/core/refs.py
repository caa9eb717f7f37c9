"""Neutral references to platform objects. Every id is text, on every platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Neutral roles, mapped per platform in config (Discord role ids, Matrix power levels)."""

    EVERYONE = "everyone"
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


ROLE_RANK = {Role.EVERYONE: 0, Role.MEMBER: 1, Role.MODERATOR: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class RoomRef:
    platform: str
    id: str
    direct: bool = False

    def encode(self) -> str:
        return f"{self.platform}:{'@' if self.direct else ''}{self.id}"

    @classmethod
    def decode(cls, text: str) -> RoomRef:
        platform, _, rest = text.partition(":")
        direct = rest.startswith("@")
        return cls(platform, rest[1:] if direct else rest, direct)


@dataclass(frozen=True, slots=True)
class MemberRef:
    """One member's identity on one platform."""

    platform: str
    id: str
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class MessageRef:
    platform: str
    room_id: str
    id: str


@dataclass(frozen=True, slots=True)
class Actor:
    """Who typed or clicked: a platform identity plus what the adapter knows of them."""

    ref: MemberRef
    roles: frozenset[Role] = frozenset({Role.MEMBER})
    locale_hint: str | None = None

    def has(self, needed: Role) -> bool:
        return max((ROLE_RANK[r] for r in self.roles), default=0) >= ROLE_RANK[needed]
