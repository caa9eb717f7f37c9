"""A member's data across the core and every cog: export it all, or forget it all.

``export_member`` gathers the core's rows (member, identities, e-mail address, queued messages,
``me link`` codes) and each enabled cog's part (its ``privacy.export``) into one JSON-ready dict
(shape documented in docs/onboarding.md). ``forget_member`` calls every cog's ``privacy.forget``,
then deletes the member's link codes, e-mail address, queued messages, identities and member
row (the foreign keys cascade to whatever a cog forgot). Both are core rights: they work with
no cog enabled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlmodel import col, delete, select

from bot.core.mail.store import EmailStore
from bot.core.rights import LinkCodes
from bot.core.web_login import WebLogins
from bot.storage.models import Identity, Member, OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MergeNote:
    """How a merge resolved one conflict, shown to the member: a French msgid (mark it with
    ``N_``) and its parameters, translated when shown."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class PrivacyHooks(Protocol):
    """A cog's part of the community's privacy rights (``me export | forget | link``).

    Each cog that stores anything about members implements this in its ``privacy.py`` and
    sets ``Cog.privacy`` to it; the core calls the same three names in every cog.
    """

    async def export(self, member_id: int) -> dict[str, Any] | None:
        """Everything the cog holds about the member, JSON-ready (None: nothing)."""
        ...

    async def forget(self, member_id: int) -> None:
        """Delete or anonymise every row of the cog that refers to the member."""
        ...

    async def merge(self, kept: int, merged: int) -> list[MergeNote]:
        """Move ``merged``'s rows to ``kept`` (identity linking), resolving conflicts."""
        ...


EXPORT_FORMAT = "passerelle.member-export"
EXPORT_VERSION = 1


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_member(core: Core, member_id: int) -> dict[str, Any]:
    """Everything the bot holds about ``member_id``, JSON-ready."""
    async with core.db.session() as session:
        member = await session.get(Member, member_id)
        identities = list(
            await session.exec(
                select(Identity).where(Identity.member_id == member_id).order_by(col(Identity.id))
            )
        )
        email = await EmailStore.export(session, member_id)
        queued = list(
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.member_id == member_id)
                .order_by(col(OutboxMessage.due_at))
            )
        )
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(core.clock.now()),
        "member": None,
        "identities": [],
        "messages": [],
        "link_codes": [],
        "dashboard": {},
        "email": email,
        "cogs": {},
    }
    if member is not None:
        data["member"] = {
            "id": member.id,
            "display_name": member.display_name,
            "locale": member.locale,
            "timezone": member.timezone,
            "created_at": _iso(member.created_at),
            "last_seen_at": _iso(member.last_seen_at),
        }
    data["identities"] = [
        {
            "platform": i.platform,
            "external_id": i.external_id,
            "display_name": i.display_name,
            "created_at": _iso(i.created_at),
            "last_seen_at": _iso(i.last_seen_at),
        }
        for i in identities
    ]
    data["messages"] = [
        {
            "key": m.key,
            "kind": m.kind,
            "platform": m.platform,
            "status": m.status,
            "due_at": _iso(m.due_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in queued
    ]
    data["link_codes"] = await LinkCodes(core.db, core.clock, core.members).export(member_id)
    data["dashboard"] = await WebLogins(core.db, core.clock).export(member_id)
    await core.cogs_ready()
    for name, cog in sorted(core.cogs.items()):
        section = await cog.privacy.export(member_id) if cog.privacy else None
        if section is not None:
            data["cogs"][name] = section
    return data


async def forget_member(core: Core, member_id: int) -> None:
    """Every cog forgets the member, then the core deletes its own rows about them."""
    await core.cogs_ready()
    for cog in core.cogs.values():
        if cog.privacy is not None:
            await cog.privacy.forget(member_id)
    # Adapters keep a little platform state of their own (DM rooms, refused-DM lists):
    # each running adapter that offers ``forget(ref)`` drops what it holds on these identities.
    for ref in await core.members.identities(member_id):
        adapter = core.adapters.get(ref.platform)
        forget = getattr(adapter, "forget", None)
        if forget is not None:
            await forget(ref)
    async with core.db.session() as session:
        await LinkCodes.forget(session, member_id)
        await WebLogins.forget(session, member_id)
        await EmailStore.forget(session, member_id)
        # Queued messages (pending or sent) would still carry the member's words and id.
        await session.exec(delete(OutboxMessage).where(col(OutboxMessage.member_id) == member_id))
        await session.exec(delete(Identity).where(col(Identity.member_id) == member_id))
        await session.exec(delete(Member).where(col(Member.id) == member_id))
    log.info("Member %s forgotten", member_id)
