"""Identity linking: two members (e.g. one on Discord, one on Matrix) become one.

The core moves the identities, queued messages and ``me link`` wrong tries of ``merged`` to
``kept`` (its link codes die), fills the kept member's empty language and time zone, asks every
cog to move its rows (``privacy.merge``; it may return ``MergeNote``s about conflicts it
resolved), emits
``MembersMerged`` (listeners may move rows there too; moving twice finds nothing the second
time), then deletes the merged member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import col, update

from bot.core.errors import UserError
from bot.core.events import MembersMerged
from bot.core.i18n import N_
from bot.core.mail.store import EmailStore
from bot.core.privacy import MergeNote
from bot.core.rights import LinkCodes
from bot.core.web_login import WebLogins
from bot.storage.models import Identity, Member, OutboxMessage

if TYPE_CHECKING:
    from bot.core.core import Core


@dataclass(slots=True)
class MergeReport:
    kept: int
    merged: int
    #: (msgid, params) pairs, translated when shown: how conflicts were resolved.
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _collect(report: MergeReport, result: Any) -> None:
    for item in result or []:
        if isinstance(item, MergeNote):
            report.notes.append((item.msgid, dict(item.params)))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            report.notes.append((item[0], dict(item[1])))
        elif isinstance(item, str):
            report.notes.append((item, {}))


async def merge_members(core: Core, kept: int, merged: int) -> MergeReport:
    """Fold member ``merged`` into ``kept``; returns how conflicts were resolved."""
    if kept == merged:
        raise UserError("Ces deux comptes sont déjà un seul et même membre.")
    report = MergeReport(kept, merged)
    await core.cogs_ready()  # every cog's rows move with the member
    async with core.db.session() as session:
        keep = await session.get(Member, kept)
        gone = await session.get(Member, merged)
        if keep is None or gone is None:
            raise UserError("Membre introuvable.")
        if keep.display_name != gone.display_name:
            report.notes.append(
                (
                    N_("Nom gardé : « {kept} » (l'autre compte s'appelait « {merged} »)."),
                    {"kept": keep.display_name, "merged": gone.display_name},
                )
            )
        for attr in ("locale", "timezone"):
            mine, theirs = getattr(keep, attr), getattr(gone, attr)
            if mine is None and theirs is not None:
                setattr(keep, attr, theirs)
        if gone.created_at < keep.created_at:
            keep.created_at = gone.created_at
        session.add(keep)
        await session.exec(
            update(Identity).where(col(Identity.member_id) == merged).values(member_id=kept)
        )
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.member_id) == merged)
            .values(member_id=kept)
        )
        await LinkCodes.merge(session, kept, merged)
        await WebLogins.merge(session, kept, merged)
        await EmailStore.merge(session, kept, merged)
    for cog in core.cogs.values():
        if cog.privacy is not None:
            _collect(report, await cog.privacy.merge(kept, merged))
    # Before the merged row goes (its foreign keys cascade): a cog that moves its rows in a
    # MembersMerged listener rather than the hook still finds them.
    await core.events.emit(MembersMerged(kept, merged))
    async with core.db.session() as session:
        gone = await session.get(Member, merged)
        if gone is not None:
            await session.delete(gone)
    return report
