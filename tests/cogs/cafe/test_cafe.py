"""The café cog end to end through the in-memory adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlmodel import select

from bot.core import MemberRef, ReminderPreferenceChanged, Role
from bot.core.privacy import PrivacyHooks
from bot.storage.models import OutboxMessage
from cogs.cafe.models import CafeOccurrence, CafeRegistration
from tests.harness import Harness

LINK = "https://visio.example.org/cafe-secret"
CREATE = (
    '!cafe create title:"Café des médiateurs" schedule:"monthly first thursday 10:00" '
    f'timezone:Europe/Paris duration:60 capacity:2 link:{LINK} reminders:"24h,15m" '
    "members_only:true"
)


async def first_occurrence(h: Harness) -> CafeOccurrence:
    async with h.db.session() as s:
        return (await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))).first()


async def outbox_keys(h: Harness, prefix: str = "cafe:") -> dict[str, str]:
    async with h.db.session() as s:
        rows = await s.exec(select(OutboxMessage))
        return {r.key: r.status for r in rows if r.key.startswith(prefix)}


async def test_create_shows_next_five_dates_in_the_series_zone(cafe: Harness) -> None:
    reply = await cafe.say("mod", CREATE)
    assert reply is not None and reply.private
    text = reply.text
    assert "jeudi 7 janvier à 10 h" in text
    assert "jeudi 6 mai à 10 h" in text
    assert text.count("\n- ") == 5
    assert LINK not in text


async def test_non_moderator_cannot_create(cafe: Harness) -> None:
    reply = await cafe.say("alice", CREATE)
    assert "réservée aux modérateurs" in reply.text
    assert await first_occurrence(cafe) is None


async def test_bad_input_is_explained(cafe: Harness) -> None:
    bad = await cafe.say("mod", '!cafe create title:X schedule:"quand ça nous chante"')
    assert "Je ne comprends pas ce calendrier" in bad.text and "mensuel premier jeudi" in bad.text
    zone = await cafe.say(
        "mod", '!cafe create title:X schedule:"weekly monday 18:00" timezone:Mars/Olympus'
    )
    assert "Fuseau horaire inconnu" in zone.text
    cap = await cafe.say("mod", '!cafe create title:X schedule:"weekly monday 18:00" capacity:0')
    assert "capacity doit être comprise entre 1 et 10000" in cap.text  # declared range
    past = await cafe.say("mod", '!cafe create title:X schedule:"2026-03-04 10:00"')
    assert "déjà passée" in past.text
    assert await first_occurrence(cafe) is None
    await cafe.say("bob", "!language en")
    english = await cafe.invoke("bob", "cafe join")
    assert english.text == "No café is planned at the moment."


async def test_announcement_in_the_room_with_a_join_action_and_no_link(cafe: Harness) -> None:
    created = await cafe.say("mod", CREATE)
    assert "annoncé dans le salon dans 5 min" in created.text
    await cafe.deliver()
    assert cafe.adapter.in_room() == []  # the moderator sees the dates first
    occ = await first_occurrence(cafe)
    await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Les publics")
    cafe.clock.advance(timedelta(minutes=5))
    await cafe.deliver()
    posts = [s for s in cafe.adapter.in_room() if s.reply.title]
    assert len(posts) == 1
    (post,) = posts
    assert "Nouveau café" in post.reply.title and LINK not in post.text
    assert "Les publics" in post.reply.title
    assert post.reply.actions[0].command == "cafe join"
    # Pressing the button registers.
    reply = await cafe.adapter.click("alice", post.reply.actions[0])
    assert "vous êtes inscrit" in reply.text and LINK in reply.text and reply.private


async def test_join_twice_capacity_waitlist_and_promotion(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    first = await cafe.invoke("alice", "cafe join")
    assert LINK in first.text and first.private
    (ics,) = first.attachments
    assert Calendar.from_ical(ics.data).walk("VEVENT")[0]["UID"]
    again = await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    assert "déjà inscrit" in again.text
    await cafe.invoke("bob", "cafe join")
    full = await cafe.invoke("carol", "cafe join")
    assert "liste d'attente" in full.text and "position 1" in full.text and LINK not in full.text
    dave = await cafe.invoke("dave", "cafe join")
    assert "position 2" in dave.text
    # Not registered: clear message.
    nope = await cafe.invoke("erin", "cafe leave", occurrence=occ.id)
    assert "pas inscrit" in nope.text
    # Bob leaves: carol is promoted and told by DM (with the link), dave stays waiting.
    await cafe.invoke("bob", "cafe leave")
    await cafe.deliver()
    (dm,) = cafe.adapter.dms("carol")
    assert "une place s'est libérée" in dm.text and LINK in dm.text
    assert cafe.adapter.dms("dave") == []
    keys = await outbox_keys(cafe)
    members = {m.display_name: m.id for m in (await cafe.core.members.find_by_name("carol"))}
    assert f"cafe:{occ.id}:900:{members['carol']}" in keys
    assert not any(k.endswith(f":{occ.id}") for k in keys)
    info = await cafe.invoke("dave", "cafe info", occurrence=occ.id)
    assert "liste d'attente (1" in info.text


async def test_reminders_exactly_once_in_member_language_and_zone(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.say("bob", "!language en")
    await cafe.say("bob", "!timezone America/Montreal")
    await cafe.invoke("alice", "cafe join")
    await cafe.invoke("bob", "cafe join")
    occ = await first_occurrence(cafe)
    start = occ.starts_at  # Thursday 7 January 2027 09:00 UTC
    cafe.clock.set(start - timedelta(hours=24))
    await cafe.deliver()
    cafe.clock.set(start - timedelta(minutes=15))
    await cafe.deliver()
    await cafe.deliver()
    alice = [d.text for d in cafe.adapter.dms("alice")]
    bob = [d.text for d in cafe.adapter.dms("bob")]
    assert len(alice) == 2 and len(bob) == 2
    assert "jeudi 7 janvier à 10 h" in alice[0] and LINK in alice[0]
    assert "Thursday 7 January at 04:00" in bob[0] and "Reminder" in bob[0]
    assert "retard" not in alice[1]
    # A restart with the same database sends nothing again.
    assert (await cafe.deliver()).sent == 0


async def test_late_within_grace_says_so_and_skipped_after(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    occ = await first_occurrence(cafe)
    # The bot was down from 30 h before until 7 h after the 24 h reminder: skipped (grace 6 h).
    cafe.clock.set(occ.starts_at - timedelta(hours=17))
    await cafe.deliver()
    assert cafe.adapter.dms("alice") == []
    keys = await outbox_keys(cafe)
    assert "skipped" in keys.values()
    # Down over the 15 min one: sent 20 minutes late, saying so.
    cafe.clock.set(occ.starts_at + timedelta(minutes=5))
    cafe.core.outbox.started_at = cafe.clock.now()  # the bot comes back up now
    await cafe.deliver()
    (dm,) = cafe.adapter.dms("alice")
    assert "Envoyé en retard" in dm.text


async def test_refused_dm_falls_back_to_a_mention_without_the_link(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    cafe.adapter.refuse_dms.add("alice")
    occ = await first_occurrence(cafe)
    cafe.clock.set(occ.starts_at - timedelta(hours=24))
    await cafe.deliver()
    mentions = [s for s in cafe.adapter.in_room() if "@alice" in s.text]
    assert len(mentions) == 1 and LINK not in mentions[0].text
    assert all(LINK not in s.text for s in cafe.adapter.in_room())


async def test_member_preference_and_onboarding_event(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    occ = await first_occurrence(cafe)
    alice = (await cafe.core.members.find_by_name("alice"))[0].id
    reply = await cafe.invoke("alice", "cafe reminders", offsets="1d,1h")
    assert "1 jour" in reply.text
    keys = await outbox_keys(cafe)
    assert set(keys) == {f"cafe:{occ.id}:86400:{alice}", f"cafe:{occ.id}:3600:{alice}"}
    await cafe.invoke("alice", "cafe reminders", offsets="off")
    assert await outbox_keys(cafe) == {}
    await cafe.core.events.emit(ReminderPreferenceChanged(alice, (1800,)))
    assert set(await outbox_keys(cafe)) == {f"cafe:{occ.id}:1800:{alice}"}
    await cafe.core.events.emit(ReminderPreferenceChanged(alice, ()))
    assert set(await outbox_keys(cafe)) == {
        f"cafe:{occ.id}:86400:{alice}",
        f"cafe:{occ.id}:900:{alice}",
    }
    bad = await cafe.invoke("alice", "cafe reminders", offsets="bientôt")
    assert "Durée illisible" in bad.text


async def test_move_edit_and_cancel_notify_and_reschedule(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    occ = await first_occurrence(cafe)
    alice = (await cafe.core.members.find_by_name("alice"))[0].id
    await cafe.deliver()
    topic = await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Les publics")
    assert topic.private
    moved = await cafe.invoke("mod", "cafe edit", occurrence=occ.id, when="2027-01-08 14:00")
    assert "modifié" in moved.text
    await cafe.deliver()
    texts = [d.text for d in cafe.adapter.dms("alice")]
    assert any("a été modifié" in t and "Les publics" in t for t in texts)
    assert any("déplacé" in t and "vendredi 8 janvier à 14 h" in t for t in texts)
    new_start = datetime(2027, 1, 8, 13, 0, tzinfo=UTC)
    async with cafe.db.session() as s:
        due = {r.key: r.due_at for r in await s.exec(select(OutboxMessage))}
    assert due[f"cafe:{occ.id}:900:{alice}"] == new_start - timedelta(minutes=15)
    cancelled = await cafe.invoke("mod", "cafe cancel", occurrence=occ.id)
    assert "annulé" in cancelled.text
    await cafe.deliver()
    assert "est annulé" in cafe.adapter.dms("alice")[-1].text
    assert await outbox_keys(cafe) == {}  # pending reminders dropped
    cafe.clock.set(new_start)
    await cafe.deliver()
    assert not any("commence" in s.text for s in cafe.adapter.in_room())
    joined = await cafe.invoke("bob", "cafe join", occurrence=occ.id)
    assert "annulé" in joined.text


async def test_checkin_window_who_and_stats(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol"):
        await cafe.invoke(name, "cafe join")
    early = await cafe.invoke("alice", "cafe here")
    assert "Le pointage ouvre 10 min avant" in early.text
    assert "jeudi 7 janvier à 10 h" in early.text
    cafe.clock.set(occ.starts_at - timedelta(minutes=10))
    ok = await cafe.invoke("alice", "cafe here")
    assert "présence" in ok.text and LINK in ok.text
    assert "déjà pointé" in (await cafe.invoke("alice", "cafe here")).text
    cafe.clock.set(occ.starts_at + timedelta(minutes=30))
    await cafe.invoke("erin", "cafe here")  # a walk-in
    await cafe.deliver()
    started = [s for s in cafe.adapter.in_room() if "commence" in s.text]
    assert len(started) == 1 and LINK not in started[0].text
    who = await cafe.invoke("mod", "cafe who", occurrence=occ.id)
    assert who.private and "alice ✓" in who.text and "carol" in who.text
    stats = await cafe.invoke("mod", "cafe stats")
    assert stats.private
    assert "2 inscrits, 1 en attente, 1 présent (+1 sans inscription), absence 50 %" in stats.text
    assert "bob" not in stats.text
    denied = await cafe.invoke("alice", "cafe stats")
    assert "réservée aux modérateurs" in denied.text
    cafe.clock.set(occ.starts_at + timedelta(minutes=61))
    closed = await cafe.invoke("bob", "cafe here")
    assert "pointage" in closed.text
    async with cafe.db.session() as s:
        regs = list(await s.exec(select(CafeRegistration)))
    assert len(regs) == 4


async def test_list_in_readers_zone_and_materialised_ahead(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.say("bob", "!timezone America/Montreal")
    await cafe.say("bob", "!language en")
    reply = await cafe.invoke("bob", "cafe list")
    assert reply.text.count("**#") == 3
    assert "Thursday 7 January at 04:00" in reply.text
    assert "America/Montreal" in reply.text
    # After the first café starts, the next one is materialised and announced.
    cafe.clock.advance(timedelta(minutes=5))
    await cafe.deliver()
    occ = await first_occurrence(cafe)
    cafe.clock.set(occ.starts_at)
    await cafe.deliver()
    async with cafe.db.session() as s:
        assert len(list(await s.exec(select(CafeOccurrence)))) == 4
    cafe.clock.advance(timedelta(seconds=1))
    await cafe.deliver()
    titles = [s.reply.title for s in cafe.adapter.in_room() if s.reply.title]
    assert len(titles) == 2


async def test_members_only(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    cafe.adapter.set_roles("guest", Role.EVERYONE)
    reply = await cafe.invoke("guest", "cafe join")
    assert "réservé aux membres" in reply.text


async def test_calendars_series_and_occurrence(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("mod", "cafe cancel", occurrence=occ.id + 1)
    await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Publics")
    series = await cafe.invoke("alice", "cafe calendar")
    cal = Calendar.from_ical(series.attachments[0].data)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    events = cal.walk("VEVENT")
    master = next(e for e in events if "RRULE" in e)
    assert master["RRULE"]["FREQ"] == ["MONTHLY"]
    assert "EXDATE" in master
    assert any("RECURRENCE-ID" in e for e in events)
    assert LINK not in series.attachments[0].data.decode()  # alice is not registered
    again = await cafe.invoke("alice", "cafe calendar")
    uids = {str(e["UID"]) for e in Calendar.from_ical(again.attachments[0].data).walk("VEVENT")}
    assert uids == {str(e["UID"]) for e in events}
    await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    one = await cafe.invoke("alice", "cafe calendar", occurrence=occ.id)
    event = Calendar.from_ical(one.attachments[0].data).walk("VEVENT")[0]
    assert event.decoded("DTSTART").hour == 10 and LINK in one.attachments[0].data.decode()


async def test_raising_capacity_promotes_the_waitlist_in_order(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol", "dave", "erin"):
        await cafe.invoke(name, "cafe join")
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, capacity=4)
    await cafe.deliver()
    assert any("une place s'est libérée" in d.text for d in cafe.adapter.dms("carol"))
    assert any("une place s'est libérée" in d.text for d in cafe.adapter.dms("dave"))
    assert cafe.adapter.dms("erin") == []
    info = await cafe.invoke("erin", "cafe info", occurrence=occ.id)
    assert "liste d'attente (1" in info.text


async def test_privacy_hooks(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    await cafe.invoke("alice", "cafe reminders", offsets="1h")
    alice = (await cafe.core.members.find_by_name("alice"))[0].id
    bob = (await cafe.core.members.resolve(MemberRef("memory", "bob", "bob"))).id
    privacy = cafe.core.cogs["cafe"].privacy
    assert isinstance(privacy, PrivacyHooks)
    exported = await privacy.export(alice)
    assert exported is not None
    assert exported["reminders"] == "3600" and len(exported["registrations"]) == 1
    assert await privacy.merge(bob, alice) == []
    assert len((await privacy.export(bob) or {})["registrations"]) == 1
    assert (await privacy.export(alice) or {})["registrations"] == []
    await privacy.forget(bob)
    assert await privacy.export(bob) == {"registrations": [], "reminders": "default"}


async def test_series_edit_applies_to_every_upcoming_cafe(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    await cafe.invoke("alice", "cafe join", occurrence=occ.id + 1)
    await cafe.invoke("bob", "cafe join", occurrence=occ.id + 1)
    await cafe.invoke("carol", "cafe join", occurrence=occ.id + 1)  # waitlisted (capacity 2)
    new_link = "https://visio.example.org/nouveau"
    reply = await cafe.invoke(
        "mod",
        "cafe edit",
        occurrence=occ.id,
        series=True,
        title="Café des publics",
        link=new_link,
        capacity=3,
        reminders="1h",
    )
    assert "3 cafés à venir" in reply.text
    await cafe.deliver()
    texts = [d.text for d in cafe.adapter.dms("alice")]
    assert sum("Café des publics" in t and new_link in t for t in texts) == 2
    assert any("une place s'est libérée" in d.text for d in cafe.adapter.dms("carol"))
    alice = (await cafe.core.members.find_by_name("alice"))[0].id
    keys = await outbox_keys(cafe)
    assert {k for k in keys if k.endswith(f":{alice}")} == {
        f"cafe:{occ.id}:3600:{alice}",
        f"cafe:{occ.id + 1}:3600:{alice}",
    }
    mixed = await cafe.invoke("mod", "cafe edit", occurrence=occ.id, series=True, topic="x")
    assert "series:true" in mixed.text
    alone = await cafe.invoke("mod", "cafe edit", occurrence=occ.id, title="Autre")
    assert "ajoutez series:true" in alone.text


async def test_a_whole_series_can_be_stopped(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    occ = await first_occurrence(cafe)
    assert any(status == "pending" for status in (await outbox_keys(cafe)).values())
    denied = await cafe.invoke("alice", "cafe cancel", occurrence=occ.id, series=True)
    assert "modérateurs" in denied.text
    reply = await cafe.invoke("mod", "cafe cancel", occurrence=occ.id, series=True)
    assert "Série « Café des médiateurs » arrêtée : 3 cafés à venir annulés" in reply.text
    assert await outbox_keys(cafe) == {}  # every reminder dropped
    listing = await cafe.invoke("alice", "cafe list")
    assert "Café des médiateurs" not in listing.text
    await cafe.deliver()
    assert any("annul" in dm.text for dm in cafe.adapter.dms("alice"))  # alice is told
    cafe.clock.advance(timedelta(days=120))
    again = await cafe.invoke("alice", "cafe list")
    assert "Café des médiateurs" not in again.text  # no new occurrence materialised
