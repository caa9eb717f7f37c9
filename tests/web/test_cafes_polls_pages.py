"""``/cafes`` and ``/polls``: figures, charts as PNG routes with alt text and a data table,
registrants for moderators, CSV exports (audited), unknown ids as translated 404 pages."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlmodel import select

from bot.storage.models import WebAudit
from tests.cogs.cafe.test_cafe import CREATE, first_occurrence
from tests.cogs.poll.conftest import dm
from tests.web.cog_pages import pages
from tests.web.conftest import Web, body, log_in

__all__ = ["pages"]


async def test_cafes_page_chart_registrants_and_export(pages: Web) -> None:
    web = pages
    await web.h.say("mod", CREATE)
    occ = await first_occurrence(web.h)
    for name in ("alice", "bob", "carol"):
        await web.h.invoke(name, "cafe join")
    web.h.clock.set(occ.starts_at - timedelta(minutes=5))
    await web.h.invoke("alice", "cafe here")
    web.h.clock.set(occ.starts_at + timedelta(hours=2))
    await log_in(web, "mod")
    page = await web.client.get("/cafes")
    text = await body(page)
    assert page.status == 200
    assert 'src="/cafes/chart.png" alt="Histogramme des cafés sur 12 mois' in text
    assert "2 inscriptions, 1 présence" in text  # the alt text says the figures
    assert '<th scope="row">janv. 2027</th><td class="num">2</td><td class="num">1</td>' in text
    assert f'href="/cafes/{occ.id}"' in text and "50 %" in text  # no-show rate
    chart = await web.client.get("/cafes/chart.png")
    assert chart.status == 200 and chart.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(await chart.read())).size[0] == 800
    one = await web.client.get(f"/cafes/{occ.id}")
    text = await body(one)
    assert one.status == 200 and "alice" in text and "carol" in text and "Pointé·e" in text
    csv = await web.client.get("/cafes/export.csv")
    assert csv.status == 200 and "attachment" in csv.headers["Content-Disposition"]
    assert (await csv.read()).decode("utf-8-sig").startswith("id,series,title")
    for path in ("/cafes/999999", "/cafes/abc", "/cafes/1234567890123"):
        missing = await web.client.get(path)
        assert missing.status == 404, path
    assert "Aucun café n'a le numéro 999999" in await body(await web.client.get("/cafes/999999"))
    bad_page = await web.client.get("/cafes?page=zero")
    assert bad_page.status == 400 and "numéro de page" in await body(bad_page)
    async with web.h.db.session() as s:
        assert [a.action for a in (await s.exec(select(WebAudit))).all()] == ["cafe.export"]


async def test_members_cannot_see_registrants(pages: Web) -> None:
    web = pages
    await web.h.say("mod", CREATE)
    occ = await first_occurrence(web.h)
    await web.h.invoke("bob", "cafe join")
    await log_in(web, "alice")
    for path in ("/cafes", f"/cafes/{occ.id}", "/cafes/chart.png", "/cafes/export.csv"):
        refused = await web.client.get(path)
        assert refused.status == 403, path
        assert "bob" not in await body(refused)


async def test_polls_page_pictures_tables_and_export(pages: Web) -> None:
    web = pages
    await web.h.say("alice", '!poll create "Café ?" choices:"Expresso | Allongé"')
    await web.h.say("bob", "!poll vote 1 choice:1")
    await web.h.say("alice", '!poll create "Secret ?" kind:open anonymous:true')
    await web.h.say("bob", '!poll vote 2 text:"Avis de bob"', room=dm(web.h, "bob"))
    await log_in(web, "mod")
    page = await web.client.get("/polls")
    text = await body(page)
    assert page.status == 200
    assert '<img src="/polls/1.png" alt="Résultats du sondage « Café ? »' in text
    assert "<td>Expresso</td><td>1 vote (100 %)</td>" in text
    assert "Résultats masqués" in text and "Avis de bob" not in text
    assert "/polls/2.png" not in text
    picture = await web.client.get("/polls/1.png")
    assert picture.status == 200 and picture.headers["Content-Type"] == "image/png"
    hidden = await web.client.get("/polls/2.png")
    assert hidden.status == 404
    csv = await web.client.get("/polls/1/export.csv")
    assert csv.status == 200 and "bob" in (await csv.read()).decode("utf-8-sig")
    refused = await web.client.get("/polls/2/export.csv")  # one anonymous ballot: not yet
    assert refused.status == 409 and "Export impossible" in await body(refused)
    assert (await web.client.get("/polls/77")).status == 404
    assert (await web.client.get("/polls/77/export.csv")).status == 404
    assert "Aucun sondage n° 77" in await body(await web.client.get("/polls/77"))
    one = await web.client.get("/polls/1")
    assert one.status == 200 and "Tous les sondages" in await body(one)
    async with web.h.db.session() as s:
        assert [a.action for a in (await s.exec(select(WebAudit))).all()] == ["poll.export"]
