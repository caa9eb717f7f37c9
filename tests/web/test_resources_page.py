"""``/resources``: approve / reject from the queue, rename and merge tags, searches that found
nothing, CSV and JSON export — CSRF-checked, audited, moderators only."""

from __future__ import annotations

from sqlmodel import select

from bot.storage.models import WebAudit
from cogs.resource.models import Resource, ResourceTag
from tests.web.cog_pages import pages
from tests.web.conftest import Web, body, log_in

__all__ = ["pages"]


async def _share(web: Web, n: int, tags: str) -> None:
    await web.h.say(
        "alice", f'!resource add https://r.example/{n} title:"Guide {n}" summary:s tags:"{tags}"'
    )


async def test_queue_tags_and_export(pages: Web) -> None:
    web = pages
    await _share(web, 1, "Médiations, numérique")
    await _share(web, 2, "Médiation, jeunesse")
    csrf = await log_in(web, "mod")
    page = await web.client.get("/resources")
    text = await body(page)
    assert page.status == 200 and "Guide 1" in text and "Guide 2" in text
    assert 'action="/resources/1/approve"' in text and 'for="merge-from"' in text

    done = await web.client.post("/resources/1/approve", data={"csrf": csrf})
    assert done.status == 200 and "« Guide 1 » publiée" in await body(done)
    done = await web.client.post("/resources/2/approve", data={"csrf": csrf})
    again = await web.client.post("/resources/2/approve", data={"csrf": csrf})
    assert again.status == 400 and "déjà publiée" in await body(again)

    merged = await web.client.post(
        "/resources/tags/merge", data={"csrf": csrf, "from": "Médiations", "into": "médiation"}
    )
    text = await body(merged)
    assert merged.status == 200
    assert "Tag « Médiations » fusionné dans « Médiation » : 1 ressource déplacée." in text
    async with web.h.db.session() as s:
        keys = sorted((await s.exec(select(ResourceTag.key))).all())
    assert keys == ["jeunesse", "mediation", "mediation", "numerique"]

    unknown = await web.client.post(
        "/resources/tags/merge", data={"csrf": csrf, "from": "Inconnu", "into": "médiation"}
    )
    text = await body(unknown)
    assert unknown.status == 400 and "Aucune ressource n'a le tag « Inconnu »" in text
    assert 'value="Inconnu"' in text  # what was typed stays in the form

    csv = await web.client.get("/resources/export.csv")
    assert csv.status == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    content = (await csv.read()).decode("utf-8-sig")
    assert "Guide 1" in content and "Médiation" in content
    js = await web.client.get("/resources/export.json")
    assert js.status == 200 and (await js.json())[0]["title"] == "Guide 1"
    async with web.h.db.session() as s:
        actions = [a.action for a in (await s.exec(select(WebAudit))).all()]
    assert actions == [
        "resource.approve",
        "resource.approve",
        "resource.tag_merge",
        "resource.export",
        "resource.export",
    ]


async def test_reject_empty_searches_and_english(pages: Web) -> None:
    web = pages
    await _share(web, 1, "théâtre")
    await web.h.say("bob", "!resource find marionnettes")
    csrf = await log_in(web, "mod")
    rejected = await web.client.post("/resources/1/reject", data={"csrf": csrf})
    assert "« Guide 1 » refusée" in await body(rejected)
    async with web.h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []
    await web.client.post("/language", data={"csrf": csrf, "lang": "en", "next": "/resources"})
    page = await web.client.get("/resources")
    text = await body(page)
    assert "Searches that found nothing" in text and "marionnettes" in text
    assert "bob" not in text


async def test_refusals_change_nothing(pages: Web) -> None:
    web = pages
    await _share(web, 1, "théâtre")
    csrf = await log_in(web, "mod")
    no_csrf = await web.client.post("/resources/1/approve", data={})
    assert no_csrf.status == 403 and "rien n'a été modifié" in await body(no_csrf)
    for path in ("/resources/999/approve", "/resources/abc/approve"):
        resp = await web.client.post(path, data={"csrf": csrf})
        assert resp.status in (400, 404), path
    missing = await web.client.post("/resources/999/approve", data={"csrf": csrf})
    assert "Aucune ressource n'a le numéro 999" in await body(missing)
    empty = await web.client.post(
        "/resources/tags/rename", data={"csrf": csrf, "from": "", "to": "x"}
    )
    assert empty.status == 400 and "Indiquez les deux tags" in await body(empty)
    bad = await web.client.get("/resources/export.xml")
    assert bad.status == 404
    async with web.h.db.session() as s:
        assert (await s.exec(select(Resource.status))).all() == ["pending"]
    member = Web(web.h, web.client)
    await web.client.post("/logout", data={"csrf": csrf})
    await log_in(member, "alice")
    refused = await web.client.get("/resources")
    assert refused.status == 403 and "réservée aux modérateurs" in await body(refused)
    refused = await web.client.get("/resources/export.csv")
    assert refused.status == 403
