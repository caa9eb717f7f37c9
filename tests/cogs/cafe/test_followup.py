"""``cafe followup`` after a live café: one DM per member present (outbox, once), the links
filed in the café's collection, and the refusals (bad links, unknown or unfinished café, a
member who is not the host). Also: forgetting a member removes them from the report, a
first-timer is one never present before, and the report's web page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core import Role
from bot.scheduling import FakeClock
from bot.web.server import build_app
from cogs.cafe.models import CafeReport
from tests.cogs.cafe.test_report import (
    CREATE,
    MONDAY,
    THURSDAY,
    first_occurrence,
    run_session,
)
from tests.harness import Harness, make_harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await make_harness(
        db_url, cogs=["cafe", "poll", "resource"], clock=FakeClock(MONDAY)
    )
    yield harness
    await harness.close()


def followups(h: Harness, name: str) -> list[str]:
    return [d.reply.text for d in h.adapter.dms(name) if "Des suites" in (d.reply.title or "")]


async def test_followup_reaches_those_present_once_and_files_links(h: Harness) -> None:
    occ = await run_session(h)
    reply = await h.reply(
        "alice",
        f'!cafe followup occurrence:{occ} text:"Merci ! La captation et les diapos :" '
        'links:"https://tmnlab.com/replay | https://tmnlab.com/diapos.pdf"',
    )
    assert reply.private and "envoyée à 4 participants" in reply.text, reply.text
    assert "2 liens rangés" in reply.text
    await h.settle()
    for name in ("bob", "carol", "dan", "eve"):
        got = followups(h, name)
        assert len(got) == 1 and "https://tmnlab.com/replay" in got[0], (name, got)
    assert not followups(h, "gus")  # registered, did not come
    found = await h.reply("bob", '!resource find collection:"Café TMNlab"')
    assert "Suite du café" in found.text, found.text
    twice = await h.reply("alice", f'!cafe followup occurrence:{occ} text:"Encore"')
    assert "déjà été envoyée" in twice.text
    await h.settle()
    assert all(len(followups(h, n)) == 1 for n in ("bob", "carol", "dan", "eve"))


async def test_followup_refusals(h: Harness) -> None:
    occ = await run_session(h)
    member = await h.reply("bob", f'!cafe followup occurrence:{occ} text:"Salut"')
    assert "Seuls les modérateurs et l'animateur" in member.text
    bad = await h.reply("alice", f'!cafe followup occurrence:{occ} text:"Voici" links:"ftp://x"')
    assert "http://" in bad.text
    bad = await h.reply(
        "alice", f'!cafe followup occurrence:{occ} text:"Voici" links:"pas-un-lien"'
    )
    assert "adresse web" in bad.text
    empty = await h.reply("alice", f'!cafe followup occurrence:{occ} text:" "')
    assert "Il manque l'option text" in empty.text
    unknown = await h.reply("mod", '!cafe followup occurrence:99999 text:"Salut"')
    assert "99999" in unknown.text and "Traceback" not in unknown.text
    await h.settle()
    assert not followups(h, "bob")  # nothing was sent by any refused attempt
    # The next café has not been run live: no follow-up.
    later = occ + 1
    refused = await h.reply("mod", f'!cafe followup occurrence:{later} text:"Salut"')
    assert "pas été mené en direct" in refused.text


async def test_forget_removes_a_member_from_the_report(h: Harness) -> None:
    occ = await run_session(h)
    before = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert "(bob)" in before.text
    await h.reply("bob", "!me forget confirm:true")
    await h.settle()
    after = await h.reply("mod", f"!cafe report occurrence:{occ}")
    assert "(bob)" not in after.text and "feuille-de-route" not in after.text
    html = next(a for a in after.attachments if a.mime == "text/html").data.decode()
    words = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "bob" not in words


async def test_first_timers_are_never_present_before(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    h.adapter.set_roles("bob", Role.MEMBER)
    await h.reply(
        "mod", '!cafe create title:"Avant" schedule:"2027-01-05 10:00" timezone:Europe/Paris'
    )
    first = await first_occurrence(h)
    await h.reply("bob", f"!cafe join occurrence:{first}")
    h.clock.set(MONDAY + timedelta(days=1) - timedelta(minutes=5))
    assert "présence" in (await h.reply("bob", "!cafe here")).text.lower()
    h.clock.set(MONDAY)
    occ = await run_session(h)
    report = await h.reply("mod", f"!cafe report occurrence:{occ}")
    # bob was present at an earlier café (another series): carol, dan, eve are new.
    assert "3 personnes venues pour la première fois" in report.text, report.text


async def test_report_page_on_the_web(h: Harness) -> None:
    occ = await run_session(h)
    async with h.db.session() as s:
        row = await s.get(CafeReport, occ)
    assert row is not None
    async with TestClient(TestServer(build_app(h.core))) as client:
        page = await client.get(f"/reports/{row.token}.html")
        assert page.status == 200
        body = await page.text()
        assert "Compte-rendu du café" in body and "Absents" not in body
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'none'" in csp and "'sha256-" in csp
        missing = await client.get("/reports/" + "x" * 32 + ".html")
        assert missing.status == 404


async def test_unfinished_cafe_has_no_followup(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await h.reply("mod", CREATE)
    occ = await first_occurrence(h)
    h.clock.set(THURSDAY - timedelta(minutes=5))
    await h.reply("mod", f"!cafe start occurrence:{occ}")
    running = await h.reply("mod", f'!cafe followup occurrence:{occ} text:"Salut"')
    assert "encore en cours" in running.text
