"""The words of dates and times people type, French and English, already folded (lower case,
no accents): what ``bot.core.when`` reads. Vocabulary only — the grammar lives in ``when``."""

from __future__ import annotations

import re

from bot.core.i18n import N_

MONTHS: dict[str, int] = {
    # French, with the abbreviations calendars print ("janv.", "févr.", "juil.")
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12, "dec": 12,
    # English ("mar" is March here: French weekdays are written out)
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12,
}  # fmt: skip

# Month names as the messages show them (translated by the reader's catalogue).
MONTH_NAMES = (
    N_("janvier"), N_("février"), N_("mars"), N_("avril"), N_("mai"), N_("juin"),
    N_("juillet"), N_("août"), N_("septembre"), N_("octobre"), N_("novembre"), N_("décembre"),
)  # fmt: skip
WEEKDAY_NAMES = (
    N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"), N_("samedi"),
    N_("dimanche"),
)  # fmt: skip

# Monday = 0, as ``date.weekday()``.
WEEKDAYS: dict[str, int] = {
    "lundi": 0, "lun": 0, "mardi": 1, "mercredi": 2, "mer": 2, "jeudi": 3, "jeu": 3,
    "vendredi": 4, "ven": 4, "samedi": 5, "sam": 5, "dimanche": 6, "dim": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip

# Days from today.
RELATIVE_DAYS: dict[str, int] = {
    "aujourdhui": 0, "today": 0, "ce-jour": 0, "demain": 1, "tomorrow": 1,
    "apres-demain": 2, "apresdemain": 2, "overmorrow": 2,
}  # fmt: skip

NEXT_WORDS = frozenset(["prochain", "prochaine", "next", "suivant", "suivante"])

# Which side of a repeated (autumn) hour: summer time, or standard ("winter") time.
SUMMER_WORDS = frozenset(
    ["ete", "summer", "dst", "cest", "bst", "eest", "edt", "cdt", "mdt", "pdt"]
)
WINTER_WORDS = frozenset(
    ["hiver", "winter", "standard", "normale", "cet", "gmt", "eet", "est", "cst", "mst", "pst"]
)

NAMED_TIMES = {"midi": (12, 0), "noon": (12, 0), "minuit": (0, 0), "midnight": (0, 0)}

FILLERS = frozenset([
    "le", "la", "l", "les", "a", "au", "at", "on", "the", "of", "de", "du", "d", "en", "in",
    "ce", "cette", "this", "heure", "heures", "h", "et", "and",
])  # fmt: skip

# Rewrites applied to the folded text before it is cut into words: joined words, "10 h 30",
# "6 pm", "à 10 heures", "the day after tomorrow", ordinals ("1er", "4th").
REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"aujourd\s*'?\s*hui"), "aujourdhui"),
    (re.compile(r"apres[\s-]+demain"), "apres-demain"),
    (re.compile(r"(?:the\s+)?day\s+after\s+tomorrow"), "apres-demain"),
    (re.compile(r"\b(\d{1,2})\s*(?:h|heures?)\s*(\d\d)\b"), r"\1h\2"),
    (re.compile(r"\b(\d{1,2})\s*(?:h|heures?)\b"), r"\1h"),
    (re.compile(r"\b([ap])\.\s?m\b\.?"), r"\1m"),
    (re.compile(r"(\d)\s*(am|pm)\b"), r"\1\2"),
    (re.compile(r"\b(\d{1,2})(?:er|re|ere|e|eme|st|nd|rd|th)\b"), r"\1"),
    (re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)"), r"\1 \2"),
    (re.compile(r"[,;'’]|(?<!\d)\.|\.(?!\d)"), " "),
)

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?$")
CLOCK = re.compile(
    r"^(\d{1,2})(?:(?::|h)(\d{2})?)?(am|pm)?"
    r"(?:(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?|(z))?$"
)
OFFSET = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$")
NUMBER = re.compile(r"^\d{1,4}$")
