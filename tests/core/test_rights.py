"""The member's rights are core built-ins: ``me export | forget | link``, ``language`` and
``timezone`` work with no cog enabled, and the ``me`` group stays open to cogs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated

import pytest
from sqlmodel import select

from bot.adapters.memory import MemoryAdapter
from bot.config import load_settings
from bot.core.cog import Cog
from bot.core.commands import Opt, SpecError, command
from bot.core.events import MembersMerged
from bot.core.invocation import Invocation
from bot.core.refs import MemberRef
from bot.core.reply import Reply
from bot.core.rights import PreferenceChanged
from bot.storage.models import Identity, LinkAttempt, LinkCode, Member, OutboxMessage
from tests.harness import Harness, make_harness


async def member_id(h: Harness, name: str, platform: str = "memory") -> int:
    return (await h.core.members.resolve(MemberRef(platform, name, name))).id


async def second_platform(h: Harness) -> MemoryAdapter:
    adapter = MemoryAdapter("matrix")
    h.core.add_adapter(adapter)
    await adapter.start(h.core)
    return adapter


def test_no_cog_is_enabled(harness: Harness) -> None:
    assert list(harness.core.cogs) == ["core"]
    assert {"me export", "me forget", "me link", "me language", "me timezone"} <= {
        s.path for s in harness.core.catalogue
    }


async def test_me_export_with_no_cog(harness: Harness) -> None:
    await harness.invoke("zoe", "timezone", zone="Europe/Paris")
    await harness.invoke("zoe", "me link")
    reply = await harness.invoke("zoe", "me export")
    [attachment] = reply.attachments
    assert attachment.mime == "application/json"
    data = json.loads(attachment.data)
    assert data["format"] == "passerelle.member-export" and data["version"] == 1
    assert data["member"]["display_name"] == "zoe"
    assert data["member"]["timezone"] == "Europe/Paris"
    assert [i["external_id"] for i in data["identities"]] == ["zoe"]
    assert [c["platform"] for c in data["link_codes"]] == ["memory"]
    assert data["cogs"] == {}


async def test_me_forget_with_no_cog(harness: Harness) -> None:
    matrix = await second_platform(harness)
    zoe = await member_id(harness, "zoe")
    await harness.invoke("zoe", "me link")  # a pending code
    await matrix.invoke("@zoe:mx", "me link", code="ZZZZZZZZZZ")  # a wrong try, on another id
    await harness.core.outbox.enqueue("test:zoe", harness.clock.now(), member_id=zoe)
    ask = await harness.invoke("zoe", "me forget")
    assert ask.tone == "warning" and "confirm:true" in ask.text
    assert [a.command for a in ask.actions] == ["me forget"]
    async with harness.db.session() as s:
        assert await s.get(Member, zoe) is not None  # nothing erased without confirmation
    done = await harness.invoke("zoe", "me forget", confirm=True)
    assert done.tone == "success" and "Au revoir" in done.text
    async with harness.db.session() as s:
        assert await s.get(Member, zoe) is None
        assert list(await s.exec(select(Identity).where(Identity.member_id == zoe))) == []
        assert list(await s.exec(select(LinkCode).where(LinkCode.member_id == zoe))) == []
        assert (
            list(await s.exec(select(OutboxMessage).where(OutboxMessage.key == "test:zoe"))) == []
        )
        others = list(await s.exec(select(LinkAttempt)))
    assert len(others) == 1 and others[0].member_id != zoe  # the other member's try stays


async def test_me_link_with_no_cog(harness: Harness) -> None:
    merged_events: list[MembersMerged] = []

    async def record(event: MembersMerged) -> None:
        merged_events.append(event)

    harness.core.events.subscribe(MembersMerged, record)
    matrix = await second_platform(harness)
    zoe = await member_id(harness, "zoe")
    await matrix.invoke("@zoe:mx", "timezone", zone="America/Montreal")
    zoe_mx = await member_id(harness, "@zoe:mx", "matrix")
    await matrix.invoke("@zoe:mx", "me link", code="ZZZZZZZZZZ")  # one wrong try, counted
    reply = await harness.invoke("zoe", "me link")
    code = re.search(r"\*\*(\w+)\*\*", reply.text)
    assert code is not None and "me link code:" in reply.text
    linked = await matrix.invoke("@zoe:mx", "me link", code=code.group(1))
    assert linked.tone == "success", linked.text
    assert "un seul membre" in linked.text
    assert merged_events == [MembersMerged(zoe, zoe_mx)]
    async with harness.db.session() as s:
        assert await s.get(Member, zoe_mx) is None
        kept = await s.get(Member, zoe)
        identities = list(await s.exec(select(Identity).where(Identity.member_id == zoe)))
        attempts = list(await s.exec(select(LinkAttempt)))
    assert kept is not None and kept.timezone == "America/Montreal"  # filled from the other
    assert {i.platform for i in identities} == {"memory", "matrix"}
    assert [a.member_id for a in attempts] == [zoe]  # the wrong try counts for the kept member


async def test_language_and_timezone_have_one_write_path(harness: Harness) -> None:
    seen: list[PreferenceChanged] = []

    async def record(event: PreferenceChanged) -> None:
        seen.append(event)

    harness.core.events.subscribe(PreferenceChanged, record)
    zoe = await member_id(harness, "zoe")
    short = await harness.invoke("zoe", "language", lang="en")
    long = await harness.invoke("zoe", "me language", lang="en")
    assert short.text == long.text == "Noted: I will answer you in English from now on."
    zone = await harness.invoke("zoe", "me timezone", zone="america/montreal")
    assert zone.tone == "success" and "America/Montreal" in zone.text
    await harness.invoke("zoe", "timezone", zone="Europe/Paris")
    bad = await harness.invoke("zoe", "me timezone", zone="Mars/Olympus")
    assert bad.tone == "error"
    assert seen == [
        PreferenceChanged(zoe, "language", "en"),
        PreferenceChanged(zoe, "language", "en"),
        PreferenceChanged(zoe, "timezone", "America/Montreal"),
        PreferenceChanged(zoe, "timezone", "Europe/Paris"),
    ]
    member = await harness.core.members.get(zoe)
    assert member is not None and (member.locale, member.timezone) == ("en", "Europe/Paris")


# --- the me group stays open ---------------------------------------------------------------------


class Calendar(Cog, name="calendar"):
    """A cog that adds its own ``me …`` command without owning the group."""

    @command("calendar", group="me")
    async def me_calendar(
        self, inv: Invocation, days: Annotated[int, Opt("Combien de jours", min=1, max=30)] = 7
    ) -> Reply:
        """Voir mon agenda."""
        return Reply(text=f"agenda de {inv.member.display_name} sur {days} jours", private=True)


async def test_a_cog_adds_a_me_command_without_owning_the_group(harness: Harness) -> None:
    harness.core.add_cog(Calendar(harness.core))
    me = {s.path: s.cog for s in harness.core.catalogue.groups["me"]}
    assert me["me calendar"] == "calendar" and me["me export"] == "core"
    reply = await harness.reply("zoe", "!me calendar days:3")
    assert reply.text == "agenda de zoe sur 3 jours"
    help_me = await harness.say("zoe", "!help me")
    assert help_me is not None
    for path in ("me calendar", "me export", "me forget", "me link"):
        assert f"!{path}`" in help_me.text
    overview = await harness.say("zoe", "!help")
    assert overview is not None
    line = next(x for x in overview.text.splitlines() if x.startswith("- `!me`"))
    assert "calendar" in line and "export" in line  # one group, commands of both


async def test_two_cogs_cannot_declare_the_same_me_command(harness: Harness) -> None:
    class Thief(Cog, name="thief"):
        @command("export", group="me")
        async def me_export(self, inv: Invocation) -> Reply:
            """Exporter autrement."""
            return Reply(text="?")

    with pytest.raises(SpecError):
        harness.core.add_cog(Thief(harness.core))


async def test_link_code_minutes_is_honoured_with_onboarding_disabled(db_url: str) -> None:
    """The key stays in ``[cogs.onboarding]``; the core reads it even when that cog is off."""
    settings = load_settings(None, cogs={"enabled": [], "onboarding": {"link_code_minutes": 5}})
    h = await make_harness(db_url, settings=settings)
    try:
        assert list(h.core.cogs) == ["core"]
        await h.invoke("zoe", "me link")
        async with h.db.session() as s:
            [code] = list(await s.exec(select(LinkCode)))
        assert code.expires_at - code.created_at == timedelta(minutes=5)
    finally:
        await h.core.stop()
        await h.db.dispose()
