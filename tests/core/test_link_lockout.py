"""``me link`` resists guessing: long codes, a lock-out per member, a limit per code.

``me link`` is a core right: these run with no cog enabled, and with onboarding (which used to
own it)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.adapters.memory import MemoryAdapter
from bot.core.refs import MemberRef
from bot.core.rights import CODE_ALPHABET, CODE_HANDLE
from bot.storage.models import LinkAttempt, LinkCode
from tests.harness import Harness, make_harness


@pytest.fixture(params=[[], ["onboarding"]], ids=["no-cog", "onboarding"])
async def h(db_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    harness = await make_harness(db_url, cogs=request.param)
    yield harness
    await harness.core.stop()
    await harness.db.dispose()


async def member_id(h: Harness, name: str, platform: str = "memory") -> int:
    return (await h.core.members.resolve(MemberRef(platform, name, name))).id


async def second_platform(h: Harness) -> MemoryAdapter:
    adapter = MemoryAdapter("matrix")
    h.core.add_adapter(adapter)
    await adapter.start(h.core)
    return adapter


async def new_code(h: Harness, name: str = "zoe") -> str:
    reply = await h.invoke(name, "me link")
    found = re.search(r"\*\*(\w+)\*\*", reply.text)
    assert found is not None, reply.text
    return found.group(1)


def wrong_secret(code: str) -> str:
    """The same handle (it finds the code) with a different secret part."""
    last = code[-1]
    return code[:-1] + next(c for c in CODE_ALPHABET if c != last)


async def test_codes_are_ten_unambiguous_characters(h: Harness) -> None:
    codes = {await new_code(h, f"m{i}") for i in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == 10 and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("01OIL")
    assert len({c[:CODE_HANDLE] for c in codes}) == 20  # each handle names one code


async def test_five_wrong_codes_lock_a_member_out_for_fifteen_minutes(h: Harness) -> None:
    matrix = await second_platform(h)
    code = await new_code(h)
    for i in range(5):
        guess = await matrix.invoke("@mallory:mx", "me link", code=f"ZZZZZZZZZ{CODE_ALPHABET[i]}")
        assert guess.tone == "error" and "Code inconnu" in guess.text
    # Even the right code is refused now: the lock-out does not tell good from bad.
    locked = await matrix.invoke("@mallory:mx", "me link", code=code)
    assert locked.tone == "error" and "Trop de codes erronés" in locked.text
    assert "15 min" in locked.text
    assert await member_id(h, "zoe") != await member_id(h, "@mallory:mx", "matrix")
    # Other members are not affected.
    other = await matrix.invoke("@zoe:mx", "me link", code="ZZZZZZZZZZ")
    assert "Code inconnu" in other.text
    h.clock.advance(timedelta(minutes=10))
    still = await matrix.invoke("@mallory:mx", "me link", code="ZZZZZZZZZZ")
    assert "réessayez dans 5 min" in still.text
    await matrix.invoke("@mallory:mx", "language", lang="en")
    english = await matrix.invoke("@mallory:mx", "me link", code="ZZZZZZZZZZ")
    assert "Too many wrong codes" in english.text
    h.clock.advance(timedelta(minutes=6))
    again = await matrix.invoke("@mallory:mx", "me link", code="ZZZZZZZZZZ")
    assert "Unknown code" in again.text


async def test_a_code_dies_after_five_wrong_tries_from_any_accounts(h: Harness) -> None:
    matrix = await second_platform(h)
    code = await new_code(h)
    for i in range(5):  # five accounts, one guess each: no per-member lock-out applies
        reply = await matrix.invoke(f"@sybil{i}:mx", "me link", code=wrong_secret(code))
        assert "Code inconnu" in reply.text
    async with h.db.session() as s:
        assert list(await s.exec(select(LinkCode))) == []
    late = await matrix.invoke("@zoe:mx", "me link", code=code)
    assert late.tone == "error" and "Code inconnu" in late.text
    # Four wrong tries leave a fresh code usable.
    code = await new_code(h)
    for i in range(4):
        await matrix.invoke(f"@other{i}:mx", "me link", code=wrong_secret(code))
    ok = await matrix.invoke("@zoe:mx", "me link", code=code.lower())
    assert ok.tone == "success", ok.text


async def test_wrong_tries_are_recorded_and_forgotten_with_the_member(h: Harness) -> None:
    matrix = await second_platform(h)
    await matrix.invoke("@ana:mx", "me link", code="ABC")
    ana = await member_id(h, "@ana:mx", "matrix")
    async with h.db.session() as s:
        rows = list(await s.exec(select(LinkAttempt)))
    assert [r.member_id for r in rows] == [ana]
    await matrix.invoke("@ana:mx", "me forget", confirm=True)
    async with h.db.session() as s:
        assert list(await s.exec(select(LinkAttempt))) == []
