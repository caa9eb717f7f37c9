"""The community's rights, whatever cogs are enabled: the rules behind ``me link`` (one-time
codes that make one member of two identities) and the ``me export`` file.

The commands themselves are built-ins (``bot/core/builtins.py``); exporting and forgetting every
cog's rows is ``bot/core/privacy.py``, merging two members is ``bot/core/linking.py``. Link codes
live in core tables (``bot.storage.models.LinkCode`` / ``LinkAttempt``), so this module also
exports, forgets and merges them.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.events import Event
from bot.core.i18n import Translator
from bot.core.members import MemberService
from bot.core.reply import Attachment, Reply
from bot.scheduling import Clock
from bot.storage.db import Database
from bot.storage.models import LinkAttempt, LinkCode, Member

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: codes are read on one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 31**10 ≈ 8·10**14 codes. The first CODE_HANDLE characters find the code, the rest is its
#: secret: a wrong secret counts against that code, so guesses spread over many accounts still
#: get only CODE_MAX_FAILURES tries at any one code.
CODE_LENGTH = 10
CODE_HANDLE = 4
CODE_MAX_FAILURES = 5
#: A member who typed this many wrong codes in LINK_WINDOW must wait.
LINK_MAX_FAILURES = 5
LINK_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PreferenceChanged(Event):
    """A member set their language or time zone with a built-in command (``language``,
    ``timezone``, ``me language``, ``me timezone``): the one write path is the core's; a cog that
    cares (onboarding counts it as answering that step) listens for this."""

    member_id: int
    #: ``"language"`` or ``"timezone"``
    preference: str
    value: str


class LinkSettings(BaseModel):
    """How long a ``me link`` code lives. The key stays where operators have always set it,
    ``[cogs.onboarding] link_code_minutes``, and is honoured whether that cog is enabled or not
    (the other keys of that section are the cog's business)."""

    model_config = ConfigDict(extra="ignore")

    link_code_minutes: int = Field(default=15, ge=1, le=1440)


@dataclass(slots=True)
class IssuedCode:
    code: str
    expires_at: datetime


class LinkCodes:
    """One-time codes: issue one on a platform, redeem it on the other."""

    def __init__(
        self, db: Database, clock: Clock, members: MemberService, *, code_minutes: int = 15
    ) -> None:
        self.db = db
        self.clock = clock
        self.members = members
        self.code_minutes = code_minutes

    async def issue(self, member_id: int, platform: str) -> IssuedCode:
        """A fresh code for ``member_id`` (their previous one, and expired ones, go)."""
        now = self.clock.now()
        expires = now + timedelta(minutes=self.code_minutes)
        async with self.db.session() as s:
            await s.exec(
                delete(LinkCode).where(
                    (col(LinkCode.member_id) == member_id) | (col(LinkCode.expires_at) < now)
                )
            )
            live = {c[:CODE_HANDLE] for c in await s.exec(select(LinkCode.code))}
            while True:  # a handle names one live code
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if code[:CODE_HANDLE] not in live:
                    break
            s.add(
                LinkCode(
                    code=code,
                    member_id=member_id,
                    platform=platform,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return IssuedCode(code, expires)

    async def redeem(self, member_id: int, platform: str, code: str) -> tuple[int, int]:
        """Check ``code`` typed by ``member_id`` on ``platform`` and use it up; returns
        ``(kept, merged)``: the two members to merge, the older one kept."""
        wanted = "".join(c for c in code.upper() if c.isalnum())
        now = self.clock.now()
        # The outcome is decided inside the transaction and raised after it commits: a wrong
        # code must stay counted.
        error: UserError | None = None
        other, other_platform = 0, ""
        async with self.db.session() as s:
            # One guess at a time per member (PostgreSQL; SQLite writers are serialised).
            await s.exec(select(Member.id).where(Member.id == member_id).with_for_update())
            await s.exec(delete(LinkAttempt).where(col(LinkAttempt.at) <= now - LINK_WINDOW))
            recent = list(
                await s.exec(
                    select(LinkAttempt.at)
                    .where(LinkAttempt.member_id == member_id)
                    .order_by(col(LinkAttempt.at))
                )
            )
            if len(recent) >= LINK_MAX_FAILURES:
                wait = recent[-LINK_MAX_FAILURES] + LINK_WINDOW - now
                error = UserError(
                    "Trop de codes erronés : par sécurité, réessayez dans {minutes} min.",
                    minutes=max(1, math.ceil(wait.total_seconds() / 60)),
                )
            else:
                error, found = await self._check(s, member_id, code, wanted, now)
                if found is not None:
                    other, other_platform = found
        if error is not None:
            raise error
        if other == member_id:
            raise UserError(
                "Ce code vient de votre propre compte : tapez-le sur l'autre plateforme."
            )
        if other_platform == platform:
            raise UserError(
                "Tapez ce code sur l'autre plateforme, pas sur celle où il a été créé."
            )
        mine = {r.platform for r in await self.members.identities(member_id)}
        theirs = {r.platform for r in await self.members.identities(other)}
        common = sorted(mine & theirs)
        if common:
            raise UserError(
                "Ces deux comptes ont chacun une identité sur {platform} : je ne peux pas les "
                "relier (un membre n'a qu'un compte par plateforme).",
                platform=common[0],
            )
        async with self.db.session() as s:
            await s.exec(delete(LinkCode).where(col(LinkCode.code) == wanted))
        kept, merged = sorted((member_id, other))  # the older member keeps its id
        return kept, merged

    @staticmethod
    async def _check(
        s: AsyncSession, member_id: int, typed: str, wanted: str, now: datetime
    ) -> tuple[UserError | None, tuple[int, str] | None]:
        """Find the code by its handle and compare its secret; a wrong one is counted against
        the member and against the code. Returns (error, (owner, platform))."""
        row = None
        if len(wanted) == CODE_LENGTH:
            row = (
                await s.exec(
                    select(LinkCode)
                    .where(col(LinkCode.code).startswith(wanted[:CODE_HANDLE], autoescape=True))
                    .with_for_update()
                )
            ).first()
        if row is None or not hmac.compare_digest(row.code, wanted):
            s.add(LinkAttempt(member_id=member_id, at=now))
            if row is not None:
                row.failures += 1
                if row.failures >= CODE_MAX_FAILURES:
                    log.info("A link code was invalidated after %s wrong tries", row.failures)
                    await s.delete(row)
                else:
                    s.add(row)
            return (
                UserError(
                    "Code inconnu : « {code} ». Vérifiez-le, ou demandez-en un nouveau avec "
                    "me link sur l'autre plateforme.",
                    code=typed[:20],
                ),
                None,
            )
        if row.expires_at <= now:
            await s.delete(row)
            return (
                UserError(
                    "Ce code a expiré. Demandez-en un nouveau avec me link sur l'autre plateforme."
                ),
                None,
            )
        return None, (row.member_id, row.platform)

    # --- the member's rights over these rows ----------------------------------------------------

    async def export(self, member_id: int) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            codes = list(await s.exec(select(LinkCode).where(LinkCode.member_id == member_id)))
        return [{"platform": c.platform, "expires_at": c.expires_at.isoformat()} for c in codes]

    @staticmethod
    async def forget(s: AsyncSession, member_id: int) -> None:
        """Inside the core's forget transaction: the member's codes and wrong tries."""
        await s.exec(delete(LinkCode).where(col(LinkCode.member_id) == member_id))
        await s.exec(delete(LinkAttempt).where(col(LinkAttempt.member_id) == member_id))

    @staticmethod
    async def merge(s: AsyncSession, kept: int, merged: int) -> None:
        """Inside the core's merge transaction: the merged member's codes die; their wrong
        tries count for the kept member (no fresh lock-out budget)."""
        await s.exec(delete(LinkCode).where(col(LinkCode.member_id) == merged))
        await s.exec(
            update(LinkAttempt).where(col(LinkAttempt.member_id) == merged).values(member_id=kept)
        )


def export_reply(t: Translator, data: dict[str, Any], stamp: str) -> Reply:
    """``me export``: the member's data as a JSON attachment."""
    blob = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
    return Reply(
        text=t(
            "Voici tout ce que le bot garde à votre sujet, dans un fichier JSON "
            "(format décrit dans la documentation)."
        ),
        attachments=[
            Attachment(
                f"passerelle-export-{stamp}.json", blob, "application/json", t("Mes données")
            )
        ],
        private=True,
    )
