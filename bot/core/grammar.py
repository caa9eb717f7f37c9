"""The text grammar shared by Matrix and the console.

``!poll create "La question ?" kind:single choices:"A | B | C"``: a prefix, the command path
(one to three words: ``help``, ``poll create``, ``cafe programme add``),
shell-style quotes (also '…', “…” and «…»; an apostrophe inside a word is just an apostrophe:
a single quote opens a quote only at the start of a word or of an option's value, and closes
only before a space or the end of the line, so ``'Qu'en pensez-vous ?'`` is one value),
``name:value`` or ``name=value`` for declared options, the remaining words fill the options in
order, and an option declared ``rest`` takes every remaining word.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.catalogue import Catalogue
from bot.core.commands import CommandSpec
from bot.core.errors import UsageError, UserError
from bot.core.i18n import N_

MAX_INPUT = 4000
_OPENERS = {'"': '"”', "“": '”"', "«": "»", "'": "'"}
_NAMED = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,31})[:=](.*)$", re.DOTALL)
_NAME_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}[:=]")
#: ``mailto:x@y`` and ``https://…`` are values, not options with an unknown name.
_SCHEMES = frozenset({"mailto", "tel", "matrix", "geo", "urn", "data"})


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    quote_at: int | None  # index in ``value`` where quoted text began (None: not quoted)

    @property
    def quoted(self) -> bool:
        return self.quote_at is not None


@dataclass(slots=True)
class ParsedCommand:
    spec: CommandSpec
    raw: dict[str, Any] = field(default_factory=dict)


class UnknownCommand(UserError):
    def __init__(
        self,
        typed: str,
        suggestion: str | None,
        group: str | None = None,
        commands: str = "",
    ) -> None:
        if group and suggestion:
            super().__init__(
                N_(
                    "La commande « {typed} » n'existe pas. Vouliez-vous dire « {suggestion} » ? "
                    "Dans « {group} » : {commands}."
                ),
                typed=typed,
                suggestion=suggestion,
                group=group,
                commands=commands,
            )
        elif group:
            super().__init__(
                N_("La commande « {typed} » n'existe pas. Dans « {group} » : {commands}."),
                typed=typed,
                group=group,
                commands=commands,
            )
        elif suggestion:
            super().__init__(
                N_("Commande inconnue : « {typed} ». Vouliez-vous dire « {suggestion} » ?"),
                typed=typed,
                suggestion=suggestion,
            )
        else:
            super().__init__(N_("Commande inconnue : « {typed} »."), typed=typed)
        self.suggestion = suggestion


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        buf: list[str] = []
        quote_at: int | None = None
        while i < n and not text[i].isspace():
            c = text[i]
            if c in _OPENERS and (
                c != "'" or not buf or _NAME_PREFIX.fullmatch("".join(buf)) is not None
            ):
                closers = _OPENERS[c]
                j = i + 1
                inner: list[str] = []
                while j < n and (
                    text[j] not in closers
                    # a single quote closes only before a space or the end: l'atelier inside
                    or (c == "'" and j + 1 < n and not text[j + 1].isspace())
                ):
                    if text[j] == "\\" and j + 1 < n and c != "'":
                        inner.append(text[j + 1])
                        j += 2
                        continue
                    inner.append(text[j])
                    j += 1
                if j >= n:
                    if c == "'":  # an apostrophe, not a quote
                        buf.append(c)
                        i += 1
                        continue
                    raise UsageError(
                        "Guillemet non fermé : fermez-le ou retirez-le "
                        '(exemple : question:"Votre avis ?").'
                    )
                if quote_at is None:
                    quote_at = len(buf)
                piece = "".join(inner)
                buf.append(piece.strip() if c == "«" else piece)
                i = j + 1
                continue
            if c == "\\" and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
                continue
            buf.append(c)
            i += 1
        tokens.append(Token("".join(buf), quote_at))
    return tokens


def strip_prefix(text: str, prefixes: tuple[str, ...], *, require: bool) -> str | None:
    """The command body without its prefix, or None when the text is not a command."""
    stripped = text.strip()
    for prefix in sorted(prefixes, key=len, reverse=True):
        if prefix and stripped.startswith(prefix):
            body = stripped[len(prefix) :]
            return body if body and not body[0].isspace() else None
    return None if require else stripped or None


def parse(
    text: str,
    catalogue: Catalogue,
    prefixes: tuple[str, ...] = ("!",),
    *,
    require_prefix: bool = True,
) -> ParsedCommand | None:
    """Turn a line into a command call; None when it is not addressed to the bot.

    Raises UserError (UnknownCommand, UsageError) for bad input, and nothing else.
    """
    if len(text) > MAX_INPUT:
        raise UserError(
            "Message trop long : {length} caractères (au plus {max}). "
            "Raccourcissez-le ou découpez-le.",
            length=len(text),
            max=MAX_INPUT,
        )
    body = strip_prefix(text, prefixes, require=require_prefix)
    if body is None:
        return None
    tokens = tokenize(body)
    if not tokens:
        return None
    words: list[str] = []
    for token in tokens[:3]:  # the path: the leading unquoted words
        if token.quoted:
            break
        words.append(token.value.lower())
    spec, used = catalogue.lookup(words)
    if spec is None and (named := _command_typed_as_option(tokens, catalogue)) is not None:
        spec, rest = named
        return ParsedCommand(spec, bind(spec, rest))
    if spec is None:
        if catalogue.is_subgroup(words):
            # ``!cafe programme`` alone: the subgroup's help; anything else is a typo.
            help_spec = catalogue.get("help")
            if help_spec is not None and len(tokens) == 2:
                return ParsedCommand(help_spec, {"topic": " ".join(words[:2])})
            typed = " ".join(words[:3])
        elif words and catalogue.is_group(words[0]):
            help_spec = catalogue.get("help")
            if help_spec is not None and len(tokens) == 1:
                return ParsedCommand(help_spec, {"topic": words[0]})
            typed = " ".join(words[:2])
        else:
            typed = words[0] if words else tokens[0].value
            if not require_prefix and catalogue.suggest(words) is None:
                return None  # the console: ordinary chat, not a command
        suggestion = catalogue.suggest(words)
        if catalogue.is_subgroup(words) or (words and catalogue.is_group(words[0])):
            group = " ".join(words[:2]) if catalogue.is_subgroup(words) else words[0]
            raise UnknownCommand(
                typed[:60], suggestion, group, catalogue.summary(catalogue.listing(group), group)
            )
        raise UnknownCommand(typed[:60], suggestion)
    return ParsedCommand(spec, bind(spec, tokens[used:]))


def _command_typed_as_option(
    tokens: list[Token], catalogue: Catalogue
) -> tuple[CommandSpec, list[Token]] | None:
    """``!me email address:zoe@example.org``: a group's command written like an option (as
    people read ``name:value`` everywhere else) is that command, the value its first option."""
    for depth in (2, 1):
        if len(tokens) <= depth or any(t.quoted for t in tokens[:depth]):
            continue
        token = tokens[depth]
        match = _NAMED.match(token.value)
        if match is None or (token.quote_at is not None and token.quote_at < match.end(1)):
            continue
        words = [t.value.lower() for t in tokens[:depth]] + [match.group(1).lower()]
        spec, used = catalogue.lookup(words)
        if spec is None or used != depth + 1:
            continue
        rest = tokens[depth + 1 :]
        if match.group(2):
            shift = match.end(1) + 1
            quote_at = None if token.quote_at is None else max(token.quote_at - shift, 0)
            rest = [Token(match.group(2), quote_at), *rest]
        return spec, rest
    return None


def bind(spec: CommandSpec, tokens: list[Token]) -> dict[str, Any]:
    """Assign tokens to the command's options (named first, then in order)."""
    names = {o.name for o in spec.options}
    named: dict[str, str] = {}
    positional: list[str] = []
    for token in tokens:
        match = _NAMED.match(token.value)
        if match and (token.quote_at is None or match.end(1) <= token.quote_at):
            name = match.group(1).lower().replace("-", "_")
            if name in names:
                if name in named:
                    raise UsageError(
                        "L'option {option} est donnée deux fois.", command=spec.path, option=name
                    )
                named[name] = match.group(2)
                continue
            if _looks_like_option(name, match.group(2)):
                raise _unknown_option(spec, name)
        positional.append(token.value)
    raw: dict[str, Any] = dict(named)
    free = [o for o in spec.options if o.name not in named]
    for option in free:
        if not positional:
            break
        if option.rest:
            raw[option.name] = " ".join(positional)
            positional = []
            break
        raw[option.name] = positional.pop(0)
    if positional:
        raise UsageError(
            "Trop de valeurs : « {extra} » n'a pas de place. Mettez les textes "
            "avec des espaces entre guillemets.",
            command=spec.path,
            extra=" ".join(positional)[:60],
        )
    return raw


def _looks_like_option(name: str, value: str) -> bool:
    """``colour:red`` is an option with an unknown name; ``https://…``, ``mailto:…`` and
    ``Sujet:`` (nothing after the colon) are ordinary values."""
    return bool(value) and not value.startswith("//") and name not in _SCHEMES


def _unknown_option(spec: CommandSpec, name: str) -> UsageError:
    """An unknown option, naming the closest declared one."""
    typed = name[:32]
    if not spec.options:
        return UsageError(
            "Option inconnue « {option} » : cette commande n'a pas d'option.",
            command=spec.path,
            option=typed,
        )
    matcher = difflib.SequenceMatcher(b=name)
    best, best_ratio = spec.options[0].name, -1.0
    for option in spec.options:
        matcher.set_seq1(option.name)
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = option.name, ratio
    return UsageError(
        "Option inconnue « {option} ». Vouliez-vous dire « {suggestion} » ?",
        command=spec.path,
        option=typed,
        suggestion=best,
    )
