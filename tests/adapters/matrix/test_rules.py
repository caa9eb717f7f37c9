"""Adapter rules that need no homeserver: who may invite the bot."""

from __future__ import annotations

from bot.adapters.matrix import MatrixAdapter
from bot.config import MatrixSection


def adapter(**kw: object) -> MatrixAdapter:
    a = MatrixAdapter(MatrixSection(enabled=True, user_id="@bot:ex.org", **kw))  # type: ignore[arg-type]
    a.user_id = "@bot:ex.org"
    return a


def test_by_default_only_the_bot_s_own_server_may_invite() -> None:
    a = adapter()
    assert a._invite_allowed("@alice:ex.org", "!dm:ex.org")
    assert not a._invite_allowed("@mallory:evil.org", "!dm:evil.org")
    assert not a._invite_allowed(None, "!dm:ex.org")


def test_allowed_inviters_name_users_servers_or_everyone() -> None:
    a = adapter(allowed_inviters=["@carol:other.org", ":friends.org"])
    assert a._invite_allowed("@carol:other.org", "!r:other.org")
    assert a._invite_allowed("@dan:friends.org", "!r:friends.org")
    assert not a._invite_allowed("@eve:other.org", "!r:other.org")
    assert not a._invite_allowed("@alice:ex.org", "!r:ex.org")  # the list replaces the default
    assert adapter(allowed_inviters=["*"])._invite_allowed("@x:y.org", "!r:y.org")


def test_configured_rooms_are_always_joined() -> None:
    a = adapter(rooms=["!community:ex.org"], allowed_inviters=["@nobody:ex.org"])
    assert a._invite_allowed("@mallory:evil.org", "!community:ex.org")
