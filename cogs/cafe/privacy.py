"""The café's part of members' privacy rights: export, forget, merge (``PrivacyHooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, delete, select, update

from bot.core.privacy import MergeNote
from cogs.cafe import leaderboard_queries, programme_queries, queries, questions_queries
from cogs.cafe.domain import REGISTERED
from cogs.cafe.models import CafePreference, CafeReport, CafeSession, CafeSharedLink

if TYPE_CHECKING:
    from bot.storage.db import Database
    from cogs.cafe.registration import Registration
    from cogs.cafe.reminders import Reminders


class CafePrivacy:
    def __init__(self, *, db: Database, reminders: Reminders, registration: Registration) -> None:
        self.db = db
        self.reminders = reminders
        self.registration = registration

    async def export(self, member_id: int) -> dict[str, Any] | None:
        async with self.db.session() as s:
            regs = await queries.registrations_of(s, member_id)
            pref = await s.get(CafePreference, member_id)
            prepared = await programme_queries.created_by(s, member_id)
            hosted = list(
                await s.exec(select(CafeSession).where(col(CafeSession.started_by) == member_id))
            )
            links = list(
                await s.exec(select(CafeSharedLink).where(CafeSharedLink.member_id == member_id))
            )
            pseudonyms = await leaderboard_queries.pseudonyms_by_member(s, member_id)
            asked = await questions_queries.asked_by(s, member_id)
            supported = await questions_queries.supported_by(s, member_id)
        exported: dict[str, Any] = {
            "registrations": [
                {
                    "occurrence": r.occurrence_id,
                    "status": r.status,
                    "registered_at": r.created_at.isoformat(),
                    "checked_in_at": r.checked_in_at.isoformat() if r.checked_in_at else None,
                    "confirmed_at": r.confirmed_at.isoformat() if r.confirmed_at else None,
                }
                for r in regs
            ],
            "reminders": pref.offsets if pref else "default",
        }
        if pref is not None and not pref.reports:  # ``me reports enabled:false``
            exported["missed_cafe_reports"] = False
        if links:  # links they posted in a café's room during its session (its report)
            exported["shared_links"] = [
                {"occurrence": x.occurrence_id, "url": x.url, "at": x.shared_at.isoformat()}
                for x in links
            ]
        if prepared:  # programme activities they prepared (``cafe programme add``/``copy``)
            exported["programme_activities"] = [
                {
                    "occurrence": a.occurrence_id,
                    "position": a.position,
                    "kind": a.kind,
                    "question": a.question,
                    "created_at": a.created_at.isoformat(),
                }
                for a in prepared
            ]
        if hosted:  # live sessions they started (``cafe start``)
            exported["sessions_started"] = [
                {"occurrence": h.occurrence_id, "started_at": h.started_at.isoformat()}
                for h in hosted
            ]
        if asked:  # questions from the floor they asked (their own, anonymous ones included)
            exported["questions_asked"] = [
                {
                    "occurrence": a.occurrence_id,
                    "number": a.number,
                    "text": a.text,
                    "anonymous": a.anonymous,
                    "status": a.status,
                    "asked_at": a.asked_at.isoformat(),
                    "answered_at": a.answered_at.isoformat() if a.answered_at else None,
                }
                for a in asked
            ]
        if supported:
            exported["questions_supported"] = [
                {"occurrence": occurrence, "number": number} for occurrence, number in supported
            ]
        if pseudonyms:  # names chosen for a café's leaderboard (``cafe pseudo``)
            exported["pseudonyms"] = [
                {
                    "occurrence": p.occurrence_id,
                    "name": p.name,
                    "chosen_at": p.created_at.isoformat(),
                }
                for p in pseudonyms
            ]
        return exported

    async def forget(self, member_id: int) -> None:
        """Delete the member's registrations, preference, pseudonyms and question supports, and
        unname the programme activities they prepared and the questions they asked. Each seat
        they held frees up exactly as if they had left: the waitlist is promoted (and told by
        DM)."""
        async with self.db.session() as s:
            seats = await queries.seats_of(s, member_id, REGISTERED)
            await queries.delete_registrations_of(s, member_id)
            await queries.delete_preference(s, member_id)
            await leaderboard_queries.forget(s, member_id)
            # The activities stay in their café's programme; they no longer name anyone.
            await programme_queries.reassign_creator(s, member_id, None)
            await s.exec(
                update(CafeSession)
                .where(col(CafeSession.started_by) == member_id)
                .values(started_by=None)
            )
            await questions_queries.forget_member(s, member_id)
            # Reports are built from the database when shown: without these rows (and the
            # registrations and ballots other hooks delete), no report names them any more.
            await s.exec(delete(CafeSharedLink).where(col(CafeSharedLink.member_id) == member_id))
            await s.exec(
                update(CafeReport)
                .where(col(CafeReport.followup_by) == member_id)
                .values(followup_by=None)
            )
        for occurrence_id in seats:
            await self.reminders.cancel(occurrence_id, [member_id])
            await self.registration.promote(occurrence_id)  # past or cancelled: nothing to do

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        """Move ``merged``'s registrations, preference, pseudonyms and prepared activities to
        ``kept``; where both hold a place (or a pseudonym) at the same café, ``kept``'s stays."""
        async with self.db.session() as s:
            kept_occ = await queries.occurrences_of(s, kept)
            for reg in await queries.registrations_of(s, merged):
                if reg.occurrence_id in kept_occ:
                    await s.delete(reg)
                else:
                    reg.member_id = kept
                    s.add(reg)
            pref = await s.get(CafePreference, merged)
            if pref is not None:
                if await s.get(CafePreference, kept) is None:
                    s.add(
                        CafePreference(member_id=kept, offsets=pref.offsets, reports=pref.reports)
                    )
                await s.delete(pref)
            await programme_queries.reassign_creator(s, merged, kept)
            await leaderboard_queries.merge(s, kept, merged)
            await s.exec(
                update(CafeSession)
                .where(col(CafeSession.started_by) == merged)
                .values(started_by=kept)
            )
            await questions_queries.merge_members(s, kept, merged)
            await s.exec(
                update(CafeSharedLink)
                .where(col(CafeSharedLink.member_id) == merged)
                .values(member_id=kept)
            )
            await s.exec(
                update(CafeReport)
                .where(col(CafeReport.followup_by) == merged)
                .values(followup_by=kept)
            )
        return []
