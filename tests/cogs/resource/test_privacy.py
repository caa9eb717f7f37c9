"""The library's privacy hooks (cogs/resource/privacy.py): export, merge, forget."""

from __future__ import annotations

from sqlmodel import select

from bot.core.privacy import PrivacyHooks
from cogs.resource.models import Resource, ResourceBookmark
from tests.cogs.resource.conftest import HarnessFactory, reply_text


async def test_privacy_hooks(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Partagé" summary:s')
    await h.say("bob", '!resource add https://r.example/2 title:"De Bob" summary:s')
    await h.say("alice", "!resource save 2")
    privacy = h.core.cogs["resource"].privacy
    assert isinstance(privacy, PrivacyHooks)
    alice = (await h.core.members.find_by_name("alice"))[0].id
    bob = (await h.core.members.find_by_name("bob"))[0].id
    exported = await privacy.export(alice)
    assert exported is not None
    assert [r["title"] for r in exported["shared"]] == ["Partagé"]
    assert [s["id"] for s in exported["saved"]] == [2]
    assert await privacy.merge(bob, alice) == []
    async with h.db.session() as s:
        authors = {r.title: r.author_id for r in (await s.exec(select(Resource))).all()}
        marks = (await s.exec(select(ResourceBookmark))).all()
    assert authors == {"Partagé": bob, "De Bob": bob}
    assert [(m.member_id, m.resource_id) for m in marks] == [(bob, 2)]
    await privacy.forget(bob)
    assert "un ancien membre" in await reply_text(h, "carol", "!resource show 1")
    async with h.db.session() as s:
        assert (await s.exec(select(ResourceBookmark))).all() == []


async def test_forget_can_delete_shared_resources(make: HarnessFactory) -> None:
    h = await make(keep_shared_on_forget=False)
    await h.say("alice", '!resource add https://r.example/1 title:"Partagé" summary:s')
    alice = (await h.core.members.find_by_name("alice"))[0].id
    privacy = h.core.cogs["resource"].privacy
    assert privacy is not None
    await privacy.forget(alice)
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []


async def test_forgotten_authors_leave_no_id_behind(make: HarnessFactory) -> None:
    from sqlalchemy import text as sql
    from sqlmodel import SQLModel

    from bot.core.privacy import forget_member

    h = await make(moderation="queue")
    await h.say("alice", '!resource add https://r.example/1 title:"Publié" summary:s')
    await h.say("mod", "!resource approve 1")
    await h.say("alice", '!resource add https://r.example/2 title:"En attente" summary:s')
    await h.say("alice", "!resource save 1")
    alice = (await h.core.members.find_by_name("alice"))[0].id
    await forget_member(h.core, alice)
    # Every column that points to a member, in every table: none holds alice's id.
    async with h.db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not any(fk.column.table.name == "core_member" for fk in column.foreign_keys):
                    continue
                rows = await s.exec(
                    sql(f"SELECT COUNT(*) FROM {table.name} WHERE {column.name} = :id"),
                    params={"id": alice},
                )
                assert rows.one()[0] == 0, f"{table.name}.{column.name}"
        kept = (await s.exec(select(Resource).order_by(Resource.id))).all()
    assert [(r.title, r.author_id) for r in kept] == [("Publié", None), ("En attente", None)]
    assert all("alice" not in r.search_text for r in kept)
    # A newcomer who gets alice's old id (SQLite reuses the highest rowid) inherits nothing.
    await h.say("zoé", "!resource list")
    zoe = (await h.core.members.find_by_name("zoé"))[0].id
    assert "un ancien membre" in await reply_text(h, "zoé", "!resource show 1")
    assert "Aucune ressource n'a le numéro 2" in await reply_text(h, "zoé", "!resource show 2")
    privacy = h.core.cogs["resource"].privacy
    assert privacy is not None
    exported = await privacy.export(zoe)
    assert exported is not None and exported["shared"] == []
    # The approval message queued for alice went with her.
    await h.deliver()
    assert h.adapter.dms("zoé") == []
