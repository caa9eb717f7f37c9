"""What the adapter remembers of members in this process, and forgets on ``me forget``."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.refs import Role


@dataclass
class MemberMemory:
    """Per-process memory about Discord users, keyed by their user id."""

    dm_channels: dict[int, int] = field(default_factory=dict)  # user id → DM channel id
    joined: set[tuple[int, int]] = field(default_factory=set)  # (guild, user): join emitted
    # Roles granted while the member was still on the rules screen: given once it is passed.
    deferred_roles: dict[tuple[int, int], set[Role]] = field(default_factory=dict)

    def knows(self, user_id: int) -> bool:
        """Whether anything is remembered about this user."""
        return (
            user_id in self.dm_channels
            or any(key[1] == user_id for key in self.joined)
            or any(key[1] == user_id for key in self.deferred_roles)
        )

    def forget(self, user_id: int) -> None:
        """Drop everything remembered about one user."""
        self.dm_channels.pop(user_id, None)
        self.joined = {key for key in self.joined if key[1] != user_id}
        self.deferred_roles = {k: v for k, v in self.deferred_roles.items() if k[1] != user_id}
