"""Dashboard access without passwords: one-time login links, sessions, and the audit trail.

The ``dashboard`` command issues a link (:meth:`WebLogins.issue`); the web layer checks it
(:meth:`WebLogins.check`), trades it for a session (:meth:`WebLogins.redeem`) and finds the
session again on every request (:meth:`WebLogins.visitor`). Tokens are random (256 bits) and
only their SHA-256 is stored: a copy of the database opens nothing. Roles are never stored
here; the web layer reads them again on every request (``bot.core.roles``).

Platform-free and HTTP-free, like every core service: the command and the web layer each
build one over the same database (the rules live in the rows, not in the object).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.members import MemberInfo
from bot.core.refs import MemberRef
from bot.scheduling import Clock
from bot.storage.db import Database
from bot.storage.models import Identity, Member, WebAudit, WebLogin, WebSession
from bot.storage.types import UTCDateTime

#: A login link works once, for this long.
LINK_LIFETIME = timedelta(minutes=10)
#: At most this many links per member in LINK_WINDOW (a leaked chat cannot mint hundreds).
LINK_MAX = 5
LINK_WINDOW = timedelta(minutes=10)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LinkState(StrEnum):
    """What a login token is: each has its own explanation page."""

    VALID = "valid"
    UNKNOWN = "unknown"  # forged, mistyped, or so old it was purged
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str
    target: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionInfo:
    token: str  # the cookie's value (only given when the session is opened)
    member_id: int
    csrf: str
    expires_at: datetime
    target: str = "/"


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who a live session belongs to: the member, their identities (most recently seen
    first, to ask each platform for their roles now) and the session's CSRF token."""

    member: MemberInfo
    identities: tuple[MemberRef, ...]
    csrf: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    member_id: int | None
    action: str
    detail: str
    at: datetime


@cache
def _visitor_statement() -> Any:
    """The live session of a cookie (parameters ``digest`` and ``now``) with its member and
    their identities, most recently seen first; built once (every dashboard request runs
    it, and building it cost about as much as running it)."""
    return (
        sa_select(
            col(Member.id),
            col(Member.display_name),
            col(Member.locale),
            col(Member.timezone),
            col(WebSession.csrf),
            col(Identity.platform),
            col(Identity.external_id),
            col(Identity.display_name),
        )
        .select_from(WebSession)
        .join(Member, col(Member.id) == col(WebSession.member_id))
        .outerjoin(Identity, col(Identity.member_id) == col(Member.id))
        .where(
            col(WebSession.token_hash) == bindparam("digest"),
            col(WebSession.expires_at) > bindparam("now", type_=UTCDateTime()),
        )
        .order_by(col(Identity.last_seen_at).desc())
    )


class WebLogins:
    def __init__(self, db: Database, clock: Clock, *, session_hours: int = 12) -> None:
        self.db = db
        self.clock = clock
        self.session_lifetime = timedelta(hours=session_hours)

    # --- links ------------------------------------------------------------------------------

    async def issue(self, member_id: int, target: str) -> IssuedLink:
        """A fresh one-time link opening ``target``; refused when the member asked too often."""
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        async with self.db.session() as s:
            # Used and expired links are kept only as long as they can explain a failure.
            await s.exec(delete(WebLogin).where(col(WebLogin.expires_at) < now - LINK_LIFETIME))
            recent = list(
                await s.exec(
                    select(WebLogin.created_at)
                    .where(WebLogin.member_id == member_id)
                    .where(col(WebLogin.created_at) > now - LINK_WINDOW)
                    .order_by(col(WebLogin.created_at))
                )
            )
            if len(recent) >= LINK_MAX:
                wait = recent[-LINK_MAX] + LINK_WINDOW - now
                raise UserError(
                    "Vous avez demandé beaucoup de liens : réessayez dans {minutes} min.",
                    minutes=max(1, math.ceil(wait.total_seconds() / 60)),
                )
            s.add(
                WebLogin(
                    token_hash=digest(token),
                    member_id=member_id,
                    target=target,
                    created_at=now,
                    expires_at=now + LINK_LIFETIME,
                )
            )
        return IssuedLink(token, target, now + LINK_LIFETIME)

    async def check(self, token: str) -> LinkState:
        """What the link is, without using it up (the confirmation page)."""
        async with self.db.session() as s:
            row = (
                await s.exec(select(WebLogin).where(WebLogin.token_hash == digest(token)))
            ).first()
        return self._state(row)

    def _state(self, row: WebLogin | None) -> LinkState:
        if row is None:
            return LinkState.UNKNOWN
        if row.used_at is not None:
            return LinkState.USED
        if row.expires_at <= self.clock.now():
            return LinkState.EXPIRED
        return LinkState.VALID

    async def redeem(self, token: str) -> SessionInfo | LinkState:
        """Use the link up and open a session; otherwise why not. Exactly one of two
        simultaneous redemptions wins (the conditional update is the arbiter)."""
        now = self.clock.now()
        hashed = digest(token)
        async with self.db.session() as s:
            row = (await s.exec(select(WebLogin).where(WebLogin.token_hash == hashed))).first()
            state = self._state(row)
            if state is not LinkState.VALID or row is None:
                return state
            claimed = await s.exec(
                update(WebLogin)
                .where(col(WebLogin.id) == row.id)
                .where(col(WebLogin.used_at).is_(None))
                .values(used_at=now)
            )
            if claimed.rowcount != 1:
                return LinkState.USED
            cookie = secrets.token_urlsafe(32)
            info = SessionInfo(
                cookie,
                row.member_id,
                secrets.token_urlsafe(24),
                now + self.session_lifetime,
                row.target,
            )
            await s.exec(delete(WebSession).where(col(WebSession.expires_at) < now))
            s.add(
                WebSession(
                    token_hash=digest(cookie),
                    member_id=info.member_id,
                    csrf=info.csrf,
                    created_at=now,
                    expires_at=info.expires_at,
                )
            )
        return info

    # --- sessions ---------------------------------------------------------------------------

    async def visitor(self, cookie: str) -> Visitor | None:
        """The member behind a live session and their identities, or None (unknown, expired,
        logged out, or the member was forgotten).

        Every dashboard request asks this first: one statement on a pooled connection, outside
        any transaction (the session, its member and their identities joined), instead of a
        transaction per lookup."""
        if not cookie or len(cookie) > 128:
            return None
        params = {"digest": digest(cookie), "now": self.clock.now()}
        async with self.db.read() as conn:
            rows = (await conn.execute(_visitor_statement(), params)).all()
        if not rows:
            return None
        member_id, name, locale, timezone, csrf = rows[0][:5]
        return Visitor(
            MemberInfo(int(member_id or 0), name, locale, timezone),  # a key: never NULL
            tuple(MemberRef(p, e, n) for *_, p, e, n in rows if p is not None),
            csrf,
        )

    async def end(self, cookie: str) -> None:
        """Log out: the session row goes, so the cookie opens nothing any more."""
        async with self.db.session() as s:
            await s.exec(delete(WebSession).where(col(WebSession.token_hash) == digest(cookie)))

    async def sessions_of(self, member_id: int) -> int:
        now = self.clock.now()
        async with self.db.session() as s:
            count = await s.exec(
                select(func.count())
                .select_from(WebSession)
                .where(WebSession.member_id == member_id)
                .where(col(WebSession.expires_at) > now)
            )
            return int(count.one())

    @staticmethod
    def csrf_matches(expected: str, given: str) -> bool:
        return bool(given) and hmac.compare_digest(expected.encode(), given.encode())

    # --- audit ------------------------------------------------------------------------------

    async def record(self, member_id: int, action: str, detail: str) -> None:
        async with self.db.session() as s:
            s.add(
                WebAudit(
                    member_id=member_id,
                    action=action[:64],
                    detail=detail[:2000],
                    at=self.clock.now(),
                )
            )

    async def audit_trail(self, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
        async with self.db.session() as s:
            rows = await s.exec(
                select(WebAudit)
                .order_by(col(WebAudit.at).desc(), col(WebAudit.id).desc())
                .limit(limit)
                .offset(offset)
            )
            return [AuditEntry(r.member_id, r.action, r.detail, r.at) for r in rows]

    # --- the member's rights over these rows ----------------------------------------------------

    async def export(self, member_id: int) -> dict[str, Any]:
        """``me export``: open sessions (when, until when) and the member's dashboard actions.
        Token hashes are not exported: they are keys, not information about the member."""
        async with self.db.session() as s:
            sessions = list(
                await s.exec(
                    select(WebSession)
                    .where(WebSession.member_id == member_id)
                    .order_by(col(WebSession.created_at))
                )
            )
            actions = list(
                await s.exec(
                    select(WebAudit)
                    .where(WebAudit.member_id == member_id)
                    .order_by(col(WebAudit.at), col(WebAudit.id))
                )
            )
        return {
            "sessions": [
                {"created_at": r.created_at.isoformat(), "expires_at": r.expires_at.isoformat()}
                for r in sessions
            ],
            "actions": [
                {"action": a.action, "detail": a.detail, "at": a.at.isoformat()} for a in actions
            ],
        }

    @staticmethod
    async def forget(s: AsyncSession, member_id: int) -> None:
        """Inside the core's forget transaction: links and sessions go; the audit trail keeps
        the actions without their author (the community's record of what was done)."""
        await s.exec(delete(WebLogin).where(col(WebLogin.member_id) == member_id))
        await s.exec(delete(WebSession).where(col(WebSession.member_id) == member_id))
        await s.exec(
            update(WebAudit).where(col(WebAudit.member_id) == member_id).values(member_id=None)
        )

    @staticmethod
    async def merge(s: AsyncSession, kept: int, merged: int) -> None:
        """Inside the core's merge transaction: the merged member's sessions and links end
        (they were opened as someone else); their actions are the kept member's."""
        await s.exec(delete(WebLogin).where(col(WebLogin.member_id) == merged))
        await s.exec(delete(WebSession).where(col(WebSession.member_id) == merged))
        await s.exec(
            update(WebAudit).where(col(WebAudit.member_id) == merged).values(member_id=kept)
        )
