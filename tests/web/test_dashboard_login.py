"""Dashboard login: one-time links, sessions, roles read again per request, CSRF, logout."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core import Role
from bot.storage.models import WebAudit, WebLogin, WebSession
from bot.web.auth import COOKIE
from bot.web.keys import LOGINS
from tests.web.conftest import Web, body, csrf_of, log_in, login_link


async def test_a_moderator_logs_in_once_with_the_link(web: Web) -> None:
    path = await login_link(web, "mod")
    page = await web.client.get(path)
    assert page.status == 200
    assert "Ouvrir ma session" in await body(page)
    assert not web.client.session.cookie_jar.filter_cookies(web.client.make_url("/"))
    resp = await web.client.post(path, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/"
    cookie = resp.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert int(cookie["max-age"]) == 12 * 3600
    # The link is spent: a second use (another browser, an attacker) is refused.
    again = await web.client.post(path, allow_redirects=False)
    assert again.status == 410 and "déjà servi" in await body(again)
    async with web.h.db.session() as s:
        rows = list(await s.exec(select(WebSession)))
        logins = list(await s.exec(select(WebLogin)))
    assert len(rows) == 1
    token = path.rsplit("/", 1)[1]
    assert all(token not in r.token_hash for r in logins)  # only the hash is stored
    assert cookie.value not in rows[0].token_hash


async def test_a_member_link_opens_my_page(web: Web) -> None:
    reply = await web.h.reply("bob", "!dashboard")
    assert reply.private and "page personnelle" in (reply.text or "")
    path = await login_link(web, "bob")
    resp = await web.client.post(path, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/me"


async def test_expired_forged_and_mangled_links_are_explained(web: Web) -> None:
    path = await login_link(web, "mod")
    web.h.clock.advance(timedelta(minutes=10, seconds=1))
    for method in (web.client.get, web.client.post):
        resp = await method(path, headers={"Accept-Language": "en"})
        assert resp.status == 410
        assert "has expired" in await body(resp)
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    resp = await web.client.post(forged)
    assert resp.status == 404 and "pas valable" in await body(resp)
    resp = await web.client.get("/login/short")
    assert resp.status == 404 and "pas valable" in await body(resp)
    async with web.h.db.session() as s:
        assert list(await s.exec(select(WebSession))) == []


async def test_links_are_rate_limited_per_member(web: Web) -> None:
    for _ in range(5):
        await login_link(web, "mod")
    reply = await web.h.reply("mod", "!dashboard")
    assert "/login/" not in (reply.text or "") and "réessayez dans 10 min" in (reply.text or "")
    await login_link(web, "bob")  # another member is not held back
    web.h.clock.advance(timedelta(minutes=10, seconds=1))
    await login_link(web, "mod")


async def test_roles_are_read_again_on_every_request(web: Web) -> None:
    await log_in(web, "mod")
    assert (await web.client.get("/audit")).status == 403  # a moderator, not an admin
    web.h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR, Role.ADMIN)
    assert (await web.client.get("/audit")).status == 200
    web.h.adapter.set_roles("mod", Role.MEMBER)  # demoted in the community
    resp = await web.client.get("/", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/me"
    resp = await web.client.get("/members/pending")
    assert resp.status == 403 and "réservée aux modérateurs" in await body(resp)
    web.h.adapter.set_roles("mod", Role.EVERYONE)  # left the community
    resp = await web.client.get("/me")
    assert resp.status == 401


async def test_a_session_expires_after_session_hours(web: Web) -> None:
    await log_in(web, "bob")
    web.h.clock.advance(timedelta(hours=12, seconds=1))
    resp = await web.client.get("/me", headers={"Accept-Language": "en"})
    assert resp.status == 401
    assert "dashboard command" in await body(resp)


async def test_logout_needs_csrf_and_ends_the_session(web: Web) -> None:
    csrf = await log_in(web, "mod")
    refused = await web.client.post("/logout", data={})
    assert refused.status == 403 and "rien n'a été modifié" in await body(refused)
    assert (await web.client.get("/me")).status == 200
    resp = await web.client.post("/logout", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/logged-out"
    async with web.h.db.session() as s:
        assert list(await s.exec(select(WebSession))) == []
    assert (await web.client.get("/me")).status == 401


async def test_the_language_switch_is_the_members_language(web: Web) -> None:
    csrf = await log_in(web, "bob")
    bad = await web.client.post("/language", data={"csrf": csrf, "lang": "de"})
    assert bad.status == 400
    missing = await web.client.post("/language", data={"lang": "en"})
    assert missing.status == 403
    resp = await web.client.post(
        "/language",
        data={"csrf": csrf, "lang": "en", "next": "https://evil.example/"},
        allow_redirects=False,
    )
    assert resp.status == 303 and resp.headers["Location"] == "/"
    member = (await web.h.core.members.find_by_name("bob"))[0]
    assert member.locale == "en"
    page = await web.client.get("/me")
    assert page.headers["Content-Language"] == "en" and 'lang="en"' in await body(page)
    # The chat answers in English too: one language per member.
    reply = await web.h.reply("bob", "!dashboard")
    assert "Do not share it" in (reply.text or "")


async def test_the_secure_flag_follows_an_https_base_url(web: Web) -> None:
    web.h.core.settings.web.base_url = "https://bot.example.org"
    path = await login_link(web, "mod")
    assert (await web.h.reply("mod", "!dashboard")).text
    resp = await web.client.post(path, allow_redirects=False)
    assert resp.cookies[COOKIE]["secure"]


async def test_csrf_field_on_every_form(web: Web) -> None:
    await log_in(web, "mod")
    html = await (await web.client.get("/me")).text()
    assert html.count("<form") == html.count('name="csrf"') >= 2
    assert csrf_of(html)
    async with web.h.db.session() as s:
        assert list(await s.exec(select(WebAudit))) == []


async def test_export_forget_and_merge_cover_the_dashboard_rows(web: Web) -> None:
    from bot.core import privacy
    from bot.core.linking import merge_members

    h = web.h
    await log_in(web, "mod")
    mod = (await h.core.members.find_by_name("mod"))[0].id
    await web.client.app[LOGINS].record(mod, "resource.approve", "Ressource 3")  # type: ignore[index]
    data = await privacy.export_member(h.core, mod)
    assert len(data["dashboard"]["sessions"]) == 1
    assert data["dashboard"]["actions"][0]["action"] == "resource.approve"
    assert "token_hash" not in str(data["dashboard"])
    # Merging: the other account's actions are the kept member's; its sessions end.
    other = await h.adapter.member_joins("mod2")
    await web.client.app[LOGINS].record(other, "poll.close", "Sondage 1")  # type: ignore[index]
    await merge_members(h.core, mod, other)
    async with h.db.session() as s:
        assert {a.member_id for a in await s.exec(select(WebAudit))} == {mod}
    # Forgetting: sessions and links go, the actions stay without their author.
    await login_link(web, "mod")
    await privacy.forget_member(h.core, mod)
    async with h.db.session() as s:
        assert list(await s.exec(select(WebSession))) == []
        assert list(await s.exec(select(WebLogin))) == []
        assert {a.member_id for a in await s.exec(select(WebAudit))} == {None}
    assert (await web.client.get("/me")).status == 401
