"""My data: export, forget (proved by searching every table), identity linking."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, or_, select
from sqlmodel import select as sm_select

from bot.adapters.memory import MemoryAdapter
from bot.core.events import MembersMerged
from bot.storage.models import Identity, Member
from bot.storage.registry import import_all_models
from tests.cogs.onboarding.conftest import member_id
from tests.harness import Harness

#: Integer columns that name a member, whatever the cog (author_id, host_member_id…).
MEMBER_COLUMN = re.compile(
    r"^(member_id|.+_member_id|author_id|owner_id|user_id|voter_id|host_id|created_by|"
    r"kept|merged|shared_by|added_by)$"
)


async def rows_about(h: Harness, ids: set[int], external_ids: set[str]) -> list[str]:
    """Every row, in every table of every cog present, that refers to the ids: integer
    columns naming a member (or a foreign key to core_member), and text containing an
    external id."""
    metadata = import_all_models().metadata
    found: list[str] = []
    async with h.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            conditions: list[Any] = []
            for column in table.columns:
                refs_member = any(
                    fk.column.table.name == "core_member" for fk in column.foreign_keys
                )
                is_member_id = table.name == "core_member" and column.name == "id"
                if isinstance(column.type, Integer) and (
                    refs_member or is_member_id or MEMBER_COLUMN.match(column.name)
                ):
                    conditions.append(column.in_(sorted(ids)))
                elif isinstance(column.type, String | Text):
                    conditions.extend(column.contains(e, autoescape=True) for e in external_ids)
            if not conditions:
                continue
            for row in await conn.execute(select(table).where(or_(*conditions))):
                found.append(f"{table.name}: {dict(row._mapping)}")
    return found


async def second_platform(h: Harness, platform: str = "matrix") -> MemoryAdapter:
    adapter = MemoryAdapter(platform)
    h.core.add_adapter(adapter)
    await adapter.start(h.core)
    return adapter


async def _onboard(h: Harness, adapter: MemoryAdapter, name: str) -> None:
    await adapter.member_joins(name)
    await adapter.invoke(name, "onboarding accept")
    for field, value in (
        ("organisation", f"Compagnie {name}"),
        ("region", "Bretagne"),
        ("interests", f"médiation, {name}-tag"),
        ("notifications", "24h"),
        ("welcome", "oui"),
        ("directory", "visible"),
    ):
        reply = await adapter.invoke(name, "me edit", field=field, value=value)
        assert reply.tone == "success", reply.text


async def test_export_holds_everything_in_the_documented_shape(h: Harness) -> None:
    await _onboard(h, h.adapter, "zoe")
    await h.invoke("zoe", "me link")
    reply = await h.invoke("zoe", "me export")
    [attachment] = reply.attachments
    assert attachment.mime == "application/json" and attachment.filename.endswith(".json")
    data = json.loads(attachment.data)
    assert data["format"] == "passerelle.member-export" and data["version"] == 1
    assert data["member"]["display_name"] == "zoe"
    assert data["identities"] == [
        {
            "platform": "memory",
            "external_id": "zoe",
            "display_name": "zoe",
            "created_at": data["identities"][0]["created_at"],
            "last_seen_at": data["identities"][0]["last_seen_at"],
        }
    ]
    onboarding = data["cogs"]["onboarding"]
    assert onboarding["profile"]["organisation"] == "Compagnie zoe"
    assert onboarding["profile"]["directory_visible"] is True
    assert onboarding["interests"] == ["médiation", "zoe-tag"]
    assert onboarding["flow"]["code_of_conduct_accepted_at"] is not None
    assert len(data["link_codes"]) == 1  # a core right: the core exports the codes
    assert any(m["key"].endswith(":nudge:1") for m in data["messages"])


async def test_forget_leaves_no_row_about_the_member_in_any_table(h: Harness) -> None:
    matrix = await second_platform(h)
    mine = "zoé-oubli-4417"
    theirs = "bob-reste-9001"
    await _onboard(h, h.adapter, mine)
    await _onboard(h, h.adapter, theirs)
    await matrix.invoke(f"@{mine}:example.org", "me edit", field="organisation", value="Autre")
    code = re.search(r"\*\*(\w+)\*\*", (await h.invoke(mine, "me link")).text)
    assert code is not None
    reply = await matrix.invoke(f"@{mine}:example.org", "me link", code=code.group(1))
    assert reply.tone == "success", reply.text
    await h.invoke(mine, "me link")  # a pending code
    await h.deliver()  # welcome DMs and welcome posts sent
    zoe = await member_id(h, mine)
    ids = {zoe}
    externals = {mine, f"@{mine}:example.org"}
    assert await rows_about(h, ids, externals)  # the search does see the member's rows
    reply = await h.invoke(mine, "me forget", confirm=True)
    assert reply.tone == "success"
    assert await rows_about(h, ids, externals) == []
    # The other member lost nothing.
    bob = await member_id(h, theirs)
    assert len(await rows_about(h, {bob}, {theirs})) >= 5
    card = await h.core.invoke(
        h.adapter.actor("ana"), h.adapter.room, "members show", {"name": theirs}
    )
    assert "Compagnie bob-reste-9001" in card.plain_text()


async def test_linking_two_platforms_makes_one_member(h: Harness) -> None:
    merged_events: list[MembersMerged] = []

    async def record(event: MembersMerged) -> None:
        # Emitted before the merged row is deleted: a listener can still move its rows.
        assert await h.core.members.get(event.merged) is not None
        merged_events.append(event)

    h.core.events.subscribe(MembersMerged, record)
    matrix = await second_platform(h)
    await _onboard(h, h.adapter, "zoe")
    zoe = await member_id(h, "zoe")
    await matrix.invoke("@zoe:mx", "me edit", field="timezone", value="America/Montreal")
    await matrix.invoke("@zoe:mx", "me edit", field="region", value="Québec")
    await matrix.invoke("@zoe:mx", "me edit", field="interests", value="Médiation, radio")
    zoe_mx = await member_id(h, "@zoe:mx", "matrix")
    reply = await matrix.invoke("@zoe:mx", "me link")
    code = re.search(r"\*\*(\w+)\*\*", reply.text)
    assert code is not None and "me link code:" in reply.text
    same = await h.invoke("zoe", "me link", code=code.group(1).lower())
    assert same.tone == "success", same.text
    assert "Profil" in same.text  # how the conflict was resolved
    assert merged_events == [MembersMerged(zoe, zoe_mx)]
    async with h.db.session() as s:
        assert await s.get(Member, zoe_mx) is None
        identities = list(await s.exec(sm_select(Identity).where(Identity.member_id == zoe)))
    assert {i.platform for i in identities} == {"memory", "matrix"}
    profile = (await matrix.invoke("@zoe:mx", "me profile")).plain_text()
    assert "Compagnie zoe" in profile and "Bretagne" in profile  # the kept member's fields
    assert "America/Montreal" in profile  # filled from the other account
    assert "radio" in profile and profile.count("médiation") + profile.count("Médiation") == 1
    # The code was used once.
    again = await h.invoke("zoe", "me link", code=code.group(1))
    assert again.tone == "error" and "Code inconnu" in again.text


async def test_link_codes_expire_and_need_the_other_platform(h: Harness) -> None:
    matrix = await second_platform(h)
    reply = await h.invoke("zoe", "me link")
    code = re.search(r"\*\*(\w+)\*\*", reply.text)
    assert code is not None
    own = await h.invoke("zoe", "me link", code=code.group(1))
    assert own.tone == "error" and "propre compte" in own.text
    other = await h.invoke("yann", "me link", code=code.group(1))
    assert other.tone == "error" and "autre plateforme" in other.text
    h.clock.advance(timedelta(minutes=16))
    late = await matrix.invoke("@zoe:mx", "me link", code=code.group(1))
    assert late.tone == "error" and "expiré" in late.text
    assert await member_id(h, "zoe") != await member_id(h, "@zoe:mx", "matrix")
