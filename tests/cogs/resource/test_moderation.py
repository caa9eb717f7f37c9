"""The moderation queue (cogs/resource/moderation.py) through the commands, on SQLite and
PostgreSQL: pending resources stay private, approval publishes and tells the author."""

from __future__ import annotations

from sqlmodel import select

from cogs.resource.models import Resource
from tests.cogs.resource.conftest import HarnessFactory, reply_text


async def test_queue_moderation_and_approval_dm(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    text = await reply_text(
        h, "alice", '!resource add https://r.example/1 title:"En attente" summary:s'
    )
    assert "attend la validation d'un modérateur" in text
    assert "Aucune ressource ne correspond" in await reply_text(h, "bob", "!resource find attente")
    assert "Aucune ressource n'a le numéro 1" in await reply_text(h, "bob", "!resource show 1")
    assert "en attente de validation" in await reply_text(h, "alice", "!resource show 1")
    assert "réservée aux modérateurs" in await reply_text(h, "alice", "!resource approve 1")
    assert "En attente" in await reply_text(h, "mod", "!resource pending")
    assert "Ressource 1 publiée" in await reply_text(h, "mod", "!resource approve 1")
    assert "déjà publiée" in await reply_text(h, "mod", "!resource approve 1")
    await h.deliver()
    dms = h.adapter.dms("alice")
    assert len(dms) == 1 and "« En attente » est publiée" in dms[0].text
    assert "En attente" in await reply_text(h, "bob", "!resource find attente")
    # A moderator's own share is published at once.
    text = await reply_text(h, "mod", '!resource add https://r.example/2 title:"Direct" summary:s')
    assert "Ressource 2 ajoutée" in text


async def test_a_pending_resource_stays_private_to_its_author(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    reply = await h.reply(
        "alice",
        '!resource add https://r.example/secret title:"Projet confidentiel" tags:"rh" '
        'summary:"Brouillon"',
    )
    assert "attend la validation" in reply.text
    assert reply.private  # the card of a pending resource is not posted in the room
    assert all("Projet confidentiel" not in s.reply.plain_text() for s in h.adapter.in_room())
    shown = await h.reply("alice", "!resource show 1")
    assert shown.private and "Projet confidentiel" in shown.plain_text()
    edited = await h.reply("alice", '!resource edit 1 summary:"Brouillon 2"')
    assert edited.private
    # Others see nothing of it anywhere.
    for line in (
        "!resource show 1",
        "!resource find confidentiel",
        "!resource find tags:rh",
        "!resource find author:alice",
        "!resource list",
        "!resource tags",
        "!resource saved",
        "!resource save 1",
        "!resource edit 1 title:x",
        "!resource remove 1",
    ):
        text = await reply_text(h, "bob", line)
        assert "Projet confidentiel" not in text and "rh (" not in text, line
    # Re-sharing the same page does not reveal who submitted it, what it is called or its
    # number, and changes nothing on the submission.
    again = await h.reply(
        "bob", '!resource add "https://R.example/secret/?utm_source=x" tags:"Espionnage"'
    )
    assert again.private
    assert "déjà été proposé et attend la validation" in again.text
    for leak in ("alice", "Projet confidentiel", "Brouillon", "1", "rh"):
        assert leak not in again.plain_text(), leak
    async with h.db.session() as s:
        assert len((await s.exec(select(Resource))).all()) == 1
    assert "Espionnage" not in await reply_text(h, "mod", "!resource show 1")
    # The author re-sharing her own pending link sees her card (privately).
    own = await h.reply("alice", "!resource add https://r.example/secret")
    assert own.private and "Projet confidentiel" in own.plain_text()


async def test_removing_a_pending_resource_answers_privately(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    await h.say("mod", '!resource add https://r.example/1 title:"Publié" summary:s')
    await h.say("alice", '!resource add https://r.example/2 title:"Brouillon" summary:s')
    reply = await h.reply("alice", "!resource remove 2")
    assert "retirée : « Brouillon »" in reply.text and reply.private
    reply = await h.reply("mod", "!resource remove 1")
    assert "retirée : « Publié »" in reply.text and not reply.private
