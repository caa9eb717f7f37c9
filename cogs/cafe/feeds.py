"""Calendar feeds: a member's private feed (``me calendar``) and the public community feed.

The café contributes them to the web layer through ``core.web.provide_calendar`` (the web
server owns HTTP; this module never sees a request). A member's feed is addressed by a random
token shown once; only its SHA-256 is stored (``cafe_feed_token``), so a database dump gives no
working address, and ``me calendar revoke:true`` replaces it (the old address answers 404).

A feed reader polls every few minutes: the ETag is a fingerprint of what the feed shows,
computed from one statement (on a pooled connection, outside any transaction, without the ORM)
without building the file, so an unchanged feed costs that statement and a ``304 Not
Modified``. The file itself is built, from the same rows, only when the fingerprint changed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import col

from bot.core import UserError
from bot.core.members import locale_of
from bot.core.web import CalendarFeed
from bot.storage.types import UTCDateTime
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


#: What a feed shows of an occurrence and its series (``_event`` reads them in this order).
_EVENT_COLUMNS = (
    col(CafeOccurrence.id),
    col(CafeOccurrence.series_id),
    col(CafeOccurrence.recurrence_id),
    col(CafeSeries.title),
    col(CafeOccurrence.topic),
    col(CafeOccurrence.host),
    col(CafeOccurrence.description),
    col(CafeOccurrence.starts_at),
    col(CafeOccurrence.duration_minutes),
    col(CafeOccurrence.status),
    col(CafeOccurrence.revision),
    col(CafeOccurrence.link),
    col(CafeSeries.link),
)


def _event(row: Sequence[Any], *, waitlisted: bool = False, private: bool = False) -> FeedEvent:
    """A feed event from ``_EVENT_COLUMNS``; the video link only in a private feed, only for
    a place held (not waitlisted), the occurrence's own link before its series'."""
    occ_id, series_id, recurrence_id, title, topic, host, description = row[:7]
    starts_at, minutes, status, revision, occ_link, series_link = row[7:]
    link = ""
    if private and not waitlisted:
        link = occ_link if occ_link is not None else series_link
    return FeedEvent(
        occ_id,
        series_id,
        recurrence_id,
        title,
        topic,
        host,
        description,
        starts_at,
        minutes,
        status,
        revision,
        link=link or "",
        waitlisted=waitlisted,
    )


# The two statements are built once, with bound parameters: building one per request
# cost about as much CPU as running it.


@cache
def _member_feed_statement() -> Any:
    """A feed reader polls and most answers are 304: ONE statement outside any transaction —
    the token, the member's language (the file is in it) and their cafés — with only the
    columns the file shows. Outer joins, so that a token gives a row even without cafés; a
    registration to a café older than PAST gives one with no café (skipped). (A nested
    "token LEFT JOIN (registration JOIN occurrence)" reads the same, but SQLite materialises
    the inner join for every member first.) Parameters: ``digest``, ``since``."""
    reg, occ, token = CafeRegistration, CafeOccurrence, CafeFeedToken
    return (
        sa_select(locale_of(col(token.member_id)), col(reg.status), *_EVENT_COLUMNS)
        .select_from(token)
        .outerjoin(
            reg,
            and_(
                col(reg.member_id) == col(token.member_id),
                col(reg.status).in_((REGISTERED, WAITLISTED, WALKIN)),
            ),
        )
        .outerjoin(
            occ,
            and_(
                col(occ.id) == col(reg.occurrence_id),
                col(occ.starts_at) >= bindparam("since", type_=UTCDateTime()),
            ),
        )
        .outerjoin(CafeSeries, col(CafeSeries.id) == col(occ.series_id))
        .where(col(token.token_hash) == bindparam("digest"))
        .order_by(col(occ.starts_at), col(occ.id))
    )


@cache
def _community_feed_statement() -> Any:
    """Every café from ``since`` on (a parameter), the nearest first, without links."""
    return (
        sa_select(*_EVENT_COLUMNS)
        .join(CafeSeries, col(CafeSeries.id) == col(CafeOccurrence.series_id))
        .where(col(CafeOccurrence.starts_at) >= bindparam("since", type_=UTCDateTime()))
        .order_by(col(CafeOccurrence.starts_at), col(CafeOccurrence.id))
        .limit(COMMUNITY_LIMIT)
    )


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

    # --- feeds (bot.core.web.CalendarFeeds) ------------------------------------------------------

    async def member_feed(self, token: str) -> CalendarFeed | None:
        if not _TOKEN.match(token):
            return None
        params = {"digest": token_hash(token), "since": self.clock.now() - PAST}
        async with self.db.read() as conn:
            rows = (await conn.execute(_member_feed_statement(), params)).all()
        if not rows:
            return None
        events = [
            _event(row[2:], waitlisted=row[1] == WAITLISTED, private=True)
            for row in rows
            if row[2] is not None
        ]
        return self._feed(events, rows[0][0], private=True)

    async def community_feed(self) -> CalendarFeed:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(_community_feed_statement(), {"since": self.clock.now() - PAST})
            ).all()
        return self._feed([_event(row) for row in rows], None, private=False)

    def _feed(self, events: list[FeedEvent], locale: str | None, *, private: bool) -> CalendarFeed:
        # The ETag hashes all the file shows — its language, private or not, and each event's
        # fingerprint — so it changes whenever the body would (DTSTAMP aside).
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
