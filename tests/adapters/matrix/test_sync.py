"""Sync rules that need no homeserver: each event handled once, history before the bot's
join left alone, the first messages of a new DM kept when recent."""

from __future__ import annotations

from types import SimpleNamespace

from nio import RoomMemberEvent

from bot.adapters.matrix.sync import SeenEvents, after_own_join, recent

BOT = "@bot:ex.org"


def member_event(user: str, membership: str) -> RoomMemberEvent:
    source = {
        "event_id": f"$join-{user}",
        "sender": user,
        "origin_server_ts": 0,
        "state_key": user,
        "type": "m.room.member",
        "content": {"membership": membership},
    }
    event = RoomMemberEvent.from_dict(source)
    assert isinstance(event, RoomMemberEvent)
    return event


def test_an_event_is_handled_once_and_old_ids_are_let_go() -> None:
    seen = SeenEvents(size=2)
    a, b, c = (SimpleNamespace(event_id=f"${n}") for n in "abc")
    assert seen.first_time(a) and not seen.first_time(a)
    assert seen.first_time(b) and seen.first_time(c)
    assert seen.first_time(a)  # forgotten beyond ``size``
    assert seen.first_time(SimpleNamespace()) and seen.first_time(SimpleNamespace())  # no id


def test_only_what_follows_the_bot_s_own_join_is_answered() -> None:
    before = SimpleNamespace(event_id="$old")
    after = SimpleNamespace(event_id="$new")
    events = [before, member_event("@ann:ex.org", "join"), member_event(BOT, "join"), after]
    assert after_own_join(events, BOT) == [after]
    assert after_own_join([before, after], BOT) == []  # our join not in sight: nothing


def test_a_new_dm_keeps_only_recent_messages() -> None:
    now = 1_000_000.0
    old = SimpleNamespace(server_timestamp=(now - 601) * 1000)
    new = SimpleNamespace(server_timestamp=(now - 10) * 1000)
    assert recent([old, new], now) == [new]
