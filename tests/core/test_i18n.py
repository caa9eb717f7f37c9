"""Dates, numbers and plurals read naturally in French and English."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import I18n, normalize_locale

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 1, 10, tzinfo=UTC)


def test_dates_in_both_languages() -> None:
    i18n = I18n()
    moment = datetime(2027, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert i18n.translator("fr", PARIS).datetime(moment, now=NOW) == "jeudi 4 mars à 10 h"
    assert i18n.translator("en", PARIS).datetime(moment, now=NOW) == "Thursday 4 March at 10:00"
    half = moment + timedelta(minutes=30)
    assert i18n.translator("fr", PARIS).datetime(half, now=NOW) == "jeudi 4 mars à 10 h 30"
    next_year = datetime(2028, 3, 2, 9, 0, tzinfo=UTC)
    assert "2028" in i18n.translator("fr", PARIS).datetime(next_year, now=NOW)


def test_numbers_plurals_and_lists() -> None:
    fr, en = I18n().translator("fr"), I18n().translator("en")
    assert fr.number(4.3) == "4,3" and en.number(4.3) == "4.3"
    assert fr.percent(0.52) == "52 %"
    assert I18n().translator("en").percent(0.52) == "52%"
    assert fr.n("{n} jour", "{n} jours", 1) == "1 jour"
    assert fr.n("{n} jour", "{n} jours", 3) == "3 jours"
    assert en.n("{n} jour", "{n} jours", 1) == "1 day"
    assert en.n("{n} jour", "{n} jours", 2) == "2 days"
    assert fr.join(["a", "b", "c"]) == "a, b et c"
    assert en.join(["a", "b", "c"]) == "a, b and c"
    assert fr.duration(timedelta(hours=1, minutes=30)) == "1 h 30 min"


def test_locale_normalisation() -> None:
    assert normalize_locale("fr-CA") == "fr"
    assert normalize_locale("en_US") == "en"
    assert normalize_locale("de") is None
    assert I18n().translator("de").locale == "fr"
