"""A member's roles right now, asked of the platforms (not remembered from a past command).

Roles come only from the community (DESIGN.md): the web dashboard has no platform of its own,
so on every request it asks each running adapter that can tell (:class:`RoleLookup`) for the
roles of the member's identity there, and keeps the highest. A member demoted on Discord is
a plain member on the next page they open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.core.ports import RoleLookup
from bot.core.refs import ROLE_RANK, MemberRef, Role

if TYPE_CHECKING:
    from bot.core.core import Core

log = logging.getLogger(__name__)


async def current_roles(core: Core, member_id: int) -> frozenset[Role]:
    """The union of the member's roles on every running platform (empty: none known)."""
    return await roles_of_identities(core, member_id, await core.members.identities(member_id))


async def roles_of_identities(
    core: Core, member_id: int, identities: Iterable[MemberRef]
) -> frozenset[Role]:
    """:func:`current_roles` when the member's identities are already at hand (the web
    layer reads them with the session, in the same statement)."""
    roles: set[Role] = set()
    for ref in identities:
        adapter = core.adapters.get(ref.platform)
        if not isinstance(adapter, RoleLookup):
            continue
        try:
            roles |= await adapter.roles_of(ref)
        except Exception:  # a platform that cannot answer grants nothing (fail closed)
            log.warning("Could not read the roles of member %s on %s", member_id, ref.platform)
    return frozenset(roles)


def has_role(roles: frozenset[Role], needed: Role) -> bool:
    return max((ROLE_RANK[r] for r in roles), default=0) >= ROLE_RANK[needed]
