"""Dates people type, French and English, against a fixed clock: Tuesday 1 December 2026,
09:00 in Europe/Paris (08:00 UTC), and the same instant in America/Montreal (03:00)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core import UserError
from bot.core.i18n import I18n
from bot.core.when import NotADate, parse_when
from bot.core.when_dst import WallTime, wall_time_kind

PARIS = ZoneInfo("Europe/Paris")
MONTREAL = ZoneInfo("America/Montreal")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday
I18N = I18n(typography=False)  # the assertions compare plain spaces


def local(text: str, zone: ZoneInfo = PARIS, **kw: object) -> str:
    return f"{parse_when(text, NOW, zone, **kw).local:%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


def message(error: UserError, locale: str) -> str:
    return I18N.translator(locale)(error.msgid, **error.params)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 mars 2027 10h", "2027-03-04 10:00"),
        ("jeudi 4 mars à 10h", "2027-03-04 10:00"),
        ("jeudi 4 mars 2027, 10 h 30", "2027-03-04 10:30"),
        ("le 4/3 à 10 h", "2027-03-04 10:00"),
        ("4/3/2027 10:00", "2027-03-04 10:00"),
        ("04/03/2027 10h", "2027-03-04 10:00"),
        ("demain 18h", "2026-12-02 18:00"),
        ("aujourd'hui 14h30", "2026-12-01 14:30"),
        ("Aujourd’hui à 14 heures", "2026-12-01 14:00"),
        ("après-demain 9h", "2026-12-03 09:00"),
        ("apres demain a 9h", "2026-12-03 09:00"),
        ("le 1er mars à 10h", "2027-03-01 10:00"),
        ("1er décembre 2026 à midi", "2026-12-01 12:00"),
        ("25 déc. 18h", "2026-12-25 18:00"),
        ("jeudi prochain 10h", "2026-12-03 10:00"),
        ("mardi prochain 10h", "2026-12-08 10:00"),  # today is a Tuesday: next week's
        ("le 15 à 10h", "2026-12-15 10:00"),
        ("le 1er à 8h", "2027-01-01 08:00"),
        # English
        ("March 4 10am", "2027-03-04 10:00"),
        ("March 4th, 2027 at 10:30am", "2027-03-04 10:30"),
        ("4 March 2027 10:30", "2027-03-04 10:30"),
        ("1st March 10am", "2027-03-01 10:00"),
        ("tomorrow 6pm", "2026-12-02 18:00"),
        ("today at 2:30 p.m.", "2026-12-01 14:30"),
        ("the day after tomorrow 9am", "2026-12-03 09:00"),
        ("next thursday 10am", "2026-12-03 10:00"),
        ("next tuesday 10am", "2026-12-08 10:00"),
        ("Thursday March 4 12pm", "2027-03-04 12:00"),
        ("dec 2 12am", "2026-12-02 00:00"),
        # ISO still works
        ("2027-03-04 10:00", "2027-03-04 10:00"),
        ("2027-03-04T10:00", "2027-03-04 10:00"),
        # a year left out: the next time that date comes
        ("1 décembre 8h", "2027-12-01 08:00"),  # 08:00 today is past
        ("1 décembre 10h", "2026-12-01 10:00"),  # 10:00 today is ahead
        ("4 janvier 10h", "2027-01-04 10:00"),
    ],
)
def test_forms_in_paris(text: str, expected: str) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("demain 18h", "2026-12-02 18:00"),
        ("aujourd'hui 2am", "2026-12-02 02:00"),  # "loose" bare-time reading aside: 02:00 is past
        ("tomorrow 6pm", "2026-12-02 18:00"),
        ("March 4 10am", "2027-03-04 10:00"),
    ],
)
def test_forms_in_montreal(text: str, expected: str) -> None:
    if expected.startswith("2026-12-02 02"):
        with pytest.raises(UserError, match="déjà passée"):
            local(text, MONTREAL)
        return
    moment = parse_when(text, NOW, MONTREAL)
    assert f"{moment.local:%Y-%m-%d %H:%M}" == expected
    # Montreal's wall time, not Paris's: 18:00 EST is 23:00 UTC.
    if text == "demain 18h":
        assert moment.aware.astimezone(UTC).hour == 23


def test_loose_forms_for_deadlines() -> None:
    assert local("jeudi 18h") == "2026-12-03 18:00"
    assert local("mardi 8h") == "2026-12-08 08:00"  # today's 08:00 has passed
    assert local("18:00") == "2026-12-01 18:00"
    assert local("8h") == "2026-12-02 08:00"
    assert local("4 mars", default_time=time(23, 59)) == "2027-03-04 23:59"
    with pytest.raises(NotADate):
        parse_when("jeudi 18h", NOW, PARIS, loose=False)
    with pytest.raises(NotADate):
        parse_when("18h", NOW, PARIS, loose=False)


@pytest.mark.parametrize("text", ["", "bientôt", "weekly monday 18:00", "le 15 de chaque mois"])
def test_not_a_date(text: str) -> None:
    with pytest.raises(NotADate):
        parse_when(text, NOW, PARIS, loose=False)


def test_time_is_asked_for() -> None:
    with pytest.raises(UserError) as error:
        parse_when("4 mars 2027", NOW, PARIS)
    assert "Il manque l'heure" in message(error.value, "fr")
    assert "The time is missing" in message(error.value, "en")


def test_unknown_word_is_named() -> None:
    with pytest.raises(UserError) as error:
        parse_when("4 mars 2027 10h environ", NOW, PARIS)
    assert not isinstance(error.value, NotADate)
    assert "« environ »" in message(error.value, "fr")
    en = message(error.value, "en")
    assert "“environ”" in en and "“tomorrow 6pm”" in en and "«" not in en


def test_impossible_hour() -> None:
    with pytest.raises(UserError, match="n'existe pas"):
        parse_when("4 mars 2027 25:00", NOW, PARIS)


def test_february_31_has_its_own_message() -> None:
    with pytest.raises(UserError) as error:
        parse_when("31 février 2027 10h", NOW, PARIS)
    assert message(error.value, "fr").startswith("février n'a que 28 jours en 2027")
    assert message(error.value, "en").startswith("February has only 28 days in 2027")
    with pytest.raises(UserError) as error:
        parse_when("30 February 10am", NOW, PARIS)  # year left out: the coming February
    assert "28 days in 2027" in message(error.value, "en")
    with pytest.raises(UserError) as error:
        parse_when("31/4/2027 10h", NOW, PARIS)
    assert message(error.value, "fr").startswith("avril n'a que 30 jours en 2027")
    assert local("29 février 2028 10h") == "2028-02-29 10:00"
    with pytest.raises(UserError, match="jour vient avant le mois"):
        parse_when("3/14/2027 10h", NOW, PARIS)


def test_weekday_contradicting_the_date_names_the_right_one() -> None:
    with pytest.raises(UserError) as error:
        parse_when("mercredi 4 mars 2027 10h", NOW, PARIS)
    fr = message(error.value, "fr")
    assert "Le 4 mars 2027 est un jeudi, pas un mercredi" in fr
    en = message(error.value, "en")
    assert "4 March 2027 is a Thursday, not a Wednesday" in en


def test_past_dates_are_refused_with_the_date_named() -> None:
    with pytest.raises(UserError) as error:
        parse_when("2026-03-04 10:00", NOW, PARIS)
    assert "déjà passée" in message(error.value, "fr")
    assert "mercredi 4 mars 2026 à 10 h" in message(error.value, "fr")
    assert "Wednesday 4 March 2026 at 10:00" in message(error.value, "en")
    with pytest.raises(UserError, match="déjà passée"):
        parse_when("aujourd'hui 8h", NOW, PARIS)
    assert local("2026-03-04 10:00", past_ok=True) == "2026-03-04 10:00"


def test_a_skipped_time_is_refused_with_the_choices() -> None:
    assert wall_time_kind(datetime(2027, 3, 28, 2, 30), PARIS) is WallTime.GAP
    with pytest.raises(UserError) as error:
        parse_when("28 mars 2027 2h30", NOW, PARIS)
    fr = message(error.value, "fr")
    assert "2 h 30 n'existe pas le dimanche 28 mars 2027 à Europe/Paris" in fr
    assert "passent de 2 h à 3 h" in fr
    assert "Choisissez 1 h 30 ou 3 h 30 (ou 3 h)" in fr
    assert "« 28/03/2027 03:30 »" in fr
    en = message(error.value, "en")
    assert "02:30 does not exist on Sunday 28 March 2027 in Europe/Paris" in en
    assert "01:30 or 03:30 (or 03:00)" in en
    # The offered choices are accepted as typed.
    assert local("28/03/2027 03:30") == "2027-03-28 03:30"
    assert local("28/03/2027 1h30") == "2027-03-28 01:30"


def test_a_skipped_time_in_montreal() -> None:
    with pytest.raises(UserError) as error:
        parse_when("March 14 2027 2:15am", NOW, MONTREAL)
    assert "01:15 or 03:15" in message(error.value, "en")


def test_a_repeated_time_asks_which_one() -> None:
    assert wall_time_kind(datetime(2027, 10, 31, 2, 30), PARIS) is WallTime.FOLD
    with pytest.raises(UserError) as error:
        parse_when("31 octobre 2027 2h30", NOW, PARIS)
    fr = message(error.value, "fr")
    assert "2 h 30 arrive deux fois le dimanche 31 octobre 2027" in fr
    assert "« 31/10/2027 02:30 été » pour l'heure d'été (UTC+2)" in fr
    assert "« 31/10/2027 02:30 hiver » pour l'heure d'hiver (UTC+1)" in fr
    assert "« 31/10/2027 02:30+02:00 »" in fr
    en = message(error.value, "en")
    assert "02:30 happens twice on Sunday 31 October 2027" in en
    assert "summer time (UTC+2)" in en and "winter time (UTC+1)" in en
    # Each way of choosing gives the right instant.
    summer = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    winter = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    for text, instant in [
        ("31/10/2027 02:30 été", summer),
        ("31 octobre 2027 2h30 heure d'été", summer),
        ("31/10/2027 02:30 hiver", winter),
        ("October 31 2027 2:30am winter", winter),
        ("October 31 2027 2:30am CEST", summer),
        ("31/10/2027 02:30 CET", winter),
        ("31/10/2027 02:30+02:00", summer),
        ("31/10/2027 02:30 +01:00", winter),
        ("2027-10-31T02:30+01:00", winter),
    ]:
        moment = parse_when(text, NOW, PARIS)
        assert moment.aware.astimezone(UTC) == instant, text


def test_an_offset_that_does_not_match_the_zone() -> None:
    with pytest.raises(UserError) as error:
        parse_when("4 mars 2027 10h +02:00", NOW, PARIS)
    assert "UTC+2" in message(error.value, "fr") and "UTC+1" in message(error.value, "fr")
    assert local("4 mars 2027 10h +01:00") == "2027-03-04 10:00"


@pytest.mark.parametrize(
    "text", ["le 0 à 10h", "le 32 à 10h", "2027 10h", "lundi 10h 0", "0/0 10h"]
)
def test_odd_inputs_get_a_message_not_a_traceback(text: str) -> None:
    with pytest.raises(UserError) as error:
        parse_when(text, NOW, MONTREAL)
    assert message(error.value, "en") and message(error.value, "fr")
