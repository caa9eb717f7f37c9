"""Links in room messages: found (trailing punctuation dropped, only http(s)), checked when
given, and handed to cogs as ``LinksShared`` — never for commands or direct messages, and
never with the message's text."""

from __future__ import annotations

import pytest

from bot.core import LinksShared, UserError
from bot.core.links import MAX_LINKS, check_link, find_links
from bot.core.refs import RoomRef
from tests.harness import make_harness


def test_find_links() -> None:
    text = "Voir https://a.example/x?y=1, puis (http://b.example/z). Et ftp://c.example/ non."
    assert find_links(text) == ["https://a.example/x?y=1", "http://b.example/z"]
    assert find_links("https://a.example https://a.example") == ["https://a.example"]
    assert find_links("rien ici, ni https:// seul") == []
    many = " ".join(f"https://s{i}.example" for i in range(30))
    assert len(find_links(many)) == MAX_LINKS


def test_check_link() -> None:
    assert check_link(" <https://a.example/x> ") == "https://a.example/x"
    for bad in ("ftp://a.example", "a.example", "https://", "javascript:alert(1)"):
        with pytest.raises(UserError):
            check_link(bad)


async def test_room_messages_emit_only_links(db_url: str) -> None:
    async with await make_harness(db_url, cogs=[]) as h:
        seen: list[LinksShared] = []

        async def record(event: LinksShared) -> None:
            seen.append(event)

        h.core.events.subscribe(LinksShared, record)
        assert await h.say("alice", "Le lien : https://a.example/doc.") is None
        await h.say("alice", "pas de lien ici")
        await h.say("alice", "!help https://b.example")  # a command: not a shared link
        await h.say("alice", "https://c.example", room=RoomRef("memory", "dm", direct=True))
        assert [e.urls for e in seen] == [("https://a.example/doc",)]
        assert seen[0].room == h.adapter.room and seen[0].member.id == "alice"
