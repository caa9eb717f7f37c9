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
    schedule = parse_schedule(text, NOW, PARIS)
    assert schedule.rule == rule


def test_monthly_first_thursday_dates() -> None:
    schedule = parse_schedule("monthly first thursday 10:00", NOW, PARIS)
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
    schedule = parse_schedule("weekly thursday 10:00", NOW, PARIS)
    march = schedule.dates(PARIS, datetime(2027, 3, 15, tzinfo=UTC), 3)
    assert [d.astimezone(PARIS).hour for d in march] == [10, 10, 10]
    assert [d.hour for d in march] == [9, 9, 8]  # UTC moves by an hour after 28 March
    october = schedule.dates(PARIS, datetime(2027, 10, 20, tzinfo=UTC), 3)
    assert [d.astimezone(PARIS).hour for d in october] == [10, 10, 10]
    assert [d.hour for d in october] == [8, 8, 9]  # and back after 31 October


def test_single_date_and_past_date() -> None:
    schedule = parse_schedule("2027-03-04 10:00", NOW, PARIS)
    assert schedule.single and schedule.start == datetime(2027, 3, 4, 10, 0)
    assert parse_schedule("04/03/2027 10h", NOW, PARIS).start == datetime(2027, 3, 4, 10, 0)
    with pytest.raises(UserError, match="déjà passée"):
        parse_schedule("2026-03-04 10:00", NOW, PARIS)


@pytest.mark.parametrize(
    "text", ["", "sometimes", "monthly first thursday", "mensuel jeudi 25:00", "FREQ=BOGUS"]
)
def test_unparsable_answers_with_examples(text: str) -> None:
    with pytest.raises(UserError) as error:
        parse_schedule(text, NOW, PARIS)
    assert {"examples", "schedule", "value"} & set(error.value.params)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("monthly on the 15th 10:00", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("le 15 de chaque mois 10h", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("tous les mois le 15 à 10h", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("every month on the 1st at 6pm", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("le 1er de chaque mois 18h", "FREQ=MONTHLY;BYMONTHDAY=1"),
        ("tous les 2 mois le 31 à 18h", "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31"),
        ("le dernier jour du mois 18h", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        ("last day of the month 6pm", "FREQ=MONTHLY;BYMONTHDAY=-1"),
        # weekday ordinals still mean "the nth weekday"
        ("le 1er jeudi du mois 10h", "FREQ=MONTHLY;BYDAY=1TH"),
        ("every 2nd tuesday 18:00", "FREQ=MONTHLY;BYDAY=2TU"),
        ("jeudi 10h", "FREQ=WEEKLY;BYDAY=TH"),
    ],
)
def test_day_of_month_forms(text: str, rule: str) -> None:
    assert parse_schedule(text, NOW, PARIS).rule == rule


def _local_dates(text: str, count: int) -> list[str]:
    schedule = parse_schedule(text, NOW, PARIS)
    dates = schedule.dates(PARIS, datetime(2027, 1, 4, 9, tzinfo=UTC), count)
    return [d.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") for d in dates]


def test_the_31st_skips_months_without_one() -> None:
    # Google Calendar's and Sesh's rule (RFC 5545): no 31st, no café that month.
    assert _local_dates("le 31 de chaque mois 18h", 4) == [
        "2027-01-31 18:00",
        "2027-03-31 18:00",
        "2027-05-31 18:00",
        "2027-07-31 18:00",
    ]
    assert _local_dates("monthly on the 30th 10:00", 3) == [
        "2027-01-30 10:00",
        "2027-03-30 10:00",  # no 30 February
        "2027-04-30 10:00",
    ]


def test_the_last_day_of_the_month_never_skips() -> None:
    assert _local_dates("le dernier jour du mois 18h", 4) == [
        "2027-01-31 18:00",
        "2027-02-28 18:00",
        "2027-03-31 18:00",
        "2027-04-30 18:00",
    ]


def test_day_of_month_with_a_weekday_is_refused() -> None:
    with pytest.raises(UserError, match="soit un jour du mois"):
        parse_schedule("le 15 de chaque mois jeudi 10h", NOW, PARIS)
    with pytest.raises(UserError, match="soit un jour du mois"):
        parse_schedule("le 32 de chaque mois 10h", NOW, PARIS)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("jeudi 4 mars à 10h", datetime(2027, 3, 4, 10)),
        ("le 4/3 à 10 h", datetime(2027, 3, 4, 10)),
        ("March 4 10am", datetime(2027, 3, 4, 10)),
        ("demain 18h", datetime(2027, 1, 5, 18)),
        ("jeudi prochain 10h", datetime(2027, 1, 7, 10)),
    ],
)
def test_single_dates_in_words(text: str, start: datetime) -> None:
    schedule = parse_schedule(text, NOW, PARIS)
    assert schedule.single and schedule.start == start


def test_recurring_times_in_a_skipped_or_repeated_hour_follow_rfc_5545() -> None:
    # Weekly on Sundays at 02:30: on 28 March 2027 02:30 does not exist in Paris → 03:30
    # (the gap's length later); on 31 October it exists twice → the first, summer time.
    schedule = parse_schedule("weekly sunday 2:30am", NOW, PARIS)
    march = schedule.dates(PARIS, datetime(2027, 3, 20, tzinfo=UTC), 2)
    assert [d.astimezone(PARIS).strftime("%d %H:%M") for d in march] == ["21 02:30", "28 03:30"]
    october = schedule.dates(PARIS, datetime(2027, 10, 30, tzinfo=UTC), 1)
    assert october[0] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_a_single_date_in_a_skipped_hour_is_refused() -> None:
    with pytest.raises(UserError, match="n'existe pas"):
        parse_schedule("28 mars 2027 2h30", NOW, PARIS)
    with pytest.raises(UserError, match="arrive deux fois"):
        parse_schedule("31 octobre 2027 2h30", NOW, PARIS)
    winter = parse_schedule("31 octobre 2027 2h30 hiver", NOW, PARIS)
    assert winter.start.fold == 1
    assert winter.dates(PARIS, datetime(2027, 1, 4, tzinfo=UTC), 1) == [
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    ]
