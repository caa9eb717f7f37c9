"""Dates typed as people write them, through the console harness: creating and moving a café,
the messages for impossible dates, and reminders that read as a person wrote them.
The clock: Monday 4 January 2027, 09:00 UTC (10:00 in Paris)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.core import Delivery
from bot.core.i18n import I18n
from cogs.cafe.models import CafeOccurrence, CafeSeries
from cogs.cafe.render_outbox import reminder
from tests.harness import Harness

CAFE_LOCALES = Path(__file__).resolve().parents[3] / "cogs" / "cafe" / "locales"


async def _occurrences(cafe: Harness) -> list[CafeOccurrence]:
    async with cafe.db.session() as s:
        return list(await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at)))


async def test_create_with_a_date_in_french_words(cafe: Harness) -> None:
    reply = await cafe.say(
        "mod", '!cafe create title:Atelier schedule:"jeudi 4 mars à 10h" timezone:Europe/Paris'
    )
    assert "jeudi 4 mars à 10 h" in reply.text and "Une seule date" in reply.text
    [occ] = await _occurrences(cafe)
    assert occ.starts_at == datetime(2027, 3, 4, 9, 0, tzinfo=UTC)


async def test_create_with_a_date_in_english_words(cafe: Harness) -> None:
    await cafe.say("mod", "!language en")
    reply = await cafe.say(
        "mod", '!cafe create title:Workshop schedule:"tomorrow 6pm" timezone:America/Montreal'
    )
    assert "Tuesday 5 January at 18:00" in reply.text, reply.text
    [occ] = await _occurrences(cafe)
    assert occ.starts_at == datetime(2027, 1, 5, 23, 0, tzinfo=UTC)  # 18:00 EST


async def test_monthly_on_the_31st_says_months_are_skipped(cafe: Harness) -> None:
    reply = await cafe.say(
        "mod", '!cafe create title:Bilan schedule:"le 31 de chaque mois 18h" timezone:Europe/Paris'
    )
    assert "dimanche 31 janvier à 18 h" in reply.text and "mercredi 31 mars à 18 h" in reply.text
    assert "février" not in reply.text.split("\n")[2]
    assert "Les mois qui n'ont pas de 31 sont sautés" in reply.text
    await cafe.say("mod", "!language en")
    reply = await cafe.say(
        "mod", '!cafe create title:Review schedule:"monthly on the 30th 10:00" timezone:UTC'
    )
    assert "Months without day 30 are skipped" in reply.text, reply.text


async def test_impossible_dates_get_their_own_message_and_nothing_is_stored(
    cafe: Harness,
) -> None:
    feb = await cafe.say(
        "mod", '!cafe create title:X schedule:"31 février 2027 10h" timezone:Europe/Paris'
    )
    assert "février n'a que 28 jours en 2027" in feb.text
    gap = await cafe.say(
        "mod", '!cafe create title:X schedule:"28/3/2027 2h30" timezone:Europe/Paris'
    )
    assert "2 h 30 n'existe pas" in gap.text and "3 h 30" in gap.text
    await cafe.say("mod", "!language en")
    fold = await cafe.say(
        "mod", '!cafe create title:X schedule:"31/10/2027 2:30" timezone:Europe/Paris'
    )
    assert "happens twice" in fold.text and "31/10/2027 02:30 winter" in fold.text
    mismatch = await cafe.say(
        "mod", '!cafe create title:X schedule:"wednesday 4 March 10am" timezone:Europe/Paris'
    )
    assert "4 March 2027 is a Thursday, not a Wednesday" in mismatch.text
    past = await cafe.say("mod", '!cafe create title:X schedule:"4/1/2027 9h" timezone:UTC')
    assert "already passed" in past.text
    assert await _occurrences(cafe) == []
    async with cafe.db.session() as s:
        assert list(await s.exec(select(CafeSeries))) == []


async def test_the_chosen_pass_of_a_repeated_hour_is_kept(cafe: Harness) -> None:
    await cafe.say(
        "mod",
        '!cafe create title:Nuit schedule:"31 octobre 2027 2h30 hiver" timezone:Europe/Paris',
    )
    [occ] = await _occurrences(cafe)
    assert occ.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 02:30 CET
    # Materialising again (a restart) reads the stored wall time back the same way.
    assert await cafe.core.cogs["cafe"].service.materialize() == 0  # type: ignore[attr-defined]
    assert [o.starts_at for o in await _occurrences(cafe)] == [occ.starts_at]


async def test_moving_a_cafe_with_words(cafe: Harness) -> None:
    await cafe.say(
        "mod", '!cafe create title:Atelier schedule:"jeudi 4 mars à 10h" timezone:Europe/Paris'
    )
    [occ] = await _occurrences(cafe)
    reply = await cafe.say("mod", f'!cafe edit occurrence:{occ.id} when:"vendredi 5 mars 14h"')
    assert "modifié" in reply.text, reply.text
    [moved] = await _occurrences(cafe)
    assert moved.starts_at == datetime(2027, 3, 5, 13, 0, tzinfo=UTC)


async def _reminder(cafe: Harness, member: str, before: timedelta) -> str:
    await cafe.say(
        "mod",
        '!cafe create title:Atelier schedule:"jeudi 4 mars à 10h" timezone:Europe/Paris '
        'reminders:"24h,15m"',
    )
    [occ] = await _occurrences(cafe)
    await cafe.invoke(member, "cafe join", occurrence=occ.id)
    cafe.clock.set(occ.starts_at - before)
    await cafe.deliver()
    return cafe.adapter.dms(member)[-1].text


async def test_reminder_reads_as_a_person_wrote_it(cafe: Harness) -> None:
    text = await _reminder(cafe, "marie", timedelta(minutes=15))
    assert "commence dans 15 min (jeudi 4 mars à 10 h, durée 1 h)" in text, text


async def test_reminder_in_english(cafe: Harness) -> None:
    await cafe.say("zoe", "!language en")
    text = await _reminder(cafe, "zoe", timedelta(hours=24))
    assert "starts in 1 day (Thursday 4 March at 10:00, 1 h long)" in text, text


async def test_moving_needs_one_date(cafe: Harness) -> None:
    await cafe.say(
        "mod", '!cafe create title:Atelier schedule:"jeudi 4 mars à 10h" timezone:Europe/Paris'
    )
    [occ] = await _occurrences(cafe)
    reply = await cafe.say("mod", f'!cafe edit occurrence:{occ.id} when:"weekly monday 10h"')
    assert "donnez une date et une heure" in reply.text and "jeudi prochain 18h" in reply.text
    reply = await cafe.say("mod", f'!cafe edit occurrence:{occ.id} when:"jeudi 18h"')
    [moved] = await _occurrences(cafe)  # the coming Thursday: 7 January
    assert moved.starts_at == datetime(2027, 1, 7, 17, 0, tzinfo=UTC)


def _rendered(locale: str, now: datetime, fallback: bool = False) -> str:
    start = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
    delivery = Delivery(
        key="cafe:1:900:1",
        kind="cafe.reminder",
        data={"starts_at": start.isoformat(), "title": "Atelier", "minutes": 90, "occurrence": 1},
        due_at=start - timedelta(minutes=15),
        now=now,
        late=False,
        fallback=fallback,
        t=I18n(extra_dirs=[CAFE_LOCALES], typography=False).translator(
            locale, ZoneInfo("Europe/Paris")
        ),
        mention="@marie",
    )
    return reminder(delivery).text


def test_a_reminder_sent_late_does_not_count_down() -> None:
    start = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)
    assert "commence dans 2 h (jeudi 4 mars à 10 h, durée 1 h 30 min)" in _rendered(
        "fr", start - timedelta(hours=2)
    )
    late = _rendered("fr", start + timedelta(minutes=3))
    assert "« Atelier » a commencé (jeudi 4 mars à 10 h, durée 1 h 30 min)" in late, late
    assert "“Atelier” has started (Thursday 4 March at 10:00" in _rendered(
        "en", start + timedelta(minutes=3)
    )
    room = _rendered("fr", start - timedelta(minutes=15), fallback=True)
    assert (
        "@marie, rappel : le café « Atelier » commence dans 15 min (jeudi 4 mars à 10 h)" in room
    )


async def test_a_recurring_date_in_a_skipped_hour_is_explained(cafe: Harness) -> None:
    cafe.clock.set(datetime(2027, 3, 15, 12, 0, tzinfo=UTC))
    reply = await cafe.say(
        "mod", '!cafe create title:Nuit schedule:"weekly sunday 2:30am" timezone:Europe/Paris'
    )
    assert "dimanche 21 mars à 2 h 30" in reply.text and "dimanche 28 mars à 3 h 30" in reply.text
    assert (
        "Le dimanche 28 mars 2027, 2 h 30 n'existe pas (changement d'heure) : ce café-là "
        "commence à 3 h 30." in reply.text
    ), reply.text
