"""Time zone names as members type them: any case, answered without a scan of the zone files
each time (the list of zones is read once per process)."""

from __future__ import annotations

import pytest

from bot.core import UserError, check_zone, members


def test_zone_names_are_taken_in_any_case() -> None:
    assert check_zone("Europe/Paris") == "Europe/Paris"
    assert check_zone(" europe/paris ") == "Europe/Paris"
    assert check_zone("AMERICA/MONTREAL") == "America/Montreal"
    assert check_zone("UTC") == "UTC"


def test_an_unknown_zone_says_what_to_type() -> None:
    with pytest.raises(UserError) as raised:
        check_zone("Mars/Olympus")
    assert "Europe/Paris" in raised.value.msgid and raised.value.params == {"zone": "Mars/Olympus"}


def test_the_zone_files_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = members.available_timezones

    def counted() -> set[str]:
        calls.append(1)
        return real()

    monkeypatch.setattr(members, "available_timezones", counted)
    members._zones_by_lowercase.cache_clear()
    try:
        for typed in ("europe/brussels", "Mars/Olympus", "asia/tokyo", "Nowhere/Else"):
            try:
                check_zone(typed)
            except UserError:
                pass
        assert len(calls) == 1
    finally:
        members._zones_by_lowercase.cache_clear()
