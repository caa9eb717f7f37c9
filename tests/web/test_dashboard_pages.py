"""Dashboard pages over every cog: overview numbers against the database, the directory and
its filters, pending onboarding, my page and its export, the audit log, bad input."""

from __future__ import annotations

import json
from datetime import timedelta

from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import func
from sqlmodel import col, select

from bot.core import Role
from bot.core.web_login import WebLogins
from bot.storage.models import Member
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from cogs.poll.models import Poll
from cogs.resource.models import Resource
from tests.cogs.resource.conftest import StubFetcher
from tests.harness import Harness
from tests.web.conftest import Web, body, log_in

CAFE = (
    '!cafe create title:"Café des médiateurs" schedule:"weekly thursday 10:00" '
    "timezone:Europe/Paris duration:60 capacity:1"
)


async def profile(h: Harness, name: str, *, listed: bool, **fields: str) -> None:
    await h.adapter.member_joins(name)
    for field, value in fields.items():
        await h.invoke(name, "me edit", field=field, value=value)
    await h.invoke(name, "me edit", field="directory", value="oui" if listed else "non")


async def community(h: Harness) -> None:
    """Three newcomers (two listed in the directory), a café with a waitlist, an open poll,
    a resource waiting for approval."""
    h.core.cogs["resource"].service.fetcher = StubFetcher()  # type: ignore[attr-defined]
    await profile(
        h,
        "alice",
        listed=True,
        region="Bretagne",
        metier="Médiatrice",
        interests="danse, médiation",
    )
    await profile(h, "bob", listed=True, region="Normandie", metier="Régisseur", interests="danse")
    await profile(h, "carol", listed=False, region="Corse", metier="Secrète")
    await h.reply("mod", CAFE)
    await h.reply("alice", "!cafe join")
    await h.reply("bob", "!cafe join")
    await h.reply("mod", '!poll create "On se retrouve où ?" choices:"Rennes | Caen"')
    await h.reply("alice", '!resource add https://r.example/1 title:"Guide" summary:s')


def figures(html: str) -> dict[str, str]:
    tree = LexborHTMLParser(html)
    return {
        node.attributes["data-figure"] or "": node.text(strip=True)
        for node in tree.css("dd[data-figure]")
    }


def listed(html: str) -> list[str]:
    """The names in the directory's table."""
    return [td.text(strip=True) for td in LexborHTMLParser(html).css("tbody tr td:first-child")]


def number(text: str) -> int:
    return int("".join(c for c in text.split("(")[0] if c.isdigit()))


async def test_overview_numbers_match_the_database(board: Web) -> None:
    h = board.h
    await community(h)
    await log_in(board, "mod")
    html = await body(await board.client.get("/"))
    shown = figures(html)
    async with h.db.session() as s:
        members = (await s.exec(select(func.count()).select_from(Member))).one()
        joined = (await s.exec(select(func.count(col(OnboardingFlow.joined_at))))).one()
        listed = (await s.exec(select(func.count()).where(col(OnboardingProfile.visible)))).one()
        waiting = (await s.exec(select(func.count()).where(Resource.status == "pending"))).one()
        polls = (await s.exec(select(func.count()).where(col(Poll.closed_at).is_(None)))).one()
    assert number(shown["Membres en tout"]) == members == 4
    assert number(shown["Nouveaux ce mois-ci"]) == members  # all arrived in January 2027
    assert number(shown["Arrivés"]) == joined == 3
    assert number(shown["Inscrits à l'annuaire"]) == listed == 2
    assert shown["Profils à jour (12 derniers mois)"] == "100 %"
    assert number(shown["En attente de validation"]) == waiting == 1
    assert number(shown["Sondages ouverts"]) == polls == 1
    assert "Café des médiateurs" in html and "1 inscrit, 1 en attente" in html
    assert "On se retrouve où ?" in html and "Guide" in html
    # A year later, nobody touched their profile: none is fresh; January's members are old.
    h.clock.advance(timedelta(days=400))
    await log_in(board, "mod")  # the session has long expired
    shown = figures(await body(await board.client.get("/")))
    assert shown["Profils à jour (12 derniers mois)"] == "0 %"
    assert number(shown["Nouveaux ce mois-ci"]) == 0


async def test_the_directory_lists_only_opted_in_members_with_filters(board: Web) -> None:
    await community(board.h)
    await log_in(board, "bob")
    html = await body(await board.client.get("/members"))
    assert "alice" in html and "bob" in html and "2 membres trouvés" in html
    assert "carol" not in html and "Corse" not in html and "Secrète" not in html
    assert listed(html) == ["alice", "bob"]
    html = await body(await board.client.get("/members", params={"region": "bretagne"}))
    assert "1 membre trouvé" in html and listed(html) == ["alice"]
    html = await body(await board.client.get("/members", params={"interest": "Danse"}))
    assert "2 membres trouvés" in html and listed(html) == ["alice", "bob"]
    html = await body(
        await board.client.get("/members", params={"interest": "danse", "metier": "régisseur"})
    )
    assert listed(html) == ["bob"]
    assert '<option selected="selected">Régisseur</option>' in html or "selected>Régisseur" in html
    html = await body(await board.client.get("/members", params={"region": "Nulle part"}))
    assert "Personne ne correspond" in html
    # Moderators only: the pending welcomes.
    resp = await board.client.get("/members/pending")
    assert resp.status == 403


async def test_moderators_see_pending_welcomes(board: Web) -> None:
    await community(board.h)
    await log_in(board, "mod")
    html = await body(await board.client.get("/members/pending"))
    assert "3 membres n'ont pas terminé leur accueil." in html
    assert all(name in html for name in ("alice", "bob", "carol"))


async def test_my_page_shows_my_cafes_saved_resources_profile_and_export(board: Web) -> None:
    h = board.h
    await community(h)
    await h.reply("mod", "!resource approve 1")
    await h.reply("bob", "!resource save 1")
    await log_in(board, "bob")
    html = await body(await board.client.get("/me"))
    assert "Café des médiateurs" in html and "en liste d'attente (place 1)" in html
    assert 'href="https://r.example/1"' in html and "Guide" in html
    assert "Normandie" in html and "Régisseur" in html and "me edit" in html
    assert "visible dans l'annuaire" in html
    resp = await board.client.get("/me/export")
    assert resp.status == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(await resp.read())
    assert data["member"]["display_name"] == "bob"
    assert "Normandie" in json.dumps(data, ensure_ascii=False)
    assert "alice" not in json.dumps(data["member"])


async def test_admins_read_the_audit_log(board: Web) -> None:
    h = board.h
    mod = (await h.core.members.resolve(h.adapter.actor("mod").ref)).id
    logins = WebLogins(h.db, h.clock)
    await logins.record(mod, "resource.approve", "Ressource 12 « <b>Guide</b> »")
    await log_in(board, "admin")
    html = await body(await board.client.get("/audit"))
    assert "resource.approve" in html and "mod" in html
    assert "&lt;b&gt;Guide" in await (await board.client.get("/audit")).text()
    await h.core.members.set_display_name(mod, "Modératrice")
    assert "Modératrice" in await body(await board.client.get("/audit"))


async def test_bad_input_is_answered_with_translated_pages(board: Web) -> None:
    await log_in(board, "mod")
    resp = await board.client.get("/members", params={"page": "abc"})
    assert resp.status == 400 and "nombre entre 1 et" in await body(resp)
    resp = await board.client.get("/members", params={"region": "x" * 101})
    assert resp.status == 400 and "au plus 100 caractères" in await body(resp)
    resp = await board.client.get("/nulle-part", headers={"Accept-Language": "en"})
    assert resp.status == 404 and "This page does not exist" in await body(resp)
    assert resp.headers["Content-Type"].startswith("text/html")
    resp = await board.client.get("/members?" + "a=b&" * 1000)
    assert resp.status == 414
    resp = await board.client.delete("/me")
    assert resp.status == 405 and "Traceback" not in await body(resp)


async def test_names_are_escaped(board: Web) -> None:
    h = board.h
    await profile(h, "eve", listed=True, region="<script>alert(1)</script>")
    await h.core.members.set_display_name(
        (await h.core.members.find_by_name("eve"))[0].id, "<img src=x onerror=alert(1)>"
    )
    await log_in(board, "eve")
    raw = await (await board.client.get("/members")).text()
    assert "<script>alert" not in raw and "<img src=x" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


async def test_a_moderator_nudges_a_pending_member_and_it_is_audited(board: Web) -> None:
    h = board.h
    await community(h)
    carol = (await h.core.members.find_by_name("carol"))[0].id
    await h.deliver()
    before = len(h.adapter.dms("carol"))
    csrf = await log_in(board, "mod")
    refused = await board.client.post(f"/members/pending/{carol}/resend", data={})
    assert refused.status == 403
    await h.deliver()
    assert len(h.adapter.dms("carol")) == before  # nothing sent without the token
    resp = await board.client.post(f"/members/pending/{carol}/resend", data={"csrf": csrf})
    assert resp.status == 200 and "l'étape en cours a été renvoyée" in await body(resp)
    await h.deliver()
    assert len(h.adapter.dms("carol")) == before + 1
    resp = await board.client.post("/members/pending/999999/resend", data={"csrf": csrf})
    assert resp.status == 404 and "Aucun membre n'a ce numéro" in await body(resp)
    await h.adapter.member_leaves("bob")
    bob = (await h.core.members.find_by_name("bob"))[0].id
    resp = await board.client.post(f"/members/pending/{bob}/resend", data={"csrf": csrf})
    assert resp.status == 409 and "bob a quitté la communauté." in await body(resp)
    mod = (await h.core.members.find_by_name("mod"))[0].id
    entries = await WebLogins(h.db, h.clock).audit_trail()
    assert [(e.member_id, e.action, e.detail) for e in entries] == [
        (mod, "onboarding.resend", f"carol (#{carol})")
    ]
    # A member cannot.
    board.h.adapter.set_roles("mod", Role.MEMBER)
    resp = await board.client.post(f"/members/pending/{carol}/resend", data={"csrf": csrf})
    assert resp.status == 403
