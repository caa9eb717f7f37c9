"""A member's e-mail address and what goes to it: the rules behind ``me email``.

An address is confirmed by a 6-digit code typed on chat or a link opened in the e-mail (only
their SHA-256 is kept); until then it receives the confirmation and nothing else. The member
chooses the topics sent by e-mail (``reminders``, ``digest``); the unsubscribe link of every
e-mail turns them all off without logging in. A mail server refusing the address for good is
recorded here (nothing more goes to it) and told to the member on chat.

Export, forget and merge are static methods over the caller's session, like ``LinkCodes``:
they are core rights, working whether the e-mail channel is enabled or not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.errors import UserError
from bot.core.mail.address import normalize_address
from bot.core.members import MemberInfo
from bot.scheduling import Clock
from bot.storage.db import Database
from bot.storage.models import EmailAddress, Member

CODE_DIGITS = 6
CODE_MAX_FAILURES = 5  # wrong codes before the current one is void
RESEND_AFTER = timedelta(seconds=60)  # between two confirmation e-mails
SENDS_WINDOW = timedelta(days=1)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    """A confirmation to send: the code and the link's token (never stored in clear)."""

    address: str
    code: str
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class EmailStatus:
    """What ``me email`` shows."""

    address: str
    confirmed: bool
    reminders: bool
    digest: bool
    refused_reason: str | None
    member_id: int


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where the e-mail adapter sends: the address, its unsubscribe token, and the member
    (their language and zone, for the e-mail's own words)."""

    member: MemberInfo
    address: str
    unsubscribe_token: str


class EmailStore:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        code_minutes: int = 60,
        max_sends_per_day: int = 5,
    ) -> None:
        self.db = db
        self.clock = clock
        self.code_minutes = code_minutes
        self.max_sends_per_day = max_sends_per_day

    # --- giving and confirming an address ---------------------------------------------------

    async def request(self, member_id: int, raw: str) -> Issued:
        """Record ``raw`` as the member's address (unconfirmed) and issue a code and a link.
        Rate-limited per member: a minute between two, ``max_sends_per_day`` a day."""
        address = normalize_address(raw)
        now = self.clock.now()
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        token = secrets.token_urlsafe(24)
        expires = now + timedelta(minutes=self.code_minutes)
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id, with_for_update=True)
            if row is None:
                row = EmailAddress(
                    member_id=member_id,
                    address=address,
                    unsubscribe_token=secrets.token_urlsafe(24),
                    created_at=now,
                )
            elif row.address == address and row.confirmed_at is not None:
                raise UserError(
                    "L'adresse {address} est déjà confirmée : rien à refaire.", address=address
                )
            self._check_rate(row, now)
            if row.address != address:
                # A new address starts over: unconfirmed, never refused.
                row.address = address
                row.confirmed_at = None
                row.refused_at = None
                row.refused_reason = None
                row.refusal_told = False
            row.code_hash = digest_of(code)
            row.link_hash = digest_of(token)
            row.code_expires_at = expires
            row.code_failures = 0
            if row.sends_since is None or now - row.sends_since >= SENDS_WINDOW:
                row.sends_since, row.sends = now, 0
            row.sends += 1
            row.last_sent_at = now
            s.add(row)
        return Issued(address, code, token, expires)

    def _check_rate(self, row: EmailAddress, now: datetime) -> None:
        if row.last_sent_at is not None and now - row.last_sent_at < RESEND_AFTER:
            seconds = int((row.last_sent_at + RESEND_AFTER - now).total_seconds()) + 1
            raise UserError(
                "Un code vient de partir : attendez {seconds} s avant d'en demander un autre.",
                seconds=seconds,
            )
        in_window = row.sends_since is not None and now - row.sends_since < SENDS_WINDOW
        if in_window and row.sends >= self.max_sends_per_day:
            raise UserError(
                "Trop de codes envoyés aujourd'hui à votre adresse : réessayez demain, ou "
                "tapez le dernier code reçu avec me email confirm code:…."
            )

    async def confirm_code(self, member_id: int, code: str) -> str:
        """Confirm with the code typed on chat; returns the address."""
        typed = "".join(c for c in code if c.isdigit())
        now = self.clock.now()
        error: UserError | None = None
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id, with_for_update=True)
            if row is None:
                raise UserError(
                    "Vous n'avez pas donné d'adresse. Tapez d'abord "
                    "me email address vous@exemple.org."
                )
            if row.confirmed_at is not None and row.code_hash is None:
                raise UserError("Votre adresse {address} est déjà confirmée.", address=row.address)
            if row.code_hash is None or row.code_expires_at is None or row.code_expires_at < now:
                raise UserError(
                    "Ce code n'est plus valable. Demandez-en un autre : "
                    "me email address {address}.",
                    address=row.address,
                )
            if len(typed) != CODE_DIGITS or not hmac.compare_digest(
                digest_of(typed), row.code_hash
            ):
                # Counted inside the transaction, raised after it commits.
                row.code_failures += 1
                if row.code_failures >= CODE_MAX_FAILURES:
                    row.code_hash = row.link_hash = row.code_expires_at = None
                    error = UserError(
                        "Trop de codes erronés : ce code est annulé. Demandez-en un autre : "
                        "me email address {address}.",
                        address=row.address,
                    )
                else:
                    error = UserError(
                        "Ce n'est pas le bon code. Recopiez les 6 chiffres reçus à {address}.",
                        address=row.address,
                    )
                s.add(row)
            else:
                self._confirm(row, now)
                s.add(row)
        if error is not None:
            raise error
        return row.address

    async def confirm_link(self, token: str) -> int | None:
        """Confirm through the e-mailed link; returns the member, or None when the link is
        unknown, used or expired."""
        now = self.clock.now()
        async with self.db.session() as s:
            row = (
                await s.exec(
                    select(EmailAddress).where(EmailAddress.link_hash == digest_of(token))
                )
            ).first()
            if row is None or row.code_expires_at is None or row.code_expires_at < now:
                return None
            self._confirm(row, now)
            s.add(row)
            return row.member_id

    async def link_member(self, token: str) -> int | None:
        """The member a confirmation link is for, while it is valid (None otherwise)."""
        async with self.db.session() as s:
            row = (
                await s.exec(
                    select(EmailAddress.member_id, EmailAddress.code_expires_at).where(
                        EmailAddress.link_hash == digest_of(token)
                    )
                )
            ).first()
        if row is None or row[1] is None or row[1] < self.clock.now():
            return None
        return int(row[0])

    @staticmethod
    def _confirm(row: EmailAddress, now: datetime) -> None:
        row.confirmed_at = now
        row.code_hash = row.link_hash = row.code_expires_at = None
        row.code_failures = 0

    # --- choices, status, removal -------------------------------------------------------------

    async def choose(
        self, member_id: int, *, reminders: bool | None = None, digest: bool | None = None
    ) -> EmailStatus:
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id)
            if row is None:
                raise UserError("Donnez d'abord une adresse : me email address vous@exemple.org.")
            if reminders is not None:
                row.reminders = reminders
            if digest is not None:
                row.digest = digest
            s.add(row)
            return _status(row)

    async def status(self, member_id: int) -> EmailStatus | None:
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id)
            return _status(row) if row else None

    async def untold_refusal(self, member_id: int) -> str | None:
        """The refused address the member was not told about yet (then marked told)."""
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id)
            if row is None or row.refused_at is None or row.refusal_told:
                return None
            row.refusal_told = True
            s.add(row)
            return row.address

    async def remove(self, member_id: int) -> bool:
        async with self.db.session() as s:
            result = await s.exec(
                delete(EmailAddress).where(col(EmailAddress.member_id) == member_id)
            )
            return bool(result.rowcount)

    # --- what the outbox and the adapter ask --------------------------------------------------

    async def choosers(self, member_ids: list[int], topic: str) -> set[int]:
        """The members among ``member_ids`` who get ``topic`` by e-mail (confirmed address,
        not refused, topic chosen)."""
        if topic not in ("reminders", "digest") or not member_ids:
            return set()
        flag = col(getattr(EmailAddress, topic))
        found: set[int] = set()
        async with self.db.session() as s:
            for start in range(0, len(member_ids), 900):
                rows = await s.exec(
                    select(EmailAddress.member_id).where(
                        col(EmailAddress.member_id).in_(member_ids[start : start + 900]),
                        col(EmailAddress.confirmed_at).is_not(None),
                        col(EmailAddress.refused_at).is_(None),
                        flag.is_(True),
                    )
                )
                found.update(rows)
        return found

    async def recipient(self, member_id: int, *, confirmation: bool = False) -> Recipient | None:
        """Where to send: the confirmed address (or, for the ``confirmation`` itself, the
        pending one); None when there is none to use."""
        # One query (a join), not two: this runs for every e-mail of a fan-out, and every
        # transaction takes SQLite's write lock.
        async with self.db.session() as s:
            found = (
                await s.exec(
                    select(EmailAddress, Member.display_name, Member.locale, Member.timezone)
                    .join(Member, col(Member.id) == col(EmailAddress.member_id))
                    .where(EmailAddress.member_id == member_id)
                )
            ).first()
        if found is None:
            return None
        row, name, locale, zone = found
        if row.refused_at is not None:
            return None
        if row.confirmed_at is None and not (confirmation and row.code_hash is not None):
            return None
        return Recipient(
            MemberInfo(member_id, name, locale, zone), row.address, row.unsubscribe_token
        )

    async def record_refusal(self, member_id: int, address: str, reason: str) -> None:
        """The mail server refused ``address`` for good: nothing more goes to it."""
        async with self.db.session() as s:
            row = await s.get(EmailAddress, member_id)
            if row is None or row.address != address:
                return  # changed or removed meanwhile
            row.refused_at = self.clock.now()
            row.refused_reason = reason[:200]
            row.refusal_told = False
            s.add(row)

    # --- unsubscribe links (no login: the token is the capability) ------------------------------

    async def by_unsubscribe_token(self, token: str) -> EmailStatus | None:
        async with self.db.session() as s:
            row = (
                await s.exec(select(EmailAddress).where(EmailAddress.unsubscribe_token == token))
            ).first()
            return _status(row) if row else None

    async def unsubscribe(self, token: str) -> int | None:
        """Turn every topic off for the address of ``token``; returns its member (None: an
        unknown token)."""
        async with self.db.session() as s:
            row = (
                await s.exec(select(EmailAddress).where(EmailAddress.unsubscribe_token == token))
            ).first()
            if row is None:
                return None
            row.reminders = row.digest = False
            s.add(row)
            return row.member_id

    # --- privacy (core rights) ---------------------------------------------------------------

    @staticmethod
    async def export(session: AsyncSession, member_id: int) -> dict[str, Any] | None:
        row = await session.get(EmailAddress, member_id)
        if row is None:
            return None
        return {
            "address": row.address,
            "confirmed_at": _iso(row.confirmed_at),
            "reminders": row.reminders,
            "digest": row.digest,
            "refused_at": _iso(row.refused_at),
            "refused_reason": row.refused_reason,
            "created_at": _iso(row.created_at),
        }

    @staticmethod
    async def forget(session: AsyncSession, member_id: int) -> None:
        await session.exec(delete(EmailAddress).where(col(EmailAddress.member_id) == member_id))

    @staticmethod
    async def merge(session: AsyncSession, kept: int, merged: int) -> None:
        """The kept member's address wins; the merged one's moves over when kept has none."""
        if await session.get(EmailAddress, kept) is not None:
            await EmailStore.forget(session, merged)
            return
        row = await session.get(EmailAddress, merged)
        if row is None:
            return
        data = row.model_dump()
        await session.delete(row)
        await session.flush()
        data["member_id"] = kept
        session.add(EmailAddress(**data))


def _status(row: EmailAddress) -> EmailStatus:
    return EmailStatus(
        row.address,
        row.confirmed_at is not None,
        row.reminders,
        row.digest,
        row.refused_reason if row.refused_at is not None else None,
        row.member_id,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
