"""Bookmarks (cogs/resource/bookmarks.py) through the commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.core import Role
from tests.cogs.resource.conftest import HarnessFactory, reply_text


async def test_bookmarks(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Utile" summary:s')
    assert "Vous n'avez rien mis de côté" in await reply_text(h, "bob", "!resource saved")
    reply = await h.reply("bob", "!resource show 1")
    assert reply.actions[0].command == "resource save"
    saved = await h.adapter.click("bob", reply.actions[0])
    assert saved.private and "mises de côté" in saved.text
    await h.say("bob", "!resource save 1")  # twice is harmless
    listing = await h.reply("bob", "!resource saved")
    assert listing.private and "Utile" in listing.text
    assert "Vous n'avez rien mis de côté" in await reply_text(h, "alice", "!resource saved")
    assert "retirée de vos ressources mises de côté" in await reply_text(
        h, "bob", "!resource unsave 1"
    )
    assert "n'était pas mise de côté" in await reply_text(h, "bob", "!resource unsave 1")
    assert "Vous n'avez rien mis de côté" in await reply_text(h, "bob", "!resource saved")


async def test_a_pending_bookmark_is_not_listed_to_others(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    await h.say("alice", '!resource add https://r.example/1 title:"En revue" summary:s')
    assert "mises de côté" in await reply_text(h, "mod", "!resource save 1")  # a moderator may
    h.adapter.set_roles("mod", Role.MEMBER)  # ...and then no longer is one
    assert "En revue" not in await reply_text(h, "mod", "!resource saved")
    assert "Aucune ressource n'a le numéro 1" in await reply_text(h, "mod", "!resource show 1")
