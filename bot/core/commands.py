"""Commands declared once, as typed async methods; their signature is the option schema.

``CommandSpec`` follows Discord's rules on every platform (they are the strictest): names match
``^[a-z0-9_-]{1,32}$``, descriptions are at most 100 characters, at most 25 options and 25
choices, required options before optional ones. A malformed declaration fails at import.
"""

from __future__ import annotations

import enum
import inspect
import keyword
import re
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from bot.core.errors import UsageError
from bot.core.refs import Role

NAME_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
MAX_DESCRIPTION = 100
MAX_CHOICES = 25
MAX_OPTIONS = 25
#: Words in a group: the cog's group and one subgroup (``cafe programme``), as on Discord.
MAX_GROUP_DEPTH = 2
#: Default bounds of an integer option declared without them: every number a member types
#: ends up in a 32-bit database column (PostgreSQL INTEGER, SQLite's bound parameters), so a
#: larger one would fail there as "something went wrong" instead of a usage message.
INT_MIN_DEFAULT = 0
INT_MAX_DEFAULT = 2**31 - 1
#: Discord accepts integer option bounds up to ±2**53; wider declarations fail at import.
INT_LIMIT = 2**53

TRUE_WORDS = frozenset({"true", "yes", "oui", "vrai", "1", "on", "y", "o"})
FALSE_WORDS = frozenset({"false", "no", "non", "faux", "0", "off", "n"})


class SpecError(TypeError):
    """A command declaration breaks the rules; raised at import time."""


class OptionKind(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"


@dataclass(frozen=True, slots=True)
class Opt:
    """Metadata for one option: ``Annotated[str, Opt("La question posée")]``.

    ``rest``: on text platforms, the option takes every remaining word (only the last one).
    ``autocomplete``: name of a cog method ``async (inv, typed) -> list[(label, value)]``.
    """

    description: str
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    rest: bool = False
    autocomplete: str | None = None


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    description: str
    kind: OptionKind
    required: bool
    default: Any = None
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    rest: bool = False
    autocomplete: str | None = None
    enum_type: type[enum.Enum] | None = None
    #: The handler's parameter when it differs from the name: ``from_`` for the option ``from``.
    param: str = ""

    @property
    def arg(self) -> str:
        """The keyword the handler receives this option as."""
        return self.param or self.name

    def convert(self, raw: Any, command: str) -> Any:
        """Turn a typed or clicked value into the option's Python value, or raise UsageError."""
        if isinstance(raw, str):
            raw = raw.strip()
        if self.kind is OptionKind.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            word = str(raw).lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise UsageError(
                "L'option {option} attend oui ou non (true/false), pas « {value} ».",
                command=command,
                option=self.name,
                value=_clip(raw),
            )
        if self.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
            try:
                value: float = (
                    int(str(raw))
                    if self.kind is OptionKind.INTEGER
                    else float(str(raw).replace(",", "."))
                )
            except ValueError:
                raise UsageError(
                    "L'option {option} attend un nombre, pas « {value} ».",
                    command=command,
                    option=self.name,
                    value=_clip(raw),
                ) from None
            if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
                raise UsageError(
                    "L'option {option} attend un nombre, pas « {value} ».",
                    command=command,
                    option=self.name,
                    value=_clip(raw),
                )
            if (self.min is not None and value < self.min) or (
                self.max is not None and value > self.max
            ):
                raise UsageError(
                    "L'option {option} doit être comprise entre {min} et {max}.",
                    command=command,
                    option=self.name,
                    min=_num(self.min),
                    max=_num(self.max),
                )
            return value
        text = str(raw)
        if self.choices:
            folded = {c.lower(): c for c in self.choices}
            match = folded.get(text.lower())
            if match is None:
                raise UsageError(
                    "L'option {option} accepte : {choices}.",
                    command=command,
                    option=self.name,
                    choices=", ".join(self.choices),
                )
            return self.enum_type(match) if self.enum_type else match
        if self.max_length is not None and len(text) > self.max_length:
            raise UsageError(
                "L'option {option} est trop longue : {length} caractères (au plus {max}).",
                command=command,
                option=self.name,
                length=len(text),
                max=self.max_length,
            )
        return text


def _clip(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(value: float | None) -> str:
    if value is None:
        return "∞"
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command, in the neutral form every adapter publishes."""

    group: str | None
    name: str
    description: str
    options: tuple[OptionSpec, ...]
    permission: Role
    cog: str
    method: str
    defer: bool = False
    aliases: tuple[str, ...] = field(default=())
    #: Example calls without the prefix (French msgids, translated where help shows them).
    examples: tuple[str, ...] = field(default=())

    @property
    def path(self) -> str:
        return f"{self.group} {self.name}" if self.group else self.name

    @property
    def top(self) -> str:
        """The first word of the path: the cog's group, or the command itself."""
        return self.group.split(" ", 1)[0] if self.group else self.name

    @property
    def subgroup(self) -> str | None:
        """``"cafe programme"`` for ``cafe programme add``; None outside a subgroup."""
        return self.group if self.group and " " in self.group else None

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)


class _Unset(enum.Enum):
    """``command(group=...)`` left out: the group defaults to the cog's name."""

    UNSET = enum.auto()


_UNSET: Literal[_Unset.UNSET] = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class CommandMeta:
    name: str
    group: str | Literal[_Unset.UNSET] | None
    permission: Role
    defer: bool
    aliases: tuple[str, ...]
    examples: tuple[str, ...] = ()


Handler = Callable[..., Awaitable[Any]]


def command(
    name: str,
    *,
    group: str | Literal[_Unset.UNSET] | None = _UNSET,
    permission: Role = Role.EVERYONE,
    defer: bool = False,
    aliases: tuple[str, ...] = (),
    examples: tuple[str, ...] = (),
) -> Callable[[Handler], Handler]:
    """Declare a cog method as a command. ``group`` defaults to the cog's name; two words
    make a subgroup (``group="cafe programme"``: the command ``cafe programme add``).

    The first line of the docstring is the user-facing description (French source).
    ``defer``: the handler may be slow (Discord acknowledges first, then edits).
    ``examples``: one or two calls without the prefix (``poll create "Quel jour ?"``), French
    msgids that ``help`` shows translated; each must start with the command's own path.
    """

    def decorate(func: Handler) -> Handler:
        if not inspect.iscoroutinefunction(func):
            raise SpecError(f"command {name!r}: {func.__qualname__} must be async")
        func.__passerelle_command__ = CommandMeta(  # type: ignore[attr-defined]
            name, group, permission, defer, aliases, tuple(examples)
        )
        return func

    return decorate


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _option_from_parameter(param: inspect.Parameter, annotation: Any, where: str) -> OptionSpec:
    if get_origin(annotation) is not Annotated:
        raise SpecError(f"{where}: option {param.name!r} needs Annotated[type, Opt('…')]")
    base, *extras = get_args(annotation)
    opt = next((e for e in extras if isinstance(e, Opt)), None)
    if opt is None:
        raise SpecError(f"{where}: option {param.name!r} has no Opt(...) description")
    base, nullable = _unwrap_optional(base)
    choices: tuple[str, ...] = ()
    enum_type: type[enum.Enum] | None = None
    if base is bool:
        kind = OptionKind.BOOLEAN
    elif base is int:
        kind = OptionKind.INTEGER
    elif base is float:
        kind = OptionKind.NUMBER
    elif base is str:
        kind = OptionKind.STRING
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        kind, enum_type = OptionKind.STRING, base
        choices = tuple(str(m.value) for m in base)
    elif get_origin(base) is Literal:
        kind = OptionKind.STRING
        choices = tuple(str(v) for v in get_args(base))
    else:
        raise SpecError(f"{where}: option {param.name!r} has unsupported type {base!r}")
    low, high = opt.min, opt.max
    if kind is OptionKind.INTEGER:
        # Every integer is bounded where it is declared (see INT_MAX_DEFAULT).
        low = INT_MIN_DEFAULT if low is None else low
        high = INT_MAX_DEFAULT if high is None else high
    # A Python keyword cannot be a parameter: ``from_`` declares the option ``from``.
    name = param.name
    if name.endswith("_") and keyword.iskeyword(name[:-1]):
        name = name[:-1]
    required = param.default is inspect.Parameter.empty
    if required and nullable:
        raise SpecError(f"{where}: option {param.name!r} is Optional but has no default")
    spec = OptionSpec(
        name=name,
        description=opt.description,
        kind=kind,
        required=required,
        default=None if required else param.default,
        choices=choices,
        min=low,
        max=high,
        max_length=opt.max_length,
        rest=opt.rest,
        autocomplete=opt.autocomplete,
        enum_type=enum_type,
        param="" if name == param.name else param.name,
    )
    _check_option(spec, where)
    return spec


def _check_option(spec: OptionSpec, where: str) -> None:
    if not NAME_RE.match(spec.name):
        raise SpecError(f"{where}: option name {spec.name!r} must match {NAME_RE.pattern}")
    if not spec.description or len(spec.description) > MAX_DESCRIPTION:
        raise SpecError(f"{where}: option {spec.name!r} needs a description of 1–100 chars")
    if len(spec.choices) > MAX_CHOICES:
        raise SpecError(f"{where}: option {spec.name!r} has more than {MAX_CHOICES} choices")
    for bound in (spec.min, spec.max):
        if bound is not None and not -INT_LIMIT <= bound <= INT_LIMIT:
            raise SpecError(f"{where}: option {spec.name!r} bound {bound} is beyond ±2**53")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        raise SpecError(f"{where}: option {spec.name!r} has min above max")
    if spec.rest and spec.kind is not OptionKind.STRING:
        raise SpecError(f"{where}: only a text option can take the rest of the line")


def build_spec(func: Handler, cog_name: str, default_group: str | None) -> CommandSpec:
    """Derive a CommandSpec from a decorated method; raise SpecError when it breaks a rule."""
    meta: CommandMeta = func.__passerelle_command__  # type: ignore[attr-defined]
    group = default_group if meta.group is _UNSET else meta.group
    where = f"command {(group + ' ') if group else ''}{meta.name}"
    group_parts = group.split(" ") if group else []
    if len(group_parts) > MAX_GROUP_DEPTH:
        # Discord nests one level of subcommand groups: ``cafe programme add`` at most.
        raise SpecError(f"{where}: a group has at most {MAX_GROUP_DEPTH} words")
    for part in [*group_parts, meta.name, *meta.aliases]:
        if not NAME_RE.match(part):
            raise SpecError(f"{where}: name {part!r} must match {NAME_RE.pattern}")
    description = (inspect.getdoc(func) or "").strip().splitlines()
    if not description or not description[0] or len(description[0]) > MAX_DESCRIPTION:
        raise SpecError(f"{where}: the docstring's first line (1–100 chars) is the description")
    hints = typing.get_type_hints(func, include_extras=True)
    params = list(inspect.signature(func).parameters.values())[2:]  # self, inv
    options = tuple(_option_from_parameter(p, hints.get(p.name), where) for p in params)
    if len(options) > MAX_OPTIONS:
        raise SpecError(f"{where}: more than {MAX_OPTIONS} options")
    seen_optional = False
    for opt in options:
        if opt.required and seen_optional:
            raise SpecError(f"{where}: required option {opt.name!r} after an optional one")
        seen_optional = seen_optional or not opt.required
    path = f"{group} {meta.name}" if group else meta.name
    for example in meta.examples:
        if not example.startswith(path + " ") and example != path:
            raise SpecError(f"{where}: example {example!r} must start with {path!r}")
    if sum(o.rest for o in options) > 1:
        # Options after the rest-of-line one can still be given by name.
        raise SpecError(f"{where}: at most one option can take the rest of the line")
    return CommandSpec(
        group=group,
        name=meta.name,
        description=description[0],
        options=options,
        permission=meta.permission,
        cog=cog_name,
        method=func.__name__,
        defer=meta.defer,
        aliases=meta.aliases,
        examples=meta.examples,
    )
