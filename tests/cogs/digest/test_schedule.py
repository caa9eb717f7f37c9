"""The digest's schedule: the right next run in the community's zone, across DST; bad
schedules are configuration errors that say what to write."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from cogs.digest.schedule import BadSchedule, parse_schedule

PARIS = ZoneInfo("Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_first_monday_at_nine_in_paris_across_daylight_saving() -> None:
    s = parse_schedule("monthly first monday 09:00", PARIS)
    # Winter (UTC+1): Monday 1 February 2027, 09:00 in Paris = 08:00 UTC.
    assert s.next_after(utc(2027, 1, 4, 9, 0)) == utc(2027, 2, 1, 8, 0)
    # Summer (UTC+2), after the 28 March change: Monday 5 April = 07:00 UTC.
    assert s.next_after(utc(2027, 3, 1, 8, 0)) == utc(2027, 4, 5, 7, 0)
    # Back to winter after 31 October: Monday 1 November, 08:00 UTC.
    assert s.next_after(utc(2027, 10, 4, 7, 0)) == utc(2027, 11, 1, 8, 0)
    # Exactly at a run: the next one; just before: that one.
    assert s.next_after(utc(2027, 2, 1, 8, 0)) == utc(2027, 3, 1, 8, 0)
    assert s.next_after(utc(2027, 2, 1, 7, 59)) == utc(2027, 2, 1, 8, 0)
    assert s.latest_at(utc(2027, 2, 1, 8, 0)) == utc(2027, 2, 1, 8, 0)
    assert s.latest_at(utc(2027, 2, 1, 7, 59)) == utc(2027, 1, 4, 8, 0)
    assert s.edition_id(utc(2027, 2, 1, 8, 0)) == "2027-02-01"


def test_other_forms_and_french_words() -> None:
    last = parse_schedule("monthly last friday 18:30", PARIS)
    assert last.next_after(utc(2027, 1, 1)) == utc(2027, 1, 29, 17, 30)
    fr = parse_schedule("mensuel premier lundi 9h", PARIS)
    assert fr.next_after(utc(2027, 1, 4, 9)) == utc(2027, 2, 1, 8, 0)
    day = parse_schedule("monthly 15 10:00", ZoneInfo("America/Montreal"))
    assert day.next_after(utc(2027, 3, 1)) == utc(2027, 3, 15, 14, 0)  # EDT from 14 March
    weekly = parse_schedule("weekly Wednesday 07:00", PARIS)
    assert weekly.next_after(utc(2027, 1, 4)) == utc(2027, 1, 6, 6, 0)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("every month", "write e.g. 'monthly first monday 09:00'"),
        ("monthly first moonday 09:00", "'moonday' is not a weekday"),
        ("monthly first monday 25:00", "is not HH:MM"),
        ("monthly 31 09:00", "1 to 28"),
    ],
)
def test_bad_schedules_say_what_to_write(text: str, why: str) -> None:
    with pytest.raises(BadSchedule) as bad:
        parse_schedule(text, PARIS)
    assert why in str(bad.value)


def test_a_bad_schedule_is_a_configuration_error_at_start() -> None:
    with pytest.raises(ConfigError) as bad:
        load_settings(None, cogs={"digest": {"schedule": "sometimes"}})
    assert "cogs.digest.schedule" in str(bad.value) and "monthly first monday" in str(bad.value)
    with pytest.raises(ConfigError) as bad:
        load_settings(None, cogs={"digest": {"when_empty": "never"}})
    assert "cogs.digest.when_empty" in str(bad.value)
