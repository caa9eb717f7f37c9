"""The dashboard in a real browser (Playwright driving Debian's Chromium): log in through
the link a console session prints, read the overview against the database, switch language,
move with the keyboard alone, log out; an expired link and a form without its CSRF token are
refused. No JavaScript runs in our pages: the browser only clicks, types and reads."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.web.server import build_app
from tests.web.browser import chromium, console, needs_chromium, served
from tests.web.conftest import Web, login_link

pytestmark = [pytest.mark.e2e, needs_chromium]


def scalar(db: Path, sql: str, *args: object) -> Any:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()[0]


async def focused(page: Any) -> str:
    """What has the keyboard focus: its text (or its aria-label), as a person would see it."""
    text = await page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.getAttribute('aria-label') || e.innerText || e.id || e.tagName).trim(); }"
    )
    return str(text)


async def test_console_link_overview_language_keyboard_and_logout(tmp_path: Path) -> None:
    async with console(tmp_path) as bot, chromium() as context:
        await bot.type(":as bob")
        await bot.type("!help")  # bob is a member now too
        link = await bot.login_link("mod")
        page = await context.new_page()  # type: ignore[attr-defined]
        await page.goto(link)
        assert await page.locator("h1").inner_text() == "Connexion au tableau de bord"
        await page.get_by_role("button", name="Ouvrir ma session").click()
        await page.wait_for_url(re.compile(r"/$"))
        assert await page.locator("h1").inner_text() == "Vue d'ensemble"

        # The overview's numbers are the database's.
        total = scalar(bot.db, "SELECT count(*) FROM core_member")
        shown = await page.locator('dd[data-figure="Membres en tout"]').inner_text()
        assert int(re.sub(r"\D", "", shown)) == total >= 2
        cafes = await page.locator("section", has_text="Prochains cafés").inner_text()
        assert "Aucun café à venir." in cafes
        assert scalar(bot.db, "SELECT count(*) FROM cafe_occurrence") == 0

        # Keyboard only: the skip link comes first and leads to the content; then the nav.
        await page.keyboard.press("Tab")
        assert await focused(page) == "Aller au contenu"
        order = [await focused(page)]
        for _ in range(12):  # the nav holds Cafés, Polls and Resources too
            await page.keyboard.press("Tab")
            order.append(await focused(page))
        nav = ["Vue d'ensemble", "Membres", "Ma page"]
        positions = [order.index(name) for name in nav]
        assert positions == sorted(positions), order
        assert "English" in order and "Se déconnecter" in order
        await page.keyboard.press("Shift+Tab")  # back on a nav link: Enter follows it
        while await focused(page) != "Membres":
            await page.keyboard.press("Shift+Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r"/members$"))
        assert await page.locator("h1").inner_text() == "Annuaire des membres"
        # The directory's filters, then its button, are reached in reading order; Enter sends.
        reached: list[str] = []
        for _ in range(20):
            await page.keyboard.press("Tab")
            reached.append(
                await page.evaluate(
                    "() => document.activeElement.id || document.activeElement.innerText.trim()"
                )
            )
            if reached[-1] == "Filtrer":
                break
        assert [i for i in reached if i.startswith("f-")] == ["f-region", "f-metier", "f-interest"]
        assert reached[-1] == "Filtrer", reached
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r"/members\?region=&metier=&interest=$"))
        await page.goto(link.split("/login/")[0] + "/")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")  # the skip link
        assert await page.evaluate("() => document.activeElement.id") == "main"

        # The language switch is the member's language, in the database too.
        await page.get_by_role("button", name="English").click()
        await page.wait_for_url(re.compile(r"/$"))
        assert await page.locator("h1").inner_text() == "Overview"
        assert await page.locator("html").get_attribute("lang") == "en"
        assert scalar(bot.db, "SELECT locale FROM core_member WHERE display_name = 'mod'") == "en"

        # Logging out ends the session: the overview asks to sign in again.
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(re.compile(r"/logged-out$"))
        response = await page.goto(link.split("/login/")[0] + "/")
        assert response is not None and response.status == 401
        assert scalar(bot.db, "SELECT count(*) FROM core_web_session") == 0
        # The link itself was used once and only once.
        response = await page.goto(link)
        assert response is not None and response.status == 410


async def test_expired_link_and_missing_csrf_are_refused(board: Web) -> None:
    h = board.h
    async with served(build_app(h.core)) as base, chromium() as context:
        page = await context.new_page()  # type: ignore[attr-defined]
        path = await login_link(board, "mod")
        h.clock.advance(timedelta(minutes=11))
        response = await page.goto(base + path)
        assert response is not None and response.status == 410
        assert "Lien expiré" in await page.locator("h1").inner_text()
        assert await page.get_by_role("button", name="Ouvrir ma session").count() == 0

        await page.goto(base + await login_link(board, "mod"))
        await page.get_by_role("button", name="Ouvrir ma session").click()
        await page.wait_for_url(re.compile(r"/$"))
        # A forged form: the same logout form without its token.
        await page.evaluate(
            "() => document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())"
        )
        async with page.expect_response(lambda r: r.url.endswith("/logout")) as info:
            await page.get_by_role("button", name="Se déconnecter").click()
        assert (await info.value).status == 403
        assert "Formulaire refusé" in await page.locator("h1").inner_text()
        # Nothing changed: still logged in.
        response = await page.goto(base + "/")
        assert response is not None and response.status == 200
