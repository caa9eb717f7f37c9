"""Attendance confirmation: "Toujours là ?" before the café, confirm / release, and unconfirmed
seats given to the waitlist at the deadline — on SQLite and PostgreSQL, with the fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core import Role
from bot.scheduling import FakeClock
from cogs.cafe.confirmation import release_prefix, request_prefix
from cogs.cafe.models import CafeOccurrence, CafeRegistration, CafeSeries
from cogs.cafe.settings import CafeSettings
from tests.cogs.cafe.test_cafe import LINK, first_occurrence
from tests.harness import Harness, make_harness

CONFIRM = (
    '!cafe create title:"Café des médiateurs" schedule:"monthly first thursday 10:00" '
    f'timezone:Europe/Paris capacity:2 link:{LINK} reminders:"1h" '
    "confirm:24h release_unconfirmed:true"
)


def asked(h: Harness, name: str) -> list[str]:
    return [d.text for d in h.adapter.dms(name) if "Toujours là" in d.text or "Still" in d.text]


async def registration(h: Harness, occurrence_id: int, name: str) -> CafeRegistration | None:
    member = (await h.core.members.find_by_name(name))[0].id
    async with h.db.session() as s:
        return (
            await s.exec(
                select(CafeRegistration).where(
                    CafeRegistration.occurrence_id == occurrence_id,
                    CafeRegistration.member_id == member,
                )
            )
        ).first()


async def full_cafe(h: Harness) -> CafeOccurrence:
    """alice and bob hold the two seats, carol waits."""
    await h.say("mod", CONFIRM)
    for name in ("alice", "bob", "carol"):
        await h.invoke(name, "cafe join")
    occ = await first_occurrence(h)
    assert occ is not None
    return occ


async def test_series_stores_the_options_and_config_defaults(cafe: Harness) -> None:
    reply = await cafe.reply("mod", CONFIRM)
    assert "créé" in reply.text
    async with cafe.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
    assert (series.confirm_before, series.release_unconfirmed, series.release_before) == (
        86400,
        True,
        7200,
    )
    occ = await first_occurrence(cafe)
    edited = await cafe.invoke(
        "mod", "cafe edit", occurrence=occ.id, series=True, release_before="3h"
    )
    assert "modifiée" in edited.text
    off = await cafe.invoke(
        "mod",
        "cafe edit",
        occurrence=occ.id,
        series=True,
        confirm="off",
        release_unconfirmed=False,
    )
    assert "modifiée" in off.text
    async with cafe.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
    assert (series.confirm_before, series.release_unconfirmed, series.release_before) == (
        None,
        False,
        10800,
    )


async def test_config_defaults_apply_to_a_new_series(cafe: Harness) -> None:
    settings = cafe.core.cogs["cafe"].settings  # type: ignore[attr-defined]
    settings.confirm, settings.release_unconfirmed, settings.release_before = "48h", True, "3h"
    await cafe.say("mod", '!cafe create title:Défaut schedule:"2027-02-01 18:00"')
    async with cafe.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
    assert (series.confirm_before, series.release_unconfirmed, series.release_before) == (
        172800,
        True,
        10800,
    )
    assert CafeSettings(confirm="48h", release_unconfirmed=True).release_before == "2h"
    with pytest.raises(ValueError, match="needs confirm"):
        CafeSettings(release_unconfirmed=True)
    with pytest.raises(ValueError, match="5m to 30d"):
        CafeSettings(confirm="demain")


async def test_the_question_comes_at_confirm_before_in_each_members_zone(cafe: Harness) -> None:
    await cafe.say("bob", "!language en")
    await cafe.say("bob", "!timezone America/Montreal")
    occ = await full_cafe(cafe)
    pending = await cafe.core.outbox.pending(request_prefix(occ.id or 0))
    assert len(pending) == 2  # the two seat holders, not carol who waits
    assert {p.due_at for p in pending} == {occ.starts_at - timedelta(hours=24)}
    cafe.clock.set(occ.starts_at - timedelta(hours=24, minutes=1))
    await cafe.deliver()
    assert asked(cafe, "alice") == []
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    await cafe.deliver()
    (alice,) = asked(cafe, "alice")
    (bob,) = asked(cafe, "bob")
    assert asked(cafe, "carol") == []
    assert "Toujours là ?" in alice and "7 janvier à 10 h" in alice
    assert "Still coming?" in bob and "7 January at 04:00" in bob and "waitlist" in bob
    dm = next(d for d in cafe.adapter.dms("alice") if "Toujours là" in d.text)
    assert [a.command for a in dm.reply.actions] == ["cafe confirm", "cafe release"]
    assert LINK not in alice


async def test_confirm_answer_twice_and_the_deadline_gives_unconfirmed_seats_away(
    cafe: Harness,
) -> None:
    occ = await full_cafe(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    dm = next(d for d in cafe.adapter.dms("alice") if "Toujours là" in d.text)
    yes = await cafe.adapter.click("alice", dm.reply.actions[0])
    assert "est confirmée" in yes.text
    again = await cafe.invoke("alice", "cafe confirm", occurrence=occ.id)
    assert "déjà confirmé" in again.text and "rien ne change" in again.text
    info = await cafe.invoke("alice", "cafe info", occurrence=occ.id)
    assert "Votre venue est confirmée." in info.text
    alice_id = (await cafe.core.members.find_by_name("alice"))[0].id
    exported = await cafe.core.cogs["cafe"].privacy.export(alice_id)  # type: ignore[union-attr]
    assert exported["registrations"][0]["confirmed_at"] == cafe.clock.now().isoformat()
    info_bob = await cafe.invoke("bob", "cafe info", occurrence=occ.id)
    assert "pas encore confirmée" in info_bob.text
    assert info_bob.actions[0].command == "cafe confirm"
    # The deadline, 2 h before: bob did not answer and carol waits → bob's seat is hers.
    cafe.clock.set(occ.starts_at - timedelta(hours=2, minutes=1))
    await cafe.deliver()
    assert await registration(cafe, occ.id or 0, "bob") is not None
    cafe.clock.set(occ.starts_at - timedelta(hours=2))
    await cafe.deliver()
    await cafe.deliver()  # the DMs the release job queued
    assert await registration(cafe, occ.id or 0, "bob") is None
    assert (await registration(cafe, occ.id or 0, "carol")).status == "registered"
    assert (await registration(cafe, occ.id or 0, "alice")).status == "registered"
    released = [d for d in cafe.adapter.dms("bob") if "Sans confirmation" in d.text]
    assert len(released) == 1 and LINK not in released[0].text
    assert released[0].reply.actions[0].command == "cafe join"
    promoted = [d for d in cafe.adapter.dms("carol") if "une place s'est libérée" in d.text]
    assert len(promoted) == 1 and LINK in promoted[0].text
    # Nothing runs twice: delivering again sends nothing new.
    assert (await cafe.deliver()).sent == 0
    # bob can go back on the waitlist with the button.
    back = await cafe.adapter.click("bob", released[0].reply.actions[0])
    assert "liste d'attente" in back.text
    who = await cafe.invoke("mod", "cafe who", occurrence=occ.id)
    assert "2 inscrits, dont 1 confirmé ; 1 en attente." in who.text
    assert "alice · confirmé" in who.text
    # Moderators' stats once it has taken place.
    cafe.clock.set(occ.starts_at + timedelta(hours=2))
    stats = await cafe.invoke("mod", "cafe stats")
    assert "1 confirmé" in stats.text


async def test_nobody_waiting_nobody_released(cafe: Harness) -> None:
    await cafe.say("mod", CONFIRM)
    await cafe.invoke("alice", "cafe join")
    occ = await first_occurrence(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    cafe.clock.set(occ.starts_at - timedelta(hours=2))
    await cafe.deliver()
    await cafe.deliver()
    assert (await registration(cafe, occ.id or 0, "alice")).status == "registered"
    assert not any("Sans confirmation" in d.text for d in cafe.adapter.dms("alice"))


async def test_without_release_unconfirmed_seats_stay(cafe: Harness) -> None:
    await cafe.say("mod", CONFIRM.replace("release_unconfirmed:true", ""))
    for name in ("alice", "bob", "carol"):
        await cafe.invoke(name, "cafe join")
    occ = await first_occurrence(cafe)
    assert await cafe.core.outbox.pending(release_prefix(occ.id or 0)) == []
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    (text,) = asked(cafe, "bob")
    assert "pourra être donnée" not in text
    cafe.clock.set(occ.starts_at - timedelta(hours=2))
    await cafe.deliver()
    assert (await registration(cafe, occ.id or 0, "bob")).status == "registered"


async def test_release_frees_the_seat_like_leave(cafe: Harness) -> None:
    occ = await full_cafe(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    dm = next(d for d in cafe.adapter.dms("bob") if "Toujours là" in d.text)
    reply = await cafe.adapter.click("bob", dm.reply.actions[1])
    assert "est libérée" in reply.text
    await cafe.deliver()
    assert await registration(cafe, occ.id or 0, "bob") is None
    (promoted,) = [d for d in cafe.adapter.dms("carol") if "une place s'est libérée" in d.text]
    assert LINK in promoted.text
    # bob's reminders are gone, carol's are queued; a waitlisted member releasing says so.
    bob = (await cafe.core.members.find_by_name("bob"))[0].id
    carol = (await cafe.core.members.find_by_name("carol"))[0].id
    reminded = {p.member_id for p in await cafe.core.outbox.pending(f"cafe:{occ.id}:")}
    assert carol in reminded and bob not in reminded
    await cafe.invoke("dave", "cafe join")
    out = await cafe.invoke("dave", "cafe release", occurrence=occ.id)
    assert "quitté la liste d'attente" in out.text


async def test_joining_after_the_question_counts_as_confirmed(cafe: Harness) -> None:
    await cafe.say("mod", CONFIRM)
    occ = await first_occurrence(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=10))
    await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    assert (await registration(cafe, occ.id or 0, "alice")).confirmed_at == cafe.clock.now()
    assert await cafe.core.outbox.pending(request_prefix(occ.id or 0)) == []
    info = await cafe.invoke("alice", "cafe info", occurrence=occ.id)
    assert "Votre venue est confirmée." in info.text


async def test_leaving_cancelling_and_moving_drop_or_renew_the_question(cafe: Harness) -> None:
    occ = await full_cafe(cafe)
    prefix = request_prefix(occ.id or 0)
    bob = (await cafe.core.members.find_by_name("bob"))[0].id
    await cafe.invoke("alice", "cafe confirm", occurrence=occ.id)
    assert [p.member_id for p in await cafe.core.outbox.pending(prefix)] == [bob]  # answered
    # Moved: the answer was for the old date, everyone is asked again at the new one.
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, when="2027-01-08 10:00")
    pending = await cafe.core.outbox.pending(prefix)
    assert len(pending) == 2
    assert {p.due_at for p in pending} == {datetime(2027, 1, 7, 9, 0, tzinfo=UTC)}
    assert (await registration(cafe, occ.id or 0, "alice")).confirmed_at is None
    await cafe.invoke("bob", "cafe leave", occurrence=occ.id)
    assert bob not in {p.member_id for p in await cafe.core.outbox.pending(prefix)}
    await cafe.invoke("mod", "cafe cancel", occurrence=occ.id)
    assert await cafe.core.outbox.pending(prefix) == []
    cafe.clock.set(datetime(2027, 1, 8, 7, 0, tzinfo=UTC))
    await cafe.deliver()
    assert not any(
        "Sans confirmation" in d.text for n in ("alice", "carol") for d in cafe.adapter.dms(n)
    )


async def test_bad_input_is_explained(cafe: Harness) -> None:
    bad = await cafe.say("mod", CONFIRM.replace("confirm:24h", "confirm:demain"))
    assert "Durée illisible" in bad.text
    short = await cafe.say("mod", CONFIRM.replace("confirm:24h", "confirm:1m"))
    assert "entre 5 minutes et 30 jours" in short.text
    order = await cafe.say("mod", CONFIRM.replace("confirm:24h", "confirm:1h release_before:2h"))
    assert "plus court que confirm" in order.text
    alone = await cafe.say("mod", CONFIRM.replace("confirm:24h", ""))
    assert "demande aussi une confirmation" in alone.text
    async with cafe.db.session() as s:
        assert (await s.exec(select(CafeSeries))).first() is None  # nothing stored
    occ = await full_cafe(cafe)
    one = await cafe.invoke("mod", "cafe edit", occurrence=occ.id, confirm="48h")
    assert "ajoutez series:true" in one.text
    nope = await cafe.invoke("erin", "cafe confirm", occurrence=occ.id)
    assert "pas inscrit" in nope.text and "cafe join" in nope.text
    waiting = await cafe.invoke("carol", "cafe confirm", occurrence=occ.id)
    assert "liste d'attente" in waiting.text
    none = await cafe.invoke("erin", "cafe release")
    assert "aucun café à venir" in none.text
    await cafe.say("erin", "!language en")
    english = await cafe.invoke("erin", "cafe confirm", occurrence=occ.id)
    assert english.text.startswith("You are not registered for café no.")
    cafe.clock.set(occ.starts_at + timedelta(minutes=5))
    late = await cafe.invoke("alice", "cafe confirm", occurrence=occ.id)
    assert "a déjà commencé" in late.text and "cafe here" in late.text
    async with cafe.db.session() as s:
        second = list(await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at)))[1]
    await cafe.invoke("mod", "cafe cancel", occurrence=second.id)
    gone = await cafe.invoke("alice", "cafe release", occurrence=second.id)
    assert "est annulé" in gone.text


async def test_restart_and_two_processes_release_exactly_once(db_url: str) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    first = await make_harness(db_url, cogs=["cafe"], clock=clock)
    first.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await first.say("mod", CONFIRM.replace("capacity:2", "capacity:4"))
    names = [f"m{i}" for i in range(8)]  # four seats, four waiting
    for name in names:
        await first.invoke(name, "cafe join")
    occ = await first_occurrence(first)
    clock.set(occ.starts_at - timedelta(hours=24))
    await first.deliver()
    await first.invoke("m0", "cafe confirm")
    await first.close()  # the bot stops; the deadline passes while it is down
    clock.set(occ.starts_at - timedelta(hours=1, minutes=30))
    one = await make_harness(db_url, cogs=["cafe"], clock=clock)
    two = await make_harness(db_url, cogs=["cafe"], clock=clock)
    try:
        await asyncio.gather(one.deliver(), two.deliver(), one.deliver(), two.deliver())
        await asyncio.gather(one.deliver(), two.deliver())
        sent = [s for h in (one, two) for s in h.adapter.sent if s.kind == "dm"]
        assert max(Counter(s.key for s in sent).values()) == 1
        released = {s.member.id for s in sent if "Sans confirmation" in s.text}
        promoted = {s.member.id for s in sent if "une place s'est libérée" in s.text}
        assert released == {"m1", "m2", "m3"}  # m0 confirmed
        assert promoted == {"m4", "m5", "m6"}  # three seats for the first three waiting
        async with one.db.session() as s:
            regs = list(
                await s.exec(
                    select(CafeRegistration).where(CafeRegistration.status == "registered")
                )
            )
        assert len(regs) == 4
    finally:
        for h in (one, two):
            await h.close()


async def test_a_refused_dm_asks_in_the_room_without_the_link(cafe: Harness) -> None:
    occ = await full_cafe(cafe)
    cafe.adapter.refuse_dms.add("alice")
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    await cafe.deliver()
    (post,) = [s for s in cafe.adapter.in_room() if "@alice" in s.text]
    assert f"cafe confirm {occ.id}" in post.text and LINK not in post.text
    # Asked in the room counts as asked: unanswered, the seat goes at the deadline.
    await cafe.invoke("bob", "cafe confirm", occurrence=occ.id)
    cafe.clock.set(occ.starts_at - timedelta(hours=2))
    await cafe.deliver()
    await cafe.deliver()
    assert await registration(cafe, occ.id or 0, "alice") is None


async def test_a_seat_taken_after_the_question_is_not_given_away(cafe: Harness) -> None:
    """carol gets bob's seat after the question went out: never asked, she keeps it; alice
    was asked and did not answer, so hers goes to dave, the latest unconfirmed first."""
    occ = await full_cafe(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    await cafe.invoke("bob", "cafe release", occurrence=occ.id)
    await cafe.invoke("dave", "cafe join", occurrence=occ.id)
    cafe.clock.set(occ.starts_at - timedelta(hours=2))
    await cafe.deliver()
    await cafe.deliver()
    assert await registration(cafe, occ.id or 0, "alice") is None
    assert (await registration(cafe, occ.id or 0, "carol")).status == "registered"
    assert (await registration(cafe, occ.id or 0, "dave")).status == "registered"
