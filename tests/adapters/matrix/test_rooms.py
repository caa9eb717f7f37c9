"""Room rules that need no homeserver: who may invite the bot, power levels → roles."""

from __future__ import annotations

from bot.adapters.matrix.rooms import invite_allowed, roles_for_level
from bot.config import MatrixSection
from bot.core.refs import Role

BOT = "@bot:ex.org"


def settings(**kw: object) -> MatrixSection:
    return MatrixSection(enabled=True, user_id=BOT, **kw)  # type: ignore[arg-type]


def test_by_default_only_the_bot_s_own_server_may_invite() -> None:
    s = settings()
    assert invite_allowed(s, BOT, "@alice:ex.org", "!dm:ex.org")
    assert not invite_allowed(s, BOT, "@mallory:evil.org", "!dm:evil.org")
    assert not invite_allowed(s, BOT, None, "!dm:ex.org")


def test_allowed_inviters_name_users_servers_or_everyone() -> None:
    s = settings(allowed_inviters=["@carol:other.org", ":friends.org"])
    assert invite_allowed(s, BOT, "@carol:other.org", "!r:other.org")
    assert invite_allowed(s, BOT, "@dan:friends.org", "!r:friends.org")
    assert not invite_allowed(s, BOT, "@eve:other.org", "!r:other.org")
    # The list replaces the default.
    assert not invite_allowed(s, BOT, "@alice:ex.org", "!r:ex.org")
    assert invite_allowed(settings(allowed_inviters=["*"]), BOT, "@x:y.org", "!r:y.org")


def test_configured_rooms_are_always_joined() -> None:
    s = settings(rooms=["!community:ex.org"], allowed_inviters=["@nobody:ex.org"])
    assert invite_allowed(s, BOT, "@mallory:evil.org", "!community:ex.org")


def test_power_levels_map_to_roles() -> None:
    s = settings(moderator_power=50, admin_power=100)
    assert roles_for_level(s, None) == frozenset({Role.EVERYONE})
    assert roles_for_level(s, 0) == frozenset({Role.MEMBER})
    assert roles_for_level(s, 50) == frozenset({Role.MEMBER, Role.MODERATOR})
    assert roles_for_level(s, 100) == frozenset({Role.MEMBER, Role.MODERATOR, Role.ADMIN})
