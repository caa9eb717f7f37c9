"""Who the Matrix adapter trusts, without a homeserver: roles only from the community rooms,
direct chats only when recorded as such and private, the bot's power to redact, and what
``forget`` drops from the state file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nio import MatrixRoom

from bot.adapters.matrix import MatrixAdapter
from bot.adapters.matrix.direct import DirectRooms
from bot.config import MatrixSection
from bot.core.refs import MemberRef, Role, RoomRef

BOT = "@bot:ex.org"
COMMUNITY = "!community:ex.org"


class Response:
    status = 200

    def release(self) -> None:
        pass


class Client:
    """The few AsyncClient members the adapter reads here: rooms, raw sends, leaving."""

    def __init__(self) -> None:
        self.rooms: dict[str, MatrixRoom] = {}
        self.access_token = "token"
        self.account_data: dict[str, Any] = {}
        self.left: list[str] = []
        self.forgotten: list[str] = []

    def room(self, room_id: str, members: dict[str, int], invited: tuple[str, ...] = ()) -> None:
        room = MatrixRoom(room_id, BOT)
        room.room_version = "10"
        for user, level in members.items():
            room.add_member(user, None, None)
            room.power_levels.users[user] = level
        for user in invited:
            room.add_member(user, None, None, invited=True)
        self.rooms[room_id] = room

    async def send(self, method: str, path: str, data: str = "", **_: Any) -> Response:
        if method == "PUT" and path.endswith("/m.direct"):
            self.account_data = json.loads(data)
        return Response()

    async def room_leave(self, room_id: str) -> None:
        self.left.append(room_id)

    async def room_forget(self, room_id: str) -> None:
        self.forgotten.append(room_id)


def adapter(tmp_path: Path, **kw: Any) -> tuple[MatrixAdapter, Client]:
    settings = MatrixSection(
        enabled=True, user_id=BOT, rooms=[COMMUNITY], store_path=str(tmp_path), **kw
    )
    a = MatrixAdapter(settings)
    a.user_id = BOT
    a.community = {COMMUNITY}
    client = Client()
    a.client = client  # type: ignore[assignment]
    return a, client


def test_a_power_level_in_her_own_room_gives_nothing(tmp_path: Path) -> None:
    a, client = adapter(tmp_path)
    client.room(COMMUNITY, {BOT: 0, "@mallory:ex.org": 0, "@mod:ex.org": 50})
    # Mallory made her own room (she is 100 there) with a friend and invited the bot.
    client.room("!hers:ex.org", {"@mallory:ex.org": 100, "@friend:ex.org": 0, BOT: 0})
    roles = a.actor("@mallory:ex.org", "!hers:ex.org").roles
    assert Role.MODERATOR not in roles and Role.ADMIN not in roles
    assert Role.MEMBER in roles
    # The community's moderator is one everywhere, even typing in Mallory's room.
    assert Role.MODERATOR in a.actor("@mod:ex.org", "!hers:ex.org").roles
    # Someone in no community room is nobody in particular, even as the room's admin.
    client.room("!other:ex.org", {"@stranger:ex.org": 100, BOT: 0})
    assert a.actor("@stranger:ex.org", "!other:ex.org").roles == frozenset({Role.EVERYONE})


def test_the_highest_level_in_any_community_room_counts(tmp_path: Path) -> None:
    second = "!second:ex.org"
    a, client = adapter(tmp_path)
    a.community = {COMMUNITY, second}
    client.room(COMMUNITY, {BOT: 0, "@ann:ex.org": 0})
    client.room(second, {BOT: 0, "@ann:ex.org": 100})
    assert Role.ADMIN in a.actor("@ann:ex.org", COMMUNITY).roles
    # An invitation alone (not joined) gives no role.
    client.room("!third:ex.org", {BOT: 0})
    a.community.add("!third:ex.org")
    client.rooms["!third:ex.org"].power_levels.users["@inv:ex.org"] = 100
    client.rooms["!third:ex.org"].add_member("@inv:ex.org", None, None, invited=True)
    assert a.actor("@inv:ex.org", COMMUNITY).roles == frozenset({Role.EVERYONE})


def test_a_small_room_is_not_a_dm_unless_recorded_and_private(tmp_path: Path) -> None:
    a, client = adapter(tmp_path)
    client.room(COMMUNITY, {BOT: 0, "@ann:ex.org": 0})
    client.room("!small:ex.org", {BOT: 0, "@ann:ex.org": 0})  # two people, no is_direct
    assert not a.room_ref("!small:ex.org").direct
    client.room("!dm:ex.org", {BOT: 0, "@ann:ex.org": 0})
    a.state.direct_rooms["@ann:ex.org"] = "!dm:ex.org"  # from is_direct / m.direct
    assert a.room_ref("!dm:ex.org").direct
    # Someone else invited into the "DM": it is no longer private.
    client.rooms["!dm:ex.org"].add_member("@eve:ex.org", None, None, invited=True)
    assert not a.room_ref("!dm:ex.org").direct
    assert not a.room_ref(COMMUNITY).direct


async def test_can_redact_follows_the_bot_s_power_level(tmp_path: Path) -> None:
    a, client = adapter(tmp_path)
    client.room(COMMUNITY, {BOT: 0, "@ann:ex.org": 100})
    room = RoomRef("matrix", COMMUNITY)
    assert await a.can_redact(room) is False
    client.rooms[COMMUNITY].power_levels.users[BOT] = 50  # the room's redact level
    assert await a.can_redact(room) is True
    client.rooms[COMMUNITY].power_levels.events["m.room.redaction"] = 75
    assert await a.can_redact(room) is False
    assert await a.can_redact(RoomRef("matrix", "!unknown:ex.org")) is False


async def test_forget_drops_the_member_from_the_state_file(tmp_path: Path) -> None:
    a, client = adapter(tmp_path)
    a.ready.set()
    a.state.direct_rooms.update({"@ann:ex.org": "!dm-ann:ex.org", "@bob:ex.org": "!dm-bob:ex.org"})
    a.state.refused_dm.extend(["@ann:ex.org", "@carl:ex.org"])
    a.statefile.save()
    await a.forget(MemberRef("matrix", "@ann:ex.org", "Ann"))
    saved = (tmp_path / "passerelle-state.json").read_text(encoding="utf-8")
    assert "@ann:ex.org" not in saved and "!dm-ann:ex.org" not in saved
    assert json.loads(saved)["direct_rooms"] == {"@bob:ex.org": "!dm-bob:ex.org"}
    assert client.account_data == {"@bob:ex.org": ["!dm-bob:ex.org"]}  # m.direct rewritten
    assert client.left == ["!dm-ann:ex.org"] and client.forgotten == ["!dm-ann:ex.org"]
    # Refused DMs are keyed by the user too.
    await a.forget(MemberRef("matrix", "@carl:ex.org", "Carl"))
    assert "@carl:ex.org" not in (tmp_path / "passerelle-state.json").read_text("utf-8")


async def test_forget_leaves_the_dm_when_the_command_ended_while_m_direct_was_written(
    tmp_path: Path,
) -> None:
    """Whether her command is still being answered is asked after ``m.direct`` is written: a
    command that ended meanwhile has already passed its ``finish_forget``."""
    a, _ = adapter(tmp_path)
    answering = {"now": True}

    class Slow(Client):
        async def send(self, method: str, path: str, data: str = "", **kw: Any) -> Response:
            answering["now"] = False  # the command ends during the PUT
            return await super().send(method, path, data, **kw)

    slow = Slow()
    a.client = slow  # type: ignore[assignment]
    a.state.direct_rooms["@ann:ex.org"] = "!dm-ann:ex.org"
    direct = DirectRooms(a.session, a.sync.wait_rooms)
    await direct.forget("@ann:ex.org", started=True, busy=lambda: answering["now"])
    assert slow.left == ["!dm-ann:ex.org"]
    # Still answering after the PUT: the room is left once the answer is out.
    a.state.direct_rooms["@bob:ex.org"] = "!dm-bob:ex.org"
    await direct.forget("@bob:ex.org", started=True, busy=lambda: True)
    assert slow.left == ["!dm-ann:ex.org"]
    await direct.finish_forget("@bob:ex.org")
    assert slow.left == ["!dm-ann:ex.org", "!dm-bob:ex.org"]
