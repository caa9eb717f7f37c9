"""Members: one internal id per person, one identity per platform."""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.i18n import LOCALES, normalize_locale
from bot.core.refs import MemberRef, RoomRef
from bot.scheduling import Clock
from bot.storage.db import Database
from bot.storage.models import Identity, Member, Room

log = logging.getLogger(__name__)

SEEN_REFRESH = timedelta(minutes=5)
ROOM_CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class MemberInfo:
    id: int
    display_name: str
    locale: str | None
    timezone: str | None

    @property
    def zone(self) -> ZoneInfo | None:
        return parse_zone(self.timezone) if self.timezone else None


def locale_of(member_id: Any) -> Any:
    """The language of the member ``member_id`` (a column or value) as a scalar subquery:
    for a cog's one-statement read that needs it (a calendar feed polled every few minutes)
    without joining the core's table itself."""
    return select(Member.locale).where(col(Member.id) == member_id).scalar_subquery()


def parse_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


@functools.cache
def _zones_by_lowercase() -> dict[str, str]:
    # available_timezones() walks the zone files at every call (10–35 ms, on the event loop):
    # once per process is enough, the zones installed do not change while it runs.
    return {zone.lower(): zone for zone in available_timezones()}


def check_zone(name: str) -> str:
    """Validate an IANA zone name (case-insensitively); raise a UserError with examples."""
    name = name.strip()
    if (parse_zone(name) is not None and "/" in name) or name == "UTC":
        return name
    lowered = _zones_by_lowercase()
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise UserError(
        "Fuseau horaire inconnu : « {zone} ». Exemples : Europe/Paris, "
        "America/Montreal, Europe/Brussels, UTC.",
        zone=name[:60],
    )


def check_locale(value: str) -> str:
    locale = normalize_locale(value)
    if locale is None:
        raise UserError(
            "Langue inconnue : « {lang} ». Choisissez parmi : {choices}.",
            lang=value[:20],
            choices=", ".join(LOCALES),
        )
    return locale


def _info(member: Member) -> MemberInfo:
    assert member.id is not None
    return MemberInfo(member.id, member.display_name, member.locale, member.timezone)


class MemberService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Room languages change rarely and are read on every command: cache them briefly.
        self._room_locales: dict[RoomRef, tuple[str | None, float]] = {}

    async def resolve(self, ref: MemberRef) -> MemberInfo:
        """The member behind a platform identity, created on first sight."""
        for _ in range(3):
            try:
                return await self._resolve_once(ref)
            except IntegrityError:
                continue  # created concurrently by another task: read it back
        raise RuntimeError(f"could not resolve identity {ref.platform}:{ref.id}")

    async def _resolve_once(self, ref: MemberRef) -> MemberInfo:
        now = self.clock.now()
        name = (ref.display_name or ref.id)[:200]
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(Identity, Member)
                    .join(Member, col(Member.id) == col(Identity.member_id))
                    .where(Identity.platform == ref.platform, Identity.external_id == ref.id)
                )
            ).first()
            if row is not None:
                identity, member = row
                if name != identity.display_name or now - identity.last_seen_at > SEEN_REFRESH:
                    identity.display_name = name
                    identity.last_seen_at = now
                    member.last_seen_at = now
                    if ref.display_name and member.display_name == identity.external_id:
                        member.display_name = name
                    session.add(identity)
                    session.add(member)
                return _info(member)
            member = Member(display_name=name, created_at=now, last_seen_at=now)
            session.add(member)
            await session.flush()
            assert member.id is not None
            session.add(
                Identity(
                    member_id=member.id,
                    platform=ref.platform,
                    external_id=ref.id,
                    display_name=name,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            await session.flush()
            return _info(member)

    async def get(
        self, member_id: int, *, session: AsyncSession | None = None
    ) -> MemberInfo | None:
        """The member, or None. ``session``: read inside the caller's transaction (one round
        trip fewer on a hot path, e.g. a calendar feed polled every few minutes)."""
        if session is not None:
            member = await session.get(Member, member_id)
            return _info(member) if member else None
        async with self.db.session() as own:
            member = await own.get(Member, member_id)
            return _info(member) if member else None

    async def get_many(self, member_ids: list[int]) -> dict[int, MemberInfo]:
        if not member_ids:
            return {}
        async with self.db.session() as session:
            rows = await session.exec(select(Member).where(col(Member.id).in_(member_ids)))
            return {m.id: _info(m) for m in rows if m.id is not None}

    async def count(self, since: datetime | None = None) -> int:
        """How many members the community has (first seen since ``since``, when given)."""
        stmt = select(func.count()).select_from(Member)
        if since is not None:
            stmt = stmt.where(col(Member.created_at) >= since)
        async with self.db.session() as session:
            return int((await session.exec(stmt)).one())

    async def joined(self, since: datetime, until: datetime) -> dict[int, str]:
        """Display names of the members first seen in ``[since, until)``, oldest first (the
        digest's new members)."""
        async with self.db.session() as session:
            rows = await session.exec(
                select(Member.id, Member.display_name)
                .where(col(Member.created_at) >= since, col(Member.created_at) < until)
                .order_by(col(Member.created_at), col(Member.id))
            )
            return {i: name for i, name in rows if i is not None}

    async def counts(self, since: datetime) -> tuple[int, int]:
        """How many members the community has, and how many were first seen since ``since``:
        one statement, outside any transaction (the dashboard's overview)."""

        def count(*where: Any) -> Any:
            return select(func.count()).select_from(Member).where(*where).scalar_subquery()

        stmt: Any = select(count(), count(col(Member.created_at) >= since))
        async with self.db.read() as conn:
            total, recent = (await conn.execute(stmt)).one()
        return int(total), int(recent)

    async def names(self, member_ids: list[int]) -> dict[int, str]:
        """Display names by member id (cogs use this instead of joining ``core_member``);
        ids of forgotten members are simply absent."""
        return {i: m.display_name for i, m in (await self.get_many(member_ids)).items()}

    async def identities(self, member_id: int) -> list[MemberRef]:
        """The member's identities, most recently seen first."""
        async with self.db.session() as session:
            rows = await session.exec(
                select(Identity)
                .where(Identity.member_id == member_id)
                .order_by(col(Identity.last_seen_at).desc())
            )
            return [MemberRef(i.platform, i.external_id, i.display_name) for i in rows]

    async def preferred_platforms(
        self, member_ids: list[int], running: set[str]
    ) -> dict[int, str]:
        """For DMs: each member's most recently seen platform, preferring running ones."""
        result: dict[int, tuple[bool, object, str]] = {}
        async with self.db.session() as session:
            for start in range(0, len(member_ids), 900):
                rows = await session.exec(
                    select(Identity).where(
                        col(Identity.member_id).in_(member_ids[start : start + 900])
                    )
                )
                for ident in rows:
                    rank = (ident.platform in running, ident.last_seen_at, ident.platform)
                    if ident.member_id not in result or rank > result[ident.member_id]:
                        result[ident.member_id] = rank
        return {member_id: rank[2] for member_id, rank in result.items()}

    async def identity_on(self, member_id: int, platform: str) -> MemberRef | None:
        return next((r for r in await self.identities(member_id) if r.platform == platform), None)

    async def find_by_name(self, name: str) -> list[MemberInfo]:
        """Members whose display name or platform id matches ``name`` (case-insensitive)."""
        wanted = name.strip().lstrip("@").lower()
        async with self.db.session() as session:
            rows = await session.exec(
                select(Member)
                .join(Identity, col(Identity.member_id) == col(Member.id))
                .where(
                    (col(Member.display_name).ilike(wanted))
                    | (col(Identity.external_id).ilike(wanted))
                    | (col(Identity.display_name).ilike(wanted))
                )
                .distinct()
            )
            return [_info(m) for m in rows]

    async def set_locale(self, member_id: int, locale: str) -> str:
        value = check_locale(locale)
        await self._update(member_id, locale=value)
        return value

    async def set_timezone(self, member_id: int, zone: str) -> str:
        value = check_zone(zone)
        await self._update(member_id, timezone=value)
        return value

    async def set_timezone_info(self, member_id: int, zone: str) -> MemberInfo:
        """Set the zone and return the updated member (one transaction)."""
        return await self._update(member_id, timezone=check_zone(zone))

    async def set_display_name(self, member_id: int, name: str) -> None:
        await self._update(member_id, display_name=name[:200])

    async def _update(self, member_id: int, **values: str) -> MemberInfo:
        async with self.db.session() as session:
            member = await session.get(Member, member_id)
            if member is None:
                raise UserError("Membre introuvable.")
            for key, value in values.items():
                setattr(member, key, value)
            session.add(member)
            return _info(member)

    async def room_locale(self, room: RoomRef) -> str | None:
        cached = self._room_locales.get(room)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(Room).where(Room.platform == room.platform, Room.external_id == room.id)
                )
            ).first()
        locale = row.locale if row else None
        self._room_locales[room] = (locale, time.monotonic() + ROOM_CACHE_SECONDS)
        return locale

    async def set_room_locale(self, room: RoomRef, locale: str) -> str:
        value = check_locale(locale)
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(Room).where(Room.platform == room.platform, Room.external_id == room.id)
                )
            ).first()
            row = row or Room(platform=room.platform, external_id=room.id)
            row.locale = value
            session.add(row)
        self._room_locales.pop(room, None)
        return value
