"""Renaming and merging tags (cogs/resource/tag_admin.py), through the chat and the dashboard
service, on SQLite and PostgreSQL; and the searches that found nothing."""

from __future__ import annotations

from sqlmodel import select

from bot.core.dashboard_pages import RESOURCES, ResourceDashboard
from cogs.resource.models import ResourceEmptySearch, ResourceTag
from tests.cogs.resource.conftest import HarnessFactory, reply_text
from tests.harness import Harness


async def _tags(h: Harness, resource_id: int) -> list[tuple[str, str]]:
    async with h.db.session() as s:
        rows = await s.exec(select(ResourceTag).where(ResourceTag.resource_id == resource_id))
        return sorted((r.key, r.label) for r in rows.all())


async def _share(h: Harness, n: int, tags: str) -> None:
    text = await reply_text(
        h,
        "alice",
        f'!resource add https://r.example/{n} title:"Guide {n}" summary:s tags:"{tags}"',
    )
    assert f"Ressource {n} ajoutée" in text


async def test_merge_keeps_other_tags_and_never_duplicates(make: HarnessFactory) -> None:
    h = await make()
    await _share(h, 1, "Médiations, numérique")
    await _share(h, 2, "Médiation, Médiations, jeunesse")
    await _share(h, 3, "Médiation")
    await _share(h, 4, "Mediation")
    text = await reply_text(h, "mod", '!resource tag-merge from:"Médiations" into:"mediation"')
    # The merged tag keeps its most used spelling, whatever the moderator typed.
    assert "Tag « Médiations » fusionné dans « Médiation » : 1 ressource déplacée." in text
    assert "1 ressource avait déjà les deux tags." in text
    assert await _tags(h, 1) == [("mediation", "Médiation"), ("numerique", "numérique")]
    assert await _tags(h, 2) == [("jeunesse", "jeunesse"), ("mediation", "Médiation")]
    tags = await reply_text(h, "bob", "!resource tags")
    assert "Médiations" not in tags and "Médiation" in tags
    # The search text follows: a tag search and a word search find the moved resource.
    assert "Guide 1" in await reply_text(h, "bob", "!resource find tags:médiation")
    assert "Guide 1" in await reply_text(h, "bob", "!resource find médiation numérique")


async def test_rename_changes_spelling_or_refuses_an_existing_tag(make: HarnessFactory) -> None:
    h = await make()
    await _share(h, 1, "mediation numerique")
    await _share(h, 2, "EAC")
    text = await reply_text(
        h, "mod", '!resource tag-rename from:"mediation numerique" to:"Médiation numérique"'
    )
    assert "renommé « Médiation numérique » sur 1 ressource" in text
    assert await _tags(h, 1) == [("mediation numerique", "Médiation numérique")]
    text = await reply_text(h, "mod", '!resource tag-rename from:EAC to:"Médiation numérique"')
    assert "existe déjà" in text and "resource tag-merge" in text
    assert await _tags(h, 2) == [("eac", "EAC")]  # nothing changed
    text = await reply_text(
        h, "mod", '!resource tag-rename from:EAC to:"Éducation artistique et culturelle"'
    )
    assert "sur 1 ressource" in text
    assert "Guide 2" in await reply_text(h, "bob", "!resource find artistique")


async def test_bad_tag_changes_say_what_to_do(make: HarnessFactory) -> None:
    h = await make()
    await _share(h, 1, "médiation, jeunesse")
    cases = {
        "!resource tag-merge from:inconnu into:médiation": "n'a le tag « inconnu »",
        "!resource tag-merge from:jeunesse into:nouveau": "resource tag-rename",
        "!resource tag-merge from:Médiation into:MEDIATION": "déjà le même tag",
        '!resource tag-rename from:jeunesse to:"!!!"': "lettres ou des chiffres",
        "!resource tag-rename from:jeunesse to:" + "x" * 45: "trop long",
    }
    for line, expected in cases.items():
        assert expected in await reply_text(h, "mod", line), line
    assert "réservée aux modérateurs" in await reply_text(
        h, "alice", "!resource tag-merge from:jeunesse into:médiation"
    )
    assert await _tags(h, 1) == [("jeunesse", "jeunesse"), ("mediation", "médiation")]


async def test_dashboard_service_queue_tags_and_export(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    board = h.core.web.service(RESOURCES)
    assert board is not None
    dash: ResourceDashboard = board
    await reply_text(h, "alice", '!resource add https://r.example/1 title:"Un" summary:s tags:a')
    await reply_text(h, "alice", '!resource add https://r.example/2 title:"Deux" summary:s tags:b')
    queue = await dash.queue()
    assert [(q.id, q.title, q.author, q.tags) for q in queue] == [
        (1, "Un", "alice", ["a"]),
        (2, "Deux", "alice", ["b"]),
    ]
    assert await dash.approve(1) == "Un"
    assert await dash.reject(2) == "Deux"
    assert await dash.queue() == []
    await h.deliver()
    dms = [d.text for d in h.adapter.dms("alice")]
    assert any("« Un » est publiée" in d for d in dms)
    assert any("« Deux » n'a pas été retenue" in d for d in dms)
    assert [(t.label, t.count) for t in await dash.tags()] == [("a", 1)]
    csv = await dash.export("csv")
    assert csv.filename == "ressources.csv" and csv.content_type.startswith("text/csv")
    text = csv.body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,url,title") and "Un" in text and "Deux" not in text
    js = await dash.export("json")
    assert b'"title": "Un"' in js.body


async def test_empty_searches_are_counted_without_the_searcher(make: HarnessFactory) -> None:
    h = await make()
    await _share(h, 1, "médiation")
    for who in ("alice", "bob", "alice"):
        assert "Aucune ressource ne correspond" in await reply_text(
            h, who, "!resource find Théâtre forum tags:Jeunesse"
        )
    await reply_text(h, "bob", "!resource find médiation")  # found: not counted
    await reply_text(h, "bob", "!resource find théâtre author:alice")  # names someone: not kept
    board = h.core.web.service(RESOURCES)
    assert board is not None
    rows = await board.empty_searches()
    assert [(r.query, r.count) for r in rows] == [("theatre forum #jeunesse", 3)]
    async with h.db.session() as s:
        stored = (await s.exec(select(ResourceEmptySearch))).all()
    assert len(stored) == 1 and "alice" not in stored[0].query
