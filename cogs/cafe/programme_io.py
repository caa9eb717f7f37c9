"""Decks in a text editor: a café's programme as TOML, read and written (pure, no I/O).

```toml
[[activity]]
kind = "quiz"
question = "A quelle date la feuille de route a-t-elle été publiée ?"
answer = ["26/09/2022", "26 septembre 2022"]
seconds = 60
```

One ``[[activity]]`` table per activity, in running order, with the keys of
``cafe programme add`` (lists may also be written ``"A | B | C"``). Problems are reported by
line: TOML syntax errors where tomllib found them, an invalid activity by its number and the
line of its ``[[activity]]`` header (or of the offending key).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import UserError
from cogs.cafe.programme import Activity, Planned

KEYS = (
    "kind",
    "question",
    "choices",
    "answer",
    "categories",
    "seconds",
    "max",
    "anonymous",
    "results",
)
LIST_KEYS = ("choices", "answer", "categories")
_HEADER = re.compile(r"^\s*\[\[\s*activity\s*\]\]\s*(#.*)?$")
_SYNTAX_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True, slots=True)
class DeckProblem:
    """One problem, to show as ``FILE:LINE: activity N: message``."""

    line: int | None
    activity: int | None
    error: UserError


class DeckInvalid(Exception):
    """The deck cannot be imported; nothing was stored."""

    def __init__(self, problems: Sequence[DeckProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    line: int | None
    values: dict[str, Any]


def parse(text: str) -> list[Entry]:
    """The ``[[activity]]`` tables of a deck, with their header's line; DeckInvalid when the
    file is not TOML or not shaped like a deck."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _SYNTAX_LINE.search(str(error))
        line = int(found.group(1)) if found else None
        detail = _SYNTAX_LINE.sub("", str(error)).strip()
        raise DeckInvalid(
            [
                DeckProblem(
                    line, None, UserError("Fichier TOML illisible : {detail}.", detail=detail)
                )
            ]
        ) from None
    other = sorted(k for k in data if k != "activity")
    if other:
        raise DeckInvalid(
            [
                DeckProblem(
                    _key_line(text.splitlines(), 0, other[0]),
                    None,
                    UserError(
                        "Clé inconnue : {key}. Un programme ne contient que des tables "
                        "[[activity]].",
                        key=other[0][:40],
                    ),
                )
            ]
        )
    tables = data.get("activity")
    if not isinstance(tables, list) or not tables:
        raise DeckInvalid(
            [
                DeckProblem(
                    None, None, UserError("Aucune activité : ajoutez des tables [[activity]].")
                )
            ]
        )
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines, start=1) if _HEADER.match(line)]
    if len(headers) != len(tables):
        headers = []  # written another way (an inline array): activity numbers only
    return [
        Entry(n, headers[n - 1] if headers else None, table if isinstance(table, dict) else {})
        for n, table in enumerate(tables, start=1)
    ]


def check(text: str, plan: Callable[[Entry], Planned]) -> list[Planned]:
    """Every activity checked (``plan`` is the programme's check); DeckInvalid listing every
    problem found, so the whole deck can be fixed in one go."""
    entries = parse(text)
    lines = text.splitlines()
    planned: list[Planned] = []
    problems: list[DeckProblem] = []
    for entry in entries:
        try:
            planned.append(plan(_checked_shape(entry)))
        except UserError as error:
            key = error.params.get("key") or error.params.get("option")
            line = entry.line
            if isinstance(key, str) and entry.line is not None:
                line = _key_line(lines, entry.line, key) or entry.line
            problems.append(DeckProblem(line, entry.number, error))
    if problems:
        raise DeckInvalid(problems)
    return planned


def options(entry: Entry) -> dict[str, Any]:
    """The options part of a checked entry, as ``ActivityProvider.validate`` takes them."""
    return {k: v for k, v in entry.values.items() if k not in ("kind", "question", "seconds")}


def _checked_shape(entry: Entry) -> Entry:
    values = entry.values
    for key in values:
        if key not in KEYS:
            raise UserError(
                "Clé inconnue : {key}. Clés possibles : {keys}.",
                key=key[:40],
                keys=", ".join(KEYS),
            )
    for key in ("kind", "question"):
        if not isinstance(values.get(key), str) or not values[key].strip():
            raise UserError("Il manque {key} (du texte) à cette activité.", key=key)
    for key in ("seconds", "max"):
        if key in values and (isinstance(values[key], bool) or not isinstance(values[key], int)):
            raise UserError("{key} attend un nombre entier.", key=key)
    return entry


def _key_line(lines: list[str], start: int, key: str) -> int | None:
    """The line of ``key = …`` after line ``start`` and before the next table."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if number > start + 1 and line.lstrip().startswith("["):
            break
        if pattern.match(line):
            return number
    return None


# --- writing ------------------------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string (same escapes; non-ASCII kept as is).
    return json.dumps(str(value), ensure_ascii=False)


def write(activities: Sequence[Activity], header: Sequence[str] = ()) -> str:
    """The deck as TOML, in running order; ``header`` lines become comments."""
    out = [f"# {line}" for line in header]
    for activity in activities:
        values: dict[str, Any] = {
            "kind": activity.kind,
            "question": activity.question,
            **activity.options,
        }
        if activity.seconds:
            values["seconds"] = activity.seconds
        out += ["", "[[activity]]"]
        out += [f"{key} = {_value(values[key])}" for key in KEYS if key in values]
    return "\n".join(out).lstrip("\n") + "\n"
