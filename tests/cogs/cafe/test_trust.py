"""Issue 11 ("Trust"), café part: the link reaches only registrants, check-in and counts agree,
bounded reminders and integers, forget promotes the waitlist, one event per café in calendars."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from pydantic import ValidationError
from sqlmodel import select

from bot.core.privacy import forget_member
from bot.storage.models import OutboxMessage
from cogs.cafe.models import CafeOccurrence, CafePreference, CafeRegistration, CafeSeries
from cogs.cafe.settings import CafeSettings
from tests.harness import Harness

LINK = "https://visio.example.org/cafe-secret"
NEW_LINK = "https://visio.example.org/nouveau-secret"
CREATE = (
    '!cafe create title:"Café des médiateurs" schedule:"monthly first thursday 10:00" '
    f'timezone:Europe/Paris duration:60 capacity:2 link:{LINK} reminders:"24h,15m"'
)


async def first_occurrence(h: Harness) -> CafeOccurrence:
    async with h.db.session() as s:
        return (await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))).first()


async def member_id(h: Harness, name: str) -> int:
    return (await h.core.members.find_by_name(name))[0].id


async def registrations(h: Harness, occurrence: int) -> dict[int, CafeRegistration]:
    async with h.db.session() as s:
        rows = await s.exec(
            select(CafeRegistration).where(CafeRegistration.occurrence_id == occurrence)
        )
        return {r.member_id: r for r in rows}


# --- 1. change notices: the link only for registered members ----------------------------------


async def test_change_notices_give_the_link_to_registered_members_only(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol"):  # capacity 2: carol is waitlisted
        await cafe.invoke(name, "cafe join", occurrence=occ.id)
    await cafe.deliver()
    await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Les publics")
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, when="2027-01-08 14:00")
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, description="Ordre du jour")
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, link=NEW_LINK)
    await cafe.deliver()
    alice = [d.text for d in cafe.adapter.dms("alice")]
    carol = [d.text for d in cafe.adapter.dms("carol")]
    assert len(alice) == 4 and len(carol) == 4  # every change reaches both
    assert all(LINK in t or NEW_LINK in t for t in alice)
    assert any("déplacé" in t for t in carol) and any("Les publics" in t for t in carol)
    assert all(LINK not in t and NEW_LINK not in t for t in carol)
    assert all("liste d'attente" in t for t in carol)
    # Not even the stored rows addressed to carol hold it.
    carol_id = await member_id(cafe, "carol")
    async with cafe.db.session() as s:
        rows = list(await s.exec(select(OutboxMessage).where(OutboxMessage.member_id == carol_id)))
    assert rows and all("visio.example.org" not in r.payload for r in rows)


async def test_a_notice_queued_before_a_member_leaves_goes_without_the_link(
    cafe: Harness,
) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Les publics")
    await cafe.invoke("alice", "cafe leave", occurrence=occ.id)  # before the notice is sent
    await cafe.deliver()
    (dm,) = cafe.adapter.dms("alice")
    assert "Les publics" in dm.text and LINK not in dm.text


# --- 2. a waitlisted member checking in; who and stats agree --------------------------------


async def test_waitlisted_check_in_takes_a_free_seat_or_records_nothing(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol", "dave"):  # carol 1st, dave 2nd on the waitlist
        await cafe.invoke(name, "cafe join", occurrence=occ.id)
    cafe.clock.set(occ.starts_at + timedelta(minutes=1))
    full = await cafe.invoke("carol", "cafe here")
    assert "complet" in full.text and "en position 1 sur la liste d'attente" in full.text
    assert LINK not in full.text
    carol = await member_id(cafe, "carol")
    reg = (await registrations(cafe, occ.id))[carol]
    assert reg.status == "waitlisted" and reg.checked_in_at is None
    # Bob gives his seat back once the café has started: nobody is promoted automatically,
    # so the first waitlisted member to check in takes it.
    await cafe.invoke("bob", "cafe leave", occurrence=occ.id)
    dave = await cafe.invoke("dave", "cafe here")
    assert "Une place était libre" in dave.text and LINK in dave.text
    again = await cafe.invoke("carol", "cafe here")
    assert "complet" in again.text and "en position 1" in again.text
    regs = await registrations(cafe, occ.id)
    assert regs[await member_id(cafe, "dave")].status == "registered"
    assert regs[await member_id(cafe, "dave")].checked_in_at is not None
    assert regs[carol].checked_in_at is None


def _who_counts(text: str) -> tuple[int, int, int, int]:
    """(registered, waitlisted, attended, walk-ins) as ``cafe who`` shows them."""

    def heading(label: str) -> int:
        match = re.search(re.escape(label) + r"\*\* \((\d+)\)", text)
        return int(match.group(1)) if match else 0

    section = text.split("**Liste d'attente**")[0].split("**Venus sans inscription**")[0]
    attended = len(re.findall(r"^- .* ✓$", section, re.MULTILINE))
    return (
        heading("**Inscrits"),
        heading("**Liste d'attente"),
        attended,
        heading("**Venus sans inscription"),
    )


def _stats_counts(text: str, occurrence: int) -> tuple[int, int, int, int]:
    match = re.search(
        rf"n° {occurrence} · [^:]+ : (\d+) inscrits, (\d+) en attente, (\d+) présents "
        r"\(\+(\d+) sans inscription\)",
        text,
    )
    assert match, text
    registered, waitlisted, attended, walkins = (int(g) for g in match.groups())
    return registered, waitlisted, attended, walkins


async def test_who_and_stats_agree_on_a_mixed_cafe(cafe: Harness) -> None:
    await cafe.say("mod", CREATE.replace("capacity:2", "capacity:3"))
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol", "dave", "erin", "gina"):
        await cafe.invoke(name, "cafe join", occurrence=occ.id)  # dave, erin, gina wait
    await cafe.invoke("gina", "cafe leave", occurrence=occ.id)  # leaves the waitlist
    cafe.clock.set(occ.starts_at + timedelta(minutes=5))
    await cafe.invoke("alice", "cafe here")
    await cafe.invoke("bob", "cafe here")
    await cafe.invoke("bob", "cafe leave", occurrence=occ.id)  # present, then gives the seat up
    await cafe.invoke("erin", "cafe here")  # full: erin waits, nothing recorded
    await cafe.invoke("dave", "cafe here")  # bob's seat was free
    await cafe.invoke("frank", "cafe here")  # never registered: a walk-in
    await cafe.invoke("erin", "cafe here")  # still full
    who = await cafe.invoke("mod", "cafe who", occurrence=occ.id)
    stats = await cafe.invoke("mod", "cafe stats")
    # carol registered but absent; alice and dave registered and present; erin waiting;
    # bob and frank present without a seat.
    assert _stats_counts(stats.text, occ.id) == (3, 1, 2, 2)
    assert _who_counts(who.text) == _stats_counts(stats.text, occ.id)
    assert "absence 33 %" in stats.text


async def test_a_present_walk_in_joining_a_full_cafe_stays_a_walk_in(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob"):
        await cafe.invoke(name, "cafe join", occurrence=occ.id)
    cafe.clock.set(occ.starts_at)
    await cafe.invoke("frank", "cafe here")
    reply = await cafe.invoke("frank", "cafe join", occurrence=occ.id)
    assert "complet" in reply.text and "sans inscription" in reply.text
    regs = await registrations(cafe, occ.id)
    assert regs[await member_id(cafe, "frank")].status == "walkin"


# --- 3. reminder offsets are bounded ------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ("30d,7d,1d,12h,1h,15m", "Au plus 5 rappels"),
        ("30s", "entre 1 minute et 30 jours"),
        ("31d", "entre 1 minute et 30 jours"),
        ("1h,60d", "entre 1 minute et 30 jours"),
        ("99999999999999999999d", "entre 1 minute et 30 jours"),
    ],
)
async def test_member_reminders_are_bounded(cafe: Harness, offsets: str, expected: str) -> None:
    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    await cafe.invoke("alice", "cafe reminders", offsets="1h")
    before = await _reminder_state(cafe)
    reply = await cafe.invoke("alice", "cafe reminders", offsets=offsets)
    assert expected in reply.text and "24h,15m" in reply.text
    assert await _reminder_state(cafe) == before  # nothing stored changed
    ok = await cafe.invoke("alice", "cafe reminders", offsets="30d,1d,1h,15m,1m")
    assert "C'est noté" in ok.text


async def _reminder_state(h: Harness) -> tuple[list[str], list[str]]:
    async with h.db.session() as s:
        prefs = sorted(p.offsets for p in await s.exec(select(CafePreference)))
        keys = sorted(
            r.key
            for r in await s.exec(select(OutboxMessage))
            if r.key.startswith("cafe:") and r.status == "pending"
        )
    return prefs, keys


async def test_series_reminders_are_bounded_on_create_and_edit(cafe: Harness) -> None:
    many = await cafe.say("mod", CREATE.replace('"24h,15m"', '"5d,4d,3d,2d,1d,1h"'))
    assert "Au plus 5 rappels" in many.text
    assert await first_occurrence(cafe) is None
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    short = await cafe.invoke("mod", "cafe edit", occurrence=occ.id, series=True, reminders="10s")
    assert "entre 1 minute et 30 jours" in short.text
    async with cafe.db.session() as s:
        series = (await s.exec(select(CafeSeries))).one()
    assert series.reminders == "86400,900"
    with pytest.raises(ValidationError):
        CafeSettings(reminders="24h,45d")
    with pytest.raises(ValidationError):
        CafeSettings(reminders="6d,5d,4d,3d,2d,1d")


async def test_profile_offsets_out_of_bounds_are_dropped(cafe: Harness) -> None:
    from bot.core import ReminderPreferenceChanged

    await cafe.say("mod", CREATE)
    await cafe.invoke("alice", "cafe join")
    alice = await member_id(cafe, "alice")
    await cafe.core.events.emit(
        ReminderPreferenceChanged(alice, (90 * 86400, 6 * 86400, 5 * 86400, 86400, 3600, 900, 5))
    )
    async with cafe.db.session() as s:
        pref = await s.get(CafePreference, alice)
    assert pref is not None and pref.offsets == "518400,432000,86400,3600,900"


# --- 4. forgetting a registered member promotes the waitlist -----------------------------------


async def test_forgetting_a_registered_member_promotes_the_waitlist(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    for name in ("alice", "bob", "carol", "dave"):  # carol, dave waitlisted
        await cafe.invoke(name, "cafe join", occurrence=occ.id)
    await cafe.deliver()
    alice = await member_id(cafe, "alice")
    await forget_member(cafe.core, alice)
    await cafe.deliver()
    (dm,) = cafe.adapter.dms("carol")
    assert "une place s'est libérée" in dm.text and LINK in dm.text
    assert cafe.adapter.dms("dave") == []
    regs = await registrations(cafe, occ.id)
    carol, dave = await member_id(cafe, "carol"), await member_id(cafe, "dave")
    assert alice not in regs
    assert regs[carol].status == "registered" and regs[dave].status == "waitlisted"
    async with cafe.db.session() as s:
        keys = {r.key for r in await s.exec(select(OutboxMessage))}
    assert f"cafe:{occ.id}:900:{carol}" in keys  # carol now gets the reminders
    # A forgotten waitlisted member frees no seat: nobody is promoted.
    await forget_member(cafe.core, dave)
    await cafe.deliver()
    assert len(cafe.adapter.dms("carol")) == 1


# --- 5. calendars: one event per café, a time zone for the whole series ------------------------


def _events(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


async def test_occurrence_and_series_files_describe_the_same_events(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("mod", "cafe topic", occurrence=occ.id, topic="Publics")
    await cafe.invoke("alice", "cafe join", occurrence=occ.id)
    series = _events((await cafe.invoke("alice", "cafe calendar")).attachments[0].data)
    (master,) = [e for e in series if "RRULE" in e]
    instances = rrulestr(
        master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART")
    ).xafter(master.decoded("DTSTART") - timedelta(seconds=1), count=5, inc=True)
    expected_ids = set(instances)
    keys = {(str(e["UID"]), e.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in e else None)
            for e in series}  # fmt: skip
    for number in (occ.id, occ.id + 1):  # one edited café, one plain one
        reply = await cafe.invoke("alice", "cafe calendar", occurrence=number)
        (event,) = _events(reply.attachments[0].data)
        # Same UID as the series; the instance it overrides is one the rule produces.
        assert str(event["UID"]) == str(master["UID"])
        assert event.decoded("RECURRENCE-ID") in expected_ids
        key = (str(event["UID"]), event.decoded("RECURRENCE-ID"))
        if number == occ.id:  # the edited one is the same override as in the series file
            assert key in keys
            assert "Publics" in str(event["SUMMARY"])
    # The join attachment is the same event too.
    joined = await cafe.invoke("bob", "cafe join", occurrence=occ.id)
    (event,) = _events(joined.attachments[0].data)
    assert str(event["UID"]) == str(master["UID"]) and "RECURRENCE-ID" in event


async def test_a_moved_occurrence_keeps_its_recurrence_id(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    occ = await first_occurrence(cafe)
    await cafe.invoke("mod", "cafe edit", occurrence=occ.id, when="2027-01-08 14:00")
    one = _events(
        (await cafe.invoke("alice", "cafe calendar", occurrence=occ.id)).attachments[0].data
    )[0]
    assert one.decoded("RECURRENCE-ID").replace(tzinfo=None) == datetime(2027, 1, 7, 10, 0)
    assert one.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 1, 8, 14, 0)
    series = _events((await cafe.invoke("alice", "cafe calendar")).attachments[0].data)
    override = next(e for e in series if "RECURRENCE-ID" in e)
    assert override.decoded("RECURRENCE-ID") == one.decoded("RECURRENCE-ID")


async def test_a_one_date_cafe_has_one_uid_in_both_files(cafe: Harness) -> None:
    await cafe.say("mod", '!cafe create title:Unique schedule:"2027-02-10 18:00"')
    occ = await first_occurrence(cafe)
    series = _events((await cafe.invoke("alice", "cafe calendar")).attachments[0].data)
    one = _events(
        (await cafe.invoke("alice", "cafe calendar", occurrence=occ.id)).attachments[0].data
    )
    assert [str(e["UID"]) for e in series] == [str(e["UID"]) for e in one]
    assert "RECURRENCE-ID" not in one[0]


def _offset_on(data: bytes, moment: datetime) -> timedelta:
    """The offset the file's own VTIMEZONE gives (not the system's zone of the same name)."""
    (vtz,) = Calendar.from_ical(data).walk("VTIMEZONE")
    return moment.replace(tzinfo=vtz.to_tz(lookup_tzid=False)).utcoffset()


async def test_the_series_time_zone_covers_an_endless_series(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    data = (await cafe.invoke("alice", "cafe calendar")).attachments[0].data
    # Summer and winter time, years after the three materialised cafés.
    assert _offset_on(data, datetime(2027, 7, 1, 12)) == timedelta(hours=2)
    assert _offset_on(data, datetime(2031, 7, 3, 10)) == timedelta(hours=2)
    assert _offset_on(data, datetime(2040, 7, 5, 10)) == timedelta(hours=2)
    assert _offset_on(data, datetime(2040, 12, 6, 10)) == timedelta(hours=1)


async def test_the_series_time_zone_covers_until_the_rules_end(cafe: Harness) -> None:
    created = await cafe.say(
        "mod",
        '!cafe create title:Borné schedule:"FREQ=MONTHLY;BYDAY=1TH;UNTIL=20300701T000000 10:00"'
        " timezone:America/Montreal",
    )
    assert "créé" in created.text
    data = (await cafe.invoke("alice", "cafe calendar")).attachments[0].data
    # The last café is on 6 June 2030 (EDT, -4 h); January 2030 is EST (-5 h).
    assert _offset_on(data, datetime(2030, 6, 6, 10)) == timedelta(hours=-4)
    assert _offset_on(data, datetime(2030, 1, 3, 10)) == timedelta(hours=-5)
    (vtz,) = Calendar.from_ical(data).walk("VTIMEZONE")
    times, _ = vtz.get_transitions()
    assert max(times) < datetime(2032, 1, 1)  # the whole series, not decades more
    # RFC 5545: with a DTSTART in a zone, the rule's UNTIL is given in UTC.
    (master,) = [e for e in _events(data) if "RRULE" in e]
    assert master["RRULE"]["UNTIL"][0] == datetime(2030, 7, 1, 4, 0, tzinfo=UTC)


# --- 6. integer options are bounded -----------------------------------------------------------


async def test_huge_integers_get_the_range_message(cafe: Harness) -> None:
    await cafe.say("mod", CREATE)
    huge = "99999999999999999999"
    for who, text in (
        ("alice", f"!cafe join occurrence:{huge}"),
        ("alice", f"!cafe info occurrence:{huge}"),
        ("alice", f"!cafe calendar occurrence:{huge}"),
        ("alice", f"!cafe leave occurrence:{huge}"),
        ("mod", f"!cafe topic occurrence:{huge} topic:x"),
        ("mod", f"!cafe cancel occurrence:{huge}"),
        ("mod", f"!cafe who occurrence:{huge}"),
        ("mod", f"!cafe edit occurrence:{huge} topic:x"),
        ("mod", f"!cafe edit occurrence:1 capacity:{huge}"),
    ):
        reply = await cafe.say(who, text)
        assert "doit être comprise entre" in reply.text, (text, reply.text)
        assert "mal passé" not in reply.text
    edge = await cafe.say("alice", f"!cafe join occurrence:{2**31 - 1}")
    assert "n'existe pas" in edge.text
    cap = await cafe.say("mod", f"!cafe edit occurrence:1 capacity:{10_001}")
    assert "entre 1 et 10000" in cap.text
