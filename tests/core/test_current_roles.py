"""A member's roles right now, asked of every running platform (bot/core/roles.py): the union
over their identities; a platform that cannot answer grants nothing."""

from __future__ import annotations

from bot.adapters.memory import MemoryAdapter
from bot.core import Role
from bot.core.linking import merge_members
from bot.core.refs import MemberRef
from bot.core.roles import current_roles
from tests.harness import make_harness


class Broken(MemoryAdapter):
    async def roles_of(self, member: MemberRef) -> frozenset[Role]:
        raise ConnectionError("the platform is unreachable")


async def test_roles_are_the_union_over_platforms_and_fail_closed(db_url: str) -> None:
    async with await make_harness(db_url) as h:
        other = MemoryAdapter("second")
        h.core.add_adapter(other)
        here = (await h.core.members.resolve(MemberRef("memory", "zoe", "zoe"))).id
        there = (await h.core.members.resolve(MemberRef("second", "zoe2", "zoe"))).id
        await merge_members(h.core, here, there)
        assert await current_roles(h.core, here) == {Role.MEMBER}
        other.set_roles("zoe2", Role.MEMBER, Role.MODERATOR)
        assert await current_roles(h.core, here) == {Role.MEMBER, Role.MODERATOR}
        h.adapter.set_roles("zoe", Role.EVERYONE)  # left the community on one platform
        assert await current_roles(h.core, here) == {Role.EVERYONE, Role.MEMBER, Role.MODERATOR}
        h.core.adapters["second"] = Broken("second")
        assert await current_roles(h.core, here) == {Role.EVERYONE}
        del h.core.adapters["second"]  # a platform not running: its identity counts for nothing
        assert await current_roles(h.core, here) == {Role.EVERYONE}
