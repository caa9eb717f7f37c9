"""Component ``custom_id``s that carry the whole invocation, so buttons outlive the process.

Discord gives a component at most 100 characters of ``custom_id`` and a select option at most
100 characters of ``value``. Nothing is kept in memory or in the database: after a restart an
old button is decoded like a new one. Unknown or malformed ids decode to ``None`` (the caller
answers "this button has expired").

Forms (``|``-separated, values percent-encoded so ``|`` never appears inside a part)::

    pa1b|poll vote|poll=1&choice=B            button: invoke now
    pa1m|poll answer|poll=1|text              button: ask for ``text`` in a modal first
    pa1f|poll answer|poll=1|text              the modal itself (its submit invokes)
    pa1s|poll vote                            select: each option value is ``poll=1&choice=B``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlencode

from bot.core.commands import NAME_RE
from bot.core.reply import Action, ArgValue

MAX_CUSTOM_ID = 100
MAX_VALUE = 100
PREFIX = "pa1"

Kind = Literal["b", "m", "f", "s"]


@dataclass(frozen=True, slots=True)
class Decoded:
    kind: Kind
    path: str
    args: dict[str, str] = field(default_factory=dict)
    prompt: str | None = None


def _text(value: ArgValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_args(args: tuple[tuple[str, ArgValue], ...] | dict[str, ArgValue]) -> str:
    items = args.items() if isinstance(args, dict) else args
    return urlencode([(k, _text(v)) for k, v in items])


def decode_args(text: str) -> dict[str, str]:
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    args = dict(pairs)
    if len(args) != len(pairs) or not all(NAME_RE.match(k) for k in args):
        raise ValueError("bad arguments")
    return args


def encode(action: Action, kind: Kind | None = None) -> str | None:
    """The custom_id for ``action``, or None when it cannot fit in 100 characters."""
    kind = kind or ("m" if action.prompt else "b")
    return encode_parts(kind, action.command, action.args, action.prompt)


def encode_parts(
    kind: Kind,
    command: str,
    args: tuple[tuple[str, ArgValue], ...] | dict[str, ArgValue] | dict[str, str],
    prompt: str | None = None,
) -> str | None:
    parts = [PREFIX + kind, command, encode_args(args)]  # type: ignore[arg-type]
    if kind in ("m", "f"):
        parts.append(prompt or "")
    text = "|".join(parts)
    return text if len(text) <= MAX_CUSTOM_ID else None


def encode_select(command: str) -> str | None:
    text = f"{PREFIX}s|{command}"
    return text if len(text) <= MAX_CUSTOM_ID else None


def decode(custom_id: object) -> Decoded | None:
    """Parse a custom_id; None for anything this bot did not make (or an older format)."""
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID:
        return None
    if not custom_id.startswith(PREFIX) or len(custom_id) < len(PREFIX) + 1:
        return None
    kind = custom_id[len(PREFIX)]
    parts = custom_id[len(PREFIX) + 1 :].split("|")
    if not parts or parts[0] != "":
        return None
    parts = parts[1:]
    try:
        if kind == "s" and len(parts) == 1:
            return Decoded("s", _path(parts[0]))
        if kind == "b" and len(parts) == 2:
            return Decoded("b", _path(parts[0]), decode_args(parts[1]))
        if kind in ("m", "f") and len(parts) == 3 and NAME_RE.match(parts[2]):
            return Decoded(kind, _path(parts[0]), decode_args(parts[1]), parts[2])  # type: ignore[arg-type]
    except ValueError:
        return None
    return None


def _path(text: str) -> str:
    words = text.split(" ")
    if not 1 <= len(words) <= 3 or not all(NAME_RE.match(w) for w in words):
        raise ValueError("bad command path")
    return text
