"""One translation function for every user-visible string.

French is the source language: msgids are French text with ``{placeholders}``. English comes
from ``locales/en.po`` catalogues (one for the core, one per cog), read with Babel once per
change of the file (``po_cache``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

from bot.core import po_cache
from bot.core.typography import french_typography, ordinal

log = logging.getLogger(__name__)

SOURCE_LOCALE = "fr"
LOCALES: tuple[str, ...] = ("fr", "en")
CORE_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def N_(msgid: str) -> str:
    """Mark a string for translation where it is defined; translate it where it is shown."""
    return msgid


def normalize_locale(value: str | None) -> str | None:
    """``fr-CA`` → ``fr``, ``EN_us`` → ``en``; anything unsupported → ``None``."""
    if not value:
        return None
    base = value.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LOCALES else None


#: A text set in config for every language at once (a plain string) or per language
#: (``{fr = "…", en = "…"}``), e.g. a code of conduct.
PerLanguage = str | dict[str, str]


def check_per_language(value: PerLanguage) -> PerLanguage:
    """Config validation: a table's keys are supported languages, and French (the source)
    or the one language given is there to fall back on."""
    if isinstance(value, str):
        return value
    unknown = [key for key in value if normalize_locale(key) != key]
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}: use {' or '.join(LOCALES)} as keys")
    if not value:
        raise ValueError('give the text for at least one language (fr = "…")')
    return value


def in_language(value: PerLanguage, locale: str) -> str:
    """The text for ``locale``: a plain string is every language's; a table gives the
    language's own, else French, else the first one given."""
    if isinstance(value, str):
        return value
    return value.get(locale) or value.get(SOURCE_LOCALE) or next(iter(value.values()), "")


class Deferred:
    """A message parameter written in the reader's language only when the message is shown
    (a date, a month name inside a ``UserError`` raised before anyone knows who reads it)."""

    __slots__ = ("render",)

    def __init__(self, render: Callable[[Translator], str]) -> None:
        self.render = render

    def __str__(self) -> str:  # outside a translator (logs, CSV reports): the source language
        return self.render(Translator(Catalogues(), SOURCE_LOCALE))


_ROLE_NAMES = {
    "everyone": N_("tout le monde"),
    "member": N_("membre"),
    "moderator": N_("modérateur"),
    "admin": N_("administrateur"),
}


def role_name(role: str) -> Deferred:
    """A neutral role's name inside a sentence, in the reader's language (``modérateur`` /
    ``moderator``), never the config key."""
    key = str(role)
    return Deferred(lambda t: t(_ROLE_NAMES[key]) if key in _ROLE_NAMES else key)


def _resolve(params: dict[str, Any], t: Translator) -> dict[str, Any]:
    for value in params.values():
        if isinstance(value, Deferred):
            return {k: v.render(t) if isinstance(v, Deferred) else v for k, v in params.items()}
    return params  # the common case: nothing to render, no copy


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(text: str, params: dict[str, Any]) -> str:
    if not params:
        return text
    try:
        return text.format_map(_SafeDict(params))
    except (ValueError, IndexError, AttributeError):
        log.warning("Bad placeholders in message %r", text)
        return text


class Catalogues:
    """Every loaded catalogue: ``{locale: {msgid: msgstr}}`` plus plural forms."""

    def __init__(self) -> None:
        self.singular: dict[str, dict[str, str]] = {loc: {} for loc in LOCALES}
        self.plural: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
            loc: {} for loc in LOCALES
        }

    def load_dir(self, directory: Path) -> None:
        """Load ``<directory>/<locale>*.po`` (``en.po``, ``en_discord.po``…) for each locale."""
        for locale in LOCALES:
            if locale == SOURCE_LOCALE or not directory.exists():
                continue
            for path in sorted(directory.glob(f"{locale}*.po")):
                self.load_file(locale, path)

    def load_file(self, locale: str, path: Path) -> None:
        singular, plural = po_cache.parsed(locale, path)
        self.singular[locale].update(singular)
        self.plural[locale].update(plural)

    def has(self, locale: str, msgid: str) -> bool:
        return msgid in self.singular.get(locale, {})


class Translator:
    """Translation and formatting for one reader's locale (and time zone)."""

    def __init__(
        self,
        catalogues: Catalogues,
        locale: str,
        tz: ZoneInfo | None = None,
        *,
        typography: bool = True,
    ) -> None:
        self.catalogues = catalogues
        self.locale = normalize_locale(locale) or SOURCE_LOCALE
        self.tz = tz or ZoneInfo("UTC")
        self.typography = typography

    def __call__(self, msgid: str, /, **params: Any) -> str:
        params = _resolve(params, self) if params else params
        if self.locale == "fr":
            return _format(self._typeset(msgid), params)
        return _format(self.catalogues.singular[self.locale].get(msgid, msgid), params)

    def n(self, singular: str, plural: str, count: int, /, **params: Any) -> str:
        """Plural-aware translation; ``{n}`` is the count, already formatted."""
        params = _resolve(params, self)
        params.setdefault("n", self.number(count))
        if self.locale == SOURCE_LOCALE:
            # French: 0 and 1 take the singular.
            return _format(self._typeset(singular if count <= 1 else plural), params)
        forms = self.catalogues.plural[self.locale].get((singular, plural))
        if forms is None:
            return _format(singular if count <= 1 else plural, params)
        return _format(forms[0] if count == 1 else forms[1], params)

    def _typeset(self, template: str) -> str:
        """French typography on the template only: what members typed is filled in after."""
        return french_typography(template) if self.typography else template

    def quote(self, text: str) -> str:
        """Quoted text (a question, an answer members typed): ``« Quoi »`` in
        French, ``“What”`` in English; the text itself is left as typed."""
        return self(N_("« {text} »"), text=text)

    def ordinal(self, n: int, feminine: bool = False) -> str:
        """A rank or position: ``1er``/``1re``, ``2e`` in French; ``1st``, ``2nd`` in English."""
        return ordinal(n, self.locale, feminine=feminine)

    def with_tz(self, tz: ZoneInfo) -> Translator:
        return Translator(self.catalogues, self.locale, tz, typography=self.typography)

    # --- formatting -----------------------------------------------------------------------

    def number(self, value: float, digits: int = 1) -> str:
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        return format_decimal(
            round(value, digits), format=f"#,##0.{'#' * digits}", locale=self.locale
        )

    def percent(self, ratio: float) -> str:
        # French puts a space before %, English none: "52 %" / "52%".
        pattern = "#,##0 %" if self.locale == "fr" else "#,##0%"
        return format_percent(ratio, format=pattern, locale=self.locale)

    def datetime(
        self,
        moment: dt.datetime,
        tz: ZoneInfo | None = None,
        *,
        now: dt.datetime | None = None,
        zone: bool = False,
    ) -> str:
        """``jeudi 5 mars à 10 h`` / ``Thursday 5 March at 10:00`` in the reader's zone."""
        local = moment.astimezone(tz or self.tz)
        ref = (now or dt.datetime.now(local.tzinfo)).astimezone(local.tzinfo)
        day = self._day(local, year=local.year != ref.year)
        clock = self.clock(local.hour, local.minute)
        text = f"{day} à {clock}" if self.locale == "fr" else f"{day} at {clock}"
        if zone:
            text += f" ({local.tzinfo})"
        return text

    def clock(self, hour: int, minute: int) -> str:
        """``10 h``, ``2 h 30`` / ``10:00``, ``02:30``."""
        if self.locale == "fr":
            return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"
        return f"{hour:02d}:{minute:02d}"

    def date(self, moment: dt.datetime, tz: ZoneInfo | None = None) -> str:
        return self._day(moment.astimezone(tz or self.tz), year=True)

    def _day(self, local: dt.datetime, *, year: bool) -> str:
        """``jeudi 1er avril`` (French writes the first of the month as an ordinal)."""
        day = "d'er'" if self.locale == "fr" and local.day == 1 else "d"
        pattern = f"EEEE {day} MMMM" + (" y" if year else "")
        return format_datetime(local, pattern, locale=self.locale)

    def duration(self, delta: dt.timedelta) -> str:
        """``1 h 30 min`` / ``1 h 30 min`` — compact and the same in both languages."""
        minutes = round(delta.total_seconds() / 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts: list[str] = []
        if days:
            parts.append(self.n("{n} jour", "{n} jours", days))
        if hours:
            parts.append(f"{hours} h")
        if mins or not parts:
            parts.append(f"{mins} min")
        return " ".join(parts)

    def join(self, items: Sequence[str]) -> str:
        """``a, b et c`` / ``a, b and c``."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        return self(N_(", ")).join(items[:-1]) + self(N_(" et ")) + items[-1]


class I18n:
    """Owns the catalogues; hands out translators."""

    def __init__(
        self,
        default_locale: str = SOURCE_LOCALE,
        extra_dirs: Iterable[Path] = (),
        *,
        typography: bool = True,
    ) -> None:
        self.default_locale = normalize_locale(default_locale) or SOURCE_LOCALE
        self.typography = typography
        self.catalogues = Catalogues()
        self.catalogues.load_dir(CORE_LOCALES_DIR)
        for directory in extra_dirs:
            self.catalogues.load_dir(directory)

    def load_dir(self, directory: Path) -> None:
        self.catalogues.load_dir(directory)

    def translator(self, locale: str | None = None, tz: ZoneInfo | None = None) -> Translator:
        locale = normalize_locale(locale) or self.default_locale
        return Translator(self.catalogues, locale, tz, typography=self.typography)
