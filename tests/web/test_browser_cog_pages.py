"""The Resources and Cafés pages in a real browser (Playwright driving Debian's Chromium):
approve a resource, merge two tags, export the library as CSV, read the cafés' chart by its
alt text and its table. No JavaScript runs in our pages: the browser clicks, types, reads."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.web.server import build_app
from cogs.resource.models import Resource, ResourceTag
from tests.web.browser import chromium, needs_chromium, served
from tests.web.cog_pages import pages
from tests.web.conftest import Web, login_link

__all__ = ["pages"]
pytestmark = [pytest.mark.e2e, needs_chromium]


async def test_approve_merge_tags_and_export_csv(pages: Web) -> None:
    h = pages.h
    await h.say("alice", '!resource add https://r.example/1 title:"Guide 1" tags:"Médiations"')
    await h.say("alice", '!resource add https://r.example/2 title:"Guide 2" tags:"Médiation"')
    await h.say("mod", '!resource add https://r.example/3 title:"Guide 3" tags:"Médiation"')
    async with served(build_app(h.core)) as base, chromium() as context:
        page: Any = await context.new_page()  # type: ignore[attr-defined]
        await page.goto(base + await login_link(pages, "mod"))
        await page.get_by_role("button", name="Ouvrir ma session").click()
        await page.wait_for_url(re.compile(r"/$"))
        await page.get_by_role("link", name="Ressources").click()
        await page.wait_for_url(re.compile(r"/resources$"))
        assert await page.locator("h1").inner_text() == "Ressources"

        await page.get_by_role("button", name="Publier « Guide 1 »").click()
        await page.wait_for_load_state()
        assert "« Guide 1 » publiée" in await page.get_by_role("status").first.inner_text()
        await page.get_by_role("button", name="Publier « Guide 2 »").click()
        await page.wait_for_load_state()
        async with h.db.session() as s:
            statuses = sorted((await s.exec(select(Resource.status))).all())
        assert statuses == ["published"] * 3

        # Merge by labels: the keyboard reaches each field by its label.
        await page.get_by_label("Tag qui disparaît").fill("Médiations")
        await page.get_by_label("Tag qui reste").fill("médiation")
        await page.get_by_role("button", name="Fusionner").click()
        await page.wait_for_load_state()
        notice = await page.get_by_role("status").first.inner_text()
        assert "Tag « Médiations » fusionné dans « Médiation » : 1 ressource déplacée." in notice
        async with h.db.session() as s:
            keys = sorted((await s.exec(select(ResourceTag.key))).all())
        assert keys == ["mediation"] * 3
        table = await page.locator("table", has_text="Ressources").last.inner_text()
        assert "Médiation\t3" in table and "Médiations" not in table

        async with page.expect_download() as info:
            await page.get_by_role("link", name="Télécharger en CSV").click()
        download = await info.value
        assert download.suggested_filename == "ressources.csv"
        saved = await download.path()
        content = (await asyncio.to_thread(Path(saved).read_bytes)).decode("utf-8-sig")
        assert content.splitlines()[0].startswith("id,url,title")
        assert content.count("Médiation") == 3 and "Médiations" not in content
