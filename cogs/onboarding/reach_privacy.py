"""The privacy part of needs, offers, introductions and freshness reminders (called from
``privacy.py``): what ``me export`` shows, what ``me forget`` deletes, what a merge moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.onboarding import needs
from cogs.onboarding.models import (
    OnboardingFreshness,
    OnboardingIntroduction,
    OnboardingReachTag,
)


def _iso(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def _involving(member_id: int) -> Any:
    return or_(
        col(OnboardingIntroduction.asker_id) == member_id,
        col(OnboardingIntroduction.target_id) == member_id,
    )


async def export(s: AsyncSession, member_id: int, names: dict[int, str]) -> dict[str, Any]:
    """Needs, offers, introductions (with the other person's name only) and reminders."""
    wanted, offered = await needs.labels(s, member_id)
    intros = list(
        await s.exec(
            select(OnboardingIntroduction)
            .where(_involving(member_id))
            .order_by(col(OnboardingIntroduction.id))
        )
    )
    fresh = await s.get(OnboardingFreshness, member_id)
    return {
        "needs": wanted,
        "offers": offered,
        "introductions": [
            {
                "id": i.id,
                "role": "asked" if i.asker_id == member_id else "was_asked",
                "other": names.get(i.target_id if i.asker_id == member_id else i.asker_id),
                "status": i.status,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "answered_at": _iso(i.answered_at),
            }
            for i in intros
        ],
        "profile_refresh": None
        if fresh is None
        else {"last_reminder_at": _iso(fresh.asked_at), "next_due": _iso(fresh.scheduled_for)},
    }


async def others(s: AsyncSession, member_id: int) -> set[int]:
    """The people in the member's introductions (their names go into the export)."""
    return {
        x
        for i in await s.exec(select(OnboardingIntroduction).where(_involving(member_id)))
        for x in (i.asker_id, i.target_id)
    } - {member_id}


async def intro_threads(s: AsyncSession, member_id: int) -> list[tuple[int, int]]:
    """(the other person, introduction id) for each introduction involving the member: the
    other person's DMs about it name the member (their outbox keys are purged on forget)."""
    return [
        (i.target_id if i.asker_id == member_id else i.asker_id, i.id)
        for i in await s.exec(select(OnboardingIntroduction).where(_involving(member_id)))
        if i.id is not None
    ]


async def forget(s: AsyncSession, member_id: int) -> None:
    await s.exec(delete(OnboardingReachTag).where(col(OnboardingReachTag.member_id) == member_id))
    await s.exec(delete(OnboardingIntroduction).where(_involving(member_id)))
    await s.exec(
        delete(OnboardingFreshness).where(col(OnboardingFreshness.member_id) == member_id)
    )


async def merge(s: AsyncSession, kept: int, merged: int) -> None:
    """Tags move (one of each per list); introductions move (one between the two accounts is
    dropped); the latest freshness reminder wins (the quarter limit holds for the person)."""
    have = {(t.kind, t.key) for t in await needs.rows_of(s, kept)}
    for tag in await needs.rows_of(s, merged):
        if (tag.kind, tag.key) in have:
            await s.delete(tag)
        else:
            tag.member_id = kept
            s.add(tag)
    for intro in await s.exec(select(OnboardingIntroduction).where(_involving(merged))):
        asker = kept if intro.asker_id == merged else intro.asker_id
        target = kept if intro.target_id == merged else intro.target_id
        if asker == target:
            await s.delete(intro)
        else:
            intro.asker_id, intro.target_id = asker, target
            s.add(intro)
    a = await s.get(OnboardingFreshness, kept)
    b = await s.get(OnboardingFreshness, merged)
    if b is not None:
        if a is not None and b.asked_at and (a.asked_at is None or b.asked_at > a.asked_at):
            a.asked_at = b.asked_at
            a.scheduled_for = None  # rescheduled by the profile update that follows
            s.add(a)
        elif a is None:
            s.add(OnboardingFreshness(member_id=kept, asked_at=b.asked_at))
        await s.delete(b)
