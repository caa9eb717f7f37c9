"""Calendar feeds: a member's private feed (``me calendar``) and the public community feed.

The café contributes them to the web layer through ``core.web.provide_calendar`` (the web
server owns HTTP; this module never sees a request). A member's feed is addressed by a random
token shown once; only its SHA-256 is stored (``cafe_feed_token``), so a database dump gives no
working address, and ``me calendar revoke:true`` replaces it (the old address answers 404).

A feed reader polls every few minutes: the ETag is a fingerprint of the rows the feed shows,
computed from one query without building the file, so an unchanged feed costs that query and
a ``304 Not Modified``. The file itself is built only when the fingerprint changed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import UserError
from bot.core.web import CalendarFeed
from cogs.cafe.domain import REGISTERED, WAITLISTED, WALKIN
from cogs.cafe.feed_render import FeedEvent, feed_ics
from cogs.cafe.models import CafeFeedToken, CafeOccurrence, CafeRegistration, CafeSeries

if TYPE_CHECKING:
    from bot.core import Translator
    from bot.core.members import MemberService
    from bot.core.web import WebRegistry
    from bot.scheduling import Clock
    from bot.storage.db import Database

#: How far back a feed keeps cafés (a calendar shows the recent ones; older are in the reader).
PAST = timedelta(days=30)
#: The community feed's most events (the nearest first after the recent past).
COMMUNITY_LIMIT = 500
#: A token as issued (``secrets.token_urlsafe(24)``: 32 characters); anything else is unknown.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")

TranslatorFor = Callable[[str | None], "Translator"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class FeedAddress:
    """What ``me calendar`` answers: a new address (``url``) or the date of the existing one."""

    url: str | None
    created_at: datetime
    replaced: bool = False


class CafeFeeds:
    """Tokens and feeds; implements ``bot.core.web.CalendarFeeds``."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        members: MemberService,
        web: WebRegistry,
        translator: TranslatorFor,
    ) -> None:
        self.db = db
        self.clock = clock
        self.members = members
        self.web = web
        self.translator = translator

    # --- tokens (me calendar) -----------------------------------------------------------------

    async def address(self, member_id: int, *, revoke: bool = False) -> FeedAddress:
        """The member's feed: a new token when they have none (or ``revoke``), else the date
        of the one they have (its address cannot be shown again: only its hash is kept)."""
        if not self.web.enabled:
            raise UserError(
                "Les flux de calendrier ne sont pas disponibles : le serveur web de Passerelle "
                "n'est pas activé ([web] enabled dans la configuration)."
            )
        now = self.clock.now()
        token = secrets.token_urlsafe(24)
        async with self.db.session() as s:
            existing = await s.get(CafeFeedToken, member_id)
            if existing is not None and not revoke:
                return FeedAddress(None, existing.created_at)
            if existing is not None:
                existing.token_hash = token_hash(token)
                existing.created_at = now
                s.add(existing)
            else:
                s.add(
                    CafeFeedToken(
                        member_id=member_id, token_hash=token_hash(token), created_at=now
                    )
                )
        return FeedAddress(self.web.url(f"/feeds/{token}.ics"), now, replaced=existing is not None)

    @staticmethod
    async def _member_of(s: AsyncSession, digest: str) -> int | None:
        return (
            await s.exec(select(CafeFeedToken.member_id).where(CafeFeedToken.token_hash == digest))
        ).first()

    # --- feeds (bot.core.web.CalendarFeeds) ------------------------------------------------------

    async def member_feed(self, token: str) -> CalendarFeed | None:
        if not _TOKEN.match(token):
            return None
        digest = token_hash(token)
        since = self.clock.now() - PAST
        # A feed reader polls and most answers are 304: one transaction, and usually two
        # statements — the member's cafés found through the token, then their language.
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(
                        CafeFeedToken.member_id,
                        CafeRegistration.status,
                        CafeOccurrence,
                        CafeSeries,
                    )
                    .select_from(CafeFeedToken)
                    .join(
                        CafeRegistration,
                        col(CafeRegistration.member_id) == CafeFeedToken.member_id,
                    )
                    .join(CafeOccurrence, col(CafeOccurrence.id) == CafeRegistration.occurrence_id)
                    .join(CafeSeries, col(CafeSeries.id) == CafeOccurrence.series_id)
                    .where(
                        CafeFeedToken.token_hash == digest,
                        col(CafeRegistration.status).in_((REGISTERED, WAITLISTED, WALKIN)),
                        col(CafeOccurrence.starts_at) >= since,
                    )
                    .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
                )
            ).all()
            member_id = rows[0][0] if rows else await self._member_of(s, digest)
            if member_id is None:
                return None
            member = await self.members.get(member_id, session=s)
        events = [
            FeedEvent(series, occ, waitlisted=status == WAITLISTED, with_link=status != WAITLISTED)
            for _, status, occ, series in rows
        ]
        return self._feed(events, member.locale if member else None, private=True)

    async def community_feed(self) -> CalendarFeed:
        since = self.clock.now() - PAST
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(CafeOccurrence, CafeSeries)
                    .join(CafeSeries, col(CafeSeries.id) == CafeOccurrence.series_id)
                    .where(col(CafeOccurrence.starts_at) >= since)
                    .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
                    .limit(COMMUNITY_LIMIT)
                )
            ).all()
        events = [FeedEvent(series, occ) for occ, series in rows]
        return self._feed(events, None, private=False)

    def _feed(self, events: list[FeedEvent], locale: str | None, *, private: bool) -> CalendarFeed:
        t = self.translator(locale)
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{t.locale}|{private}".encode())
        for event in events:
            digest.update(event.fingerprint().encode())
        stamp = self.clock.now()
        return CalendarFeed(
            etag=f'W/"{digest.hexdigest()}"',
            render=lambda: feed_ics(t, events, stamp, private=private),
        )
