"""Profile freshness: one gentle DM per due date, at most one a quarter, "still right"."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.models import Member
from cogs.onboarding.cog import Onboarding
from cogs.onboarding.models import OnboardingProfile
from tests.cogs.onboarding.conftest import member_id, onboarding_harness
from tests.harness import Harness

YEAR = timedelta(days=365)


def _refresh_dms(h: Harness, name: str) -> list[str]:
    return [d.text for d in h.adapter.dms(name) if "toujours juste" in d.text.lower()]


async def test_one_dm_when_due_then_at_most_once_a_quarter(h: Harness) -> None:
    await h.invoke("zoe", "me edit", field="needs", value="diffusion")
    h.clock.advance(YEAR - timedelta(days=1))
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(days=1, minutes=1))
    await h.deliver()
    [dm] = _refresh_dms(h, "zoe")
    assert "Votre profil n'a pas changé depuis le" in dm and "cherche : diffusion" in dm
    assert "me edit field:" in dm
    labels = [a.label for a in h.adapter.dms("zoe")[-1].reply.actions]
    assert labels[0] == "Toujours juste" and labels[-1] == "Voir mon profil"
    assert "Modifier : Je cherche" in labels
    edits = [a for a in h.adapter.dms("zoe")[-1].reply.actions if a.command == "me edit"]
    assert edits and all(dict(a.args).get("field") for a in edits)  # each carries its field
    # Delivering again sends nothing twice; a month later, nothing either.
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(days=60))
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(days=30))
    assert (await h.deliver()).sent == 0
    # Still untouched a quarter after the DM (4 January → 4 April): one more, gently.
    h.clock.advance(timedelta(days=1, minutes=1))
    await h.deliver()
    assert len(_refresh_dms(h, "zoe")) == 2


async def test_still_right_moves_the_stamp_and_editing_postpones(h: Harness) -> None:
    await h.invoke("zoe", "me edit", field="region", value="Bretagne")
    h.clock.advance(timedelta(days=200))
    await h.invoke("zoe", "me edit", field="offers", value="prêt de matériel")
    h.clock.advance(timedelta(days=200))
    assert (await h.deliver()).sent == 0  # 12 months from the last edit, not the first
    h.clock.advance(timedelta(days=166))
    await h.deliver()
    [dm] = h.adapter.dms("zoe")
    reply = await h.adapter.click("zoe", dm.reply.actions[0])
    assert reply.tone == "success" and "Votre profil est confirmé" in reply.text
    zoe = await member_id(h, "zoe")
    async with h.db.session() as s:
        profile = await s.get(OnboardingProfile, zoe)
    assert profile is not None and profile.updated_at == h.clock.now()
    h.clock.advance(timedelta(days=364))
    assert (await h.deliver()).sent == 0
    h.clock.advance(timedelta(days=1, minutes=1))
    await h.deliver()
    assert len(h.adapter.dms("zoe")) == 2


async def test_quarter_limit_holds_with_a_short_period(db_url: str) -> None:
    async with await onboarding_harness(db_url, refresh_after="30d") as h:
        await h.invoke("zoe", "me edit", field="region", value="Corse")
        h.clock.advance(timedelta(days=30, minutes=1))
        await h.deliver()
        assert len(h.adapter.dms("zoe")) == 1
        await h.invoke("zoe", "me uptodate")
        # The profile is due again 30 days later, but the last DM was less than a quarter ago.
        h.clock.advance(timedelta(days=31))
        assert (await h.deliver()).sent == 0
        h.clock.advance(timedelta(days=57))  # 2 May: still within the quarter (3 Feb → 3 May)
        assert (await h.deliver()).sent == 0
        h.clock.advance(timedelta(days=1, minutes=1))
        await h.deliver()
        assert len(h.adapter.dms("zoe")) == 2


async def test_profiles_from_before_are_caught_up_and_off_means_never(db_url: str) -> None:
    async with await onboarding_harness(db_url) as h:
        await h.core.drain()  # the catch-up at start is done before the profile is made
        old = await member_id(h, "old")
        async with h.db.session() as s:
            s.add(OnboardingProfile(member_id=old, region="Corse", updated_at=h.clock.now()))
        cog = h.core.cogs["onboarding"]
        assert isinstance(cog, Onboarding)
        assert await cog.service.freshness.catch_up() == 1
        assert await cog.service.freshness.catch_up() == 0
        h.clock.advance(YEAR + timedelta(minutes=1))
        await h.deliver()
        assert len(h.adapter.dms("old")) == 1
        # The bot is down when the next one falls due, for longer than the outbox's grace:
        # at the next start the reminder is re-queued for now instead of being lost.
        h.clock.advance(timedelta(days=100))
        assert await cog.service.freshness.catch_up() == 1
        await h.deliver()
        assert len(h.adapter.dms("old")) == 2
        assert await cog.service.freshness.catch_up() == 0
    async with await onboarding_harness(db_url, refresh_after="off") as h:
        await h.invoke("zoe", "me edit", field="region", value="Corse")
        h.clock.advance(3 * YEAR)
        assert (await h.deliver()).sent == 0
        reply = await h.invoke("zoe", "me uptodate")
        assert reply.tone == "success" and "rappel" not in reply.text


async def test_uptodate_without_profile_and_bad_config(db_url: str) -> None:
    import pytest

    async with await onboarding_harness(db_url) as h:
        reply = await h.invoke("new", "me uptodate")
        assert reply.tone == "error" and "pas encore de profil" in reply.text
        async with h.db.session() as s:
            assert await s.get(Member, await member_id(h, "new")) is not None
    with pytest.raises(Exception, match="12 months"):
        await onboarding_harness(db_url, refresh_after="bientôt")


async def test_the_next_start_queues_profiles_made_while_reminders_were_off(db_url: str) -> None:
    async with await onboarding_harness(db_url, refresh_after="off") as h:
        await h.invoke("zoe", "me edit", field="region", value="Corse")
        start = h.clock.now()
    async with await onboarding_harness(db_url) as h:
        h.clock.set(start)
        await h.core.drain()  # the catch-up runs in the background at start
        h.clock.advance(YEAR + timedelta(minutes=1))
        await h.deliver()
        assert len(h.adapter.dms("zoe")) == 1


async def test_no_reminder_for_a_member_who_left(h: Harness) -> None:
    await h.adapter.member_joins("zoe")
    await h.invoke("zoe", "me edit", field="region", value="Corse")
    await h.deliver()
    sent = len(h.adapter.dms("zoe"))
    await h.adapter.member_leaves("zoe")
    h.clock.advance(YEAR + timedelta(minutes=1))
    await h.deliver()
    assert len(h.adapter.dms("zoe")) == sent
