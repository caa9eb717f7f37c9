"""My data for needs, offers, introductions and freshness reminders: export, forget, merge."""

from __future__ import annotations

import json
import re

from sqlmodel import col, select

from bot.storage.models import OutboxMessage
from cogs.onboarding.models import (
    OnboardingFreshness,
    OnboardingIntroduction,
    OnboardingReachTag,
)
from tests.cogs.onboarding.conftest import invoke, member_id
from tests.cogs.onboarding.test_privacy import rows_about, second_platform
from tests.harness import Harness


async def _visible(h: Harness, name: str, **fields: str) -> None:
    for field, value in fields.items():
        await h.invoke(name, "me edit", field=field, value=value)
    await h.invoke(name, "me edit", field="directory", value="visible")


async def _export(h: Harness, name: str) -> dict:  # type: ignore[type-arg]
    reply = await h.invoke(name, "me export")
    return json.loads(reply.attachments[0].data)["cogs"]["onboarding"]  # type: ignore[no-any-return]


async def test_export_holds_needs_offers_introductions_and_reminders(h: Harness) -> None:
    await _visible(h, "zoe", needs="Mécénat, diffusion", offers="résidence")
    await _visible(h, "ana", offers="mécénat")
    await invoke(h, "zoe", "members introduce", name="ana")
    data = await _export(h, "zoe")
    assert data["needs"] == ["Mécénat", "diffusion"] and data["offers"] == ["résidence"]
    [intro] = data["introductions"]
    assert intro["role"] == "asked" and intro["other"] == "ana" and intro["status"] == "pending"
    assert data["profile_refresh"]["last_reminder_at"] is None
    assert data["profile_refresh"]["next_due"].startswith("2028-01-04")
    theirs = await _export(h, "ana")
    assert theirs["introductions"][0]["role"] == "was_asked"
    assert theirs["introductions"][0]["other"] == "zoe"


async def test_forget_removes_the_new_rows_and_spares_the_other_member(h: Harness) -> None:
    mine, theirs = "zoé-oubli-5521", "ana-reste-7781"
    await _visible(h, mine, needs="mécénat", offers="diffusion")
    await _visible(h, theirs, offers="mécénat", needs="diffusion")
    await invoke(h, mine, "members introduce", name=theirs)
    await h.deliver()
    zoe, ana = await member_id(h, mine), await member_id(h, theirs)
    async with h.db.session() as s:
        assert (await s.get(OnboardingFreshness, zoe)) is not None
        assert list(await s.exec(select(OnboardingIntroduction)))
    reply = await h.invoke(mine, "me forget", confirm=True)
    assert reply.tone == "success"
    assert await rows_about(h, {zoe}, {mine}) == []
    async with h.db.session() as s:
        assert list(await s.exec(select(OnboardingIntroduction))) == []
        left = list(await s.exec(select(OnboardingReachTag)))
        keys = list(
            await s.exec(
                select(OutboxMessage.key).where(
                    col(OutboxMessage.key).startswith(f"onboarding:{zoe}:")
                    | col(OutboxMessage.key).startswith(f"onboarding:{ana}:intro:")
                )
            )
        )
    assert {(t.member_id, t.kind) for t in left} == {(ana, "offer"), (ana, "need")}
    assert keys == []
    assert mine not in (await h.invoke(theirs, "members match")).text


async def test_merge_moves_tags_introductions_and_keeps_the_quarter_limit(h: Harness) -> None:
    matrix = await second_platform(h)
    await _visible(h, "zoe", needs="mécénat", offers="diffusion")
    await matrix.invoke("@zoe:mx", "me edit", field="needs", value="Mécénat, financement")
    await matrix.invoke("@zoe:mx", "me edit", field="directory", value="visible")
    await _visible(h, "ana", offers="financement")
    await h.core.invoke(matrix.actor("@zoe:mx"), matrix.room, "members introduce", {"name": "ana"})
    zoe_mx = await member_id(h, "@zoe:mx", "matrix")
    asked = h.clock.now()
    async with h.db.session() as s:  # the Matrix account got a freshness DM just now
        fresh = await s.get(OnboardingFreshness, zoe_mx)
        assert fresh is not None
        fresh.asked_at = asked
        s.add(fresh)
    code = re.search(r"\*\*(\w+)\*\*", (await matrix.invoke("@zoe:mx", "me link")).text)
    assert code is not None
    assert (await h.invoke("zoe", "me link", code=code.group(1))).tone == "success"
    zoe = await member_id(h, "zoe")
    profile = (await h.invoke("zoe", "me profile")).plain_text()
    assert "mécénat, financement" in profile and "diffusion" in profile
    async with h.db.session() as s:
        tags = list(await s.exec(select(OnboardingReachTag)))
        [intro] = list(await s.exec(select(OnboardingIntroduction)))
        assert await s.get(OnboardingFreshness, zoe_mx) is None
        kept = await s.get(OnboardingFreshness, zoe)
    assert kept is not None and kept.asked_at == asked  # no second DM within the quarter
    assert {t.member_id for t in tags if t.kind == "need"} == {zoe}
    assert len([t for t in tags if t.member_id == zoe and t.kind == "need"]) == 2
    assert intro.asker_id == zoe
    # The request made from Matrix is now the kept member's: asking again is a duplicate.
    again = await invoke(h, "zoe", "members introduce", name="ana")
    assert again.tone == "error" and "attend sa réponse" in again.text
