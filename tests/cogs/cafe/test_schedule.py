"""Schedule parsing and DST: 10:00 Europe/Paris stays 10:00 across the changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core import UserError
from cogs.cafe.schedule import parse_schedule

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 4, 10, 0)  # naive local wall time


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("monthly first thursday 10:00", "FREQ=MONTHLY;BYDAY=1TH"),
        ("mensuel premier jeudi 10:00", "FREQ=MONTHLY;BYDAY=1TH"),
        ("tous les mois, le premier jeudi à 10h", "FREQ=MONTHLY;BYDAY=1TH"),
        ("every 2 weeks tuesday 18:30", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("toutes les 2 semaines mardi 18h30", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        ("weekly monday 18:00", "FREQ=WEEKLY;BYDAY=MO"),
        ("hebdomadaire lundi 18:00", "FREQ=WEEKLY;BYDAY=MO"),
        ("every last friday 9am", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("dernier vendredi du mois 9h", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYDAY=1TH;BYHOUR=10;BYMINUTE=0", "FREQ=MONTHLY;BYDAY=1TH"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO 18:00", "FREQ=WEEKLY;BYDAY=MO"),
    ],
)
def test_forms(text: str, rule: str) -> None:
    schedule = parse_schedule(text, NOW)
    assert schedule.rule == rule


def test_monthly_first_thursday_dates() -> None:
    schedule = parse_schedule("monthly first thursday 10:00", NOW)
    dates = schedule.dates(PARIS, datetime(2027, 1, 4, 9, tzinfo=UTC), 5)
    local = [d.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for d in dates]
    assert local == [
        "2027-01-07 10:00",
        "2027-02-04 10:00",
        "2027-03-04 10:00",
        "2027-04-01 10:00",
        "2027-05-06 10:00",
    ]


def test_weekly_stays_at_wall_time_across_march_and_october_changes() -> None:
    # Last Sundays: 28 March 2027 and 31 October 2027.
    schedule = parse_schedule("weekly thursday 10:00", NOW)
    march = schedule.dates(PARIS, datetime(2027, 3, 15, tzinfo=UTC), 3)
    assert [d.astimezone(PARIS).hour for d in march] == [10, 10, 10]
    assert [d.hour for d in march] == [9, 9, 8]  # UTC moves by an hour after 28 March
    october = schedule.dates(PARIS, datetime(2027, 10, 20, tzinfo=UTC), 3)
    assert [d.astimezone(PARIS).hour for d in october] == [10, 10, 10]
    assert [d.hour for d in october] == [8, 8, 9]  # and back after 31 October


def test_single_date_and_past_date() -> None:
    schedule = parse_schedule("2027-03-04 10:00", NOW)
    assert schedule.single and schedule.start == datetime(2027, 3, 4, 10, 0)
    assert parse_schedule("04/03/2027 10h", NOW).start == datetime(2027, 3, 4, 10, 0)
    with pytest.raises(UserError, match="déjà passée"):
        parse_schedule("2026-03-04 10:00", NOW)


@pytest.mark.parametrize(
    "text", ["", "sometimes", "monthly first thursday", "mensuel jeudi 25:00", "FREQ=BOGUS"]
)
def test_unparsable_answers_with_examples(text: str) -> None:
    with pytest.raises(UserError) as error:
        parse_schedule(text, NOW)
    assert "examples" in error.value.params or "schedule" in error.value.params
