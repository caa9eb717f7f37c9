"""10:00 Europe/Paris stays 10:00 across the last Sundays of March and October; a member in
America/Montreal sees their own time (Montreal changes on other Sundays)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.core import Role
from bot.scheduling import FakeClock
from cogs.cafe.models import CafeOccurrence
from tests.harness import make_harness

CREATE = '!cafe create title:Hebdo schedule:"hebdomadaire jeudi 10:00" timezone:Europe/Paris'


async def _run(db_url: str, start: datetime) -> tuple[str, str, list[datetime], list[str]]:
    h = await make_harness(db_url, cogs=["cafe"], clock=FakeClock(start))
    try:
        h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        created = await h.say("mod", CREATE)
        await h.say("marie", "!timezone America/Montreal")
        await h.say("marie", "!language en")
        listing = await h.invoke("marie", "cafe list")
        async with h.db.session() as s:
            occs = list(await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at)))
        # Marie registers for all three; her 15-minute reminders arrive at her own time.
        for occ in occs:
            await h.invoke("marie", "cafe join", occurrence=occ.id)
        reminders = []
        for occ in occs:
            h.clock.set(occ.starts_at - timedelta(minutes=15))
            await h.deliver()
            reminders.append(h.adapter.dms("marie")[-1].text)
        return created.text, listing.text, [o.starts_at for o in occs], reminders
    finally:
        await h.core.stop()
        await h.db.dispose()


async def test_around_the_last_sunday_of_march(db_url: str) -> None:
    created, listing, starts, reminders = await _run(db_url, datetime(2027, 3, 15, 12, tzinfo=UTC))
    assert "jeudi 18 mars à 10 h" in created and "jeudi 1er avril à 10 h" in created
    assert [s.hour for s in starts] == [9, 9, 8]  # UTC: Paris moved to summer time on 28 March
    # Montreal moved on 14 March already: 05:00, 05:00, then 04:00.
    assert re.findall(r"at (\d\d:\d\d)", listing) == ["05:00", "05:00", "04:00"]
    assert [re.search(r"at (\d\d:\d\d)", r).group(1) for r in reminders] == [
        "05:00",
        "05:00",
        "04:00",
    ]


async def test_around_the_last_sunday_of_october(db_url: str) -> None:
    created, listing, starts, _ = await _run(db_url, datetime(2027, 10, 25, 12, tzinfo=UTC))
    assert "jeudi 28 octobre à 10 h" in created and "jeudi 4 novembre à 10 h" in created
    assert [s.hour for s in starts] == [8, 9, 9]  # Paris back to winter time on 31 October
    # Montreal changes on 7 November: 04:00, 05:00, then 04:00 again.
    assert re.findall(r"at (\d\d:\d\d)", listing) == ["04:00", "05:00", "04:00"]


def test_the_time_zone_block_is_built_once_per_zone_and_year() -> None:
    """Every ``cafe join`` attaches a calendar: its VTIMEZONE comes from a cache."""
    from zoneinfo import ZoneInfo

    from cogs.cafe import calendar

    calendar._timezone.cache_clear()
    paris = ZoneInfo("Europe/Paris")
    first = calendar._calendar(paris, date(2027, 3, 4), date(2027, 3, 4)).to_ical()
    second = calendar._calendar(paris, date(2027, 10, 7), date(2027, 10, 7)).to_ical()
    info = calendar._timezone.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    # The shared block covers both switches of 2027 (the whole year), in both calendars.
    for ics in (first, second):
        assert ics.count(b"BEGIN:VTIMEZONE") == 1
        assert b"DTSTART:20270328T" in ics and b"DTSTART:20271031T" in ics
