"""The dashboard's onboarding counts (one statement, each step from its index, a different
plan per database) against plain counts of the rows, with every step missing somewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import col, select

from bot.storage.db import Database
from bot.storage.models import Member
from cogs.onboarding import queries
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
STAMPS = ("joined_at", "started_at", "coc_accepted_at", "profile_at", "completed_at")


async def test_overview_counts_match_plain_counts(db_url: str) -> None:
    db = Database(db_url)
    try:
        people, flows, profiles = [], [], []
        for i in range(1, 61):
            people.append(
                {"id": i, "display_name": f"m{i}", "created_at": NOW, "last_seen_at": NOW}
            )
            # Each stamp is missing on its own pattern of flows (none is "all or nothing").
            flow = {name: None if i % (n + 2) == 0 else NOW for n, name in enumerate(STAMPS)}
            flows.append({"member_id": i, "step": "", "updated_at": NOW, **flow})
            if i % 3:
                profiles.append(
                    {
                        "member_id": i,
                        "visible": i % 4 == 0,
                        "search_key": "",
                        "updated_at": NOW - timedelta(days=100 * (i % 7)),
                    }
                )
        async with db.session() as s:
            await s.exec(insert(Member), params=people)  # type: ignore[call-overload]
            await s.exec(insert(OnboardingFlow), params=flows)  # type: ignore[call-overload]
            await s.exec(insert(OnboardingProfile), params=profiles)  # type: ignore[call-overload]
        since = NOW - timedelta(days=365)
        async with db.read() as conn:
            counted = await queries.overview_counts(conn, since)
        expected = (
            *(sum(f[name] is not None for f in flows) for name in STAMPS),
            len(profiles),
            sum(p["updated_at"] >= since for p in profiles),
            sum(bool(p["visible"]) for p in profiles),
        )
        assert counted == expected
        assert len(set(expected[:5])) == 5  # the five steps really differ
        async with db.session() as s:  # and the rows agree with the Python lists
            assert (await s.exec(select(func.count(col(OnboardingFlow.profile_at))))).one() == (
                expected[3]
            )
    finally:
        await db.dispose()
