"""What each cog declares — its name, its commands, its words — known without importing it.

Importing a cog builds its tables (each one a pydantic model and a SQLAlchemy mapping): a
quarter of ``passerelle run``'s start. So ``run`` with Discord on imports the cogs once the
gateway is connected (``bot.app.start_core``), and what a member can meet before that — the
commands ``help`` lists, the slash commands Discord is given, the command words in each
language — comes from this index. It is written from the cogs themselves at a start that
imported them, and kept as JSON in ``cogs/__pycache__/`` under a fingerprint of every Python
file in ``cogs/`` and ``bot/core/`` (what a command's declaration can depend on): after any
edit there the next start imports the cogs first, as it always did, and writes the index
again. A missing, corrupt or unwritable index costs that start its head start, nothing else.
"""

from __future__ import annotations

import enum
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.commands import CommandSpec, OptionKind, OptionSpec
from bot.core.disk_cache import keep_json, read_json
from bot.core.refs import Role

#: Bump when the shape of the index changes.
FORMAT = 1

CORE_DIR = Path(__file__).resolve().parent
INDEX_NAME = "passerelle-index.json"


class Unindexable(ValueError):
    """A declaration the index cannot hold (an option default that is not plain data)."""


@dataclass(frozen=True)
class IndexedCog:
    """One cog package as the index knows it."""

    package: str  # cogs.<package>
    name: str
    specs: tuple[CommandSpec, ...]
    locales: Path
    #: The modules its ``setup`` imported, in order: imported off the event loop at start.
    imports: tuple[str, ...]


def fingerprint(cogs_dir: Path) -> list[list[Any]]:
    """Size and modification time of every Python file a declaration can depend on."""
    entries: list[list[Any]] = []
    for root in (cogs_dir, CORE_DIR):
        _stat_tree(str(root), f"{root.name}/", entries)
    return entries


def _stat_tree(folder: str, prefix: str, entries: list[list[Any]]) -> None:
    # os.scandir, not Path.rglob: every start pays this walk before connecting, and the
    # directory entries carry the stat already (~2 ms instead of ~12 ms for ~200 files).
    with os.scandir(folder) as listing:
        found = sorted(listing, key=lambda entry: entry.name)
    for entry in found:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                _stat_tree(entry.path, f"{prefix}{entry.name}/", entries)
        elif entry.name.endswith(".py"):
            stat = entry.stat()
            entries.append([prefix + entry.name, stat.st_size, stat.st_mtime_ns])


def read(
    cogs_dir: Path, packages: list[str], stamp: list[list[Any]]
) -> dict[str, IndexedCog] | None:
    """Every one of ``packages`` from the index, or None when one is missing or the code has
    changed since the index was written (``stamp``: :func:`fingerprint` now)."""
    data = read_json(cogs_dir / "__pycache__" / INDEX_NAME)
    try:
        if not _same_code(data, stamp):
            return None
        entries = data["cogs"]
        if not all(package in entries for package in packages):
            return None
        return {package: _decode_cog(cogs_dir, package, entries[package]) for package in packages}
    except (KeyError, TypeError, ValueError, AttributeError, ImportError):
        return None  # an index from another version, or damaged: the cogs load first instead


def write(cogs_dir: Path, cogs: list[IndexedCog], stamp: list[list[Any]]) -> None:
    """Keep the index of ``cogs`` under ``stamp`` (the fingerprint taken before importing them)."""
    try:
        entries = {cog.package: _encode_cog(cogs_dir, cog) for cog in cogs}
    except Unindexable:
        return  # such a cog set loads first at every start, as before the index
    path = cogs_dir / "__pycache__" / INDEX_NAME
    kept = read_json(path)
    # Configurations with other cogs share the file: their entries stay while the code is
    # the same (a lost race between two writers only costs a later start its head start).
    if _same_code(kept, stamp) and isinstance(kept.get("cogs"), dict):
        entries = {**kept["cogs"], **entries}
    data = {"format": FORMAT, "python": _python(), "files": stamp, "cogs": entries}
    keep_json(path, data)


def entry(package: str, cog: Any, imports: list[str]) -> IndexedCog:
    """The index entry of a loaded cog (a :class:`bot.core.cog.Cog`)."""
    return IndexedCog(package, cog.name, tuple(cog.specs), cog.locales_dir(), tuple(imports))


def _same_code(data: Any, stamp: list[list[Any]]) -> bool:
    return (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and data.get("python") == _python()
        and data.get("files") == stamp
    )


def _python() -> str:
    return ".".join(map(str, sys.version_info[:2]))


def _encode_cog(cogs_dir: Path, cog: IndexedCog) -> dict[str, Any]:
    locales = cog.locales
    where = str(locales.relative_to(cogs_dir)) if locales.is_relative_to(cogs_dir) else None
    if where is None:
        raise Unindexable(f"{cog.package}: its words are outside cogs/")
    return {
        "name": cog.name,
        "locales": where,
        "imports": list(cog.imports),
        "specs": [_encode_spec(spec) for spec in cog.specs],
    }


def _decode_cog(cogs_dir: Path, package: str, data: dict[str, Any]) -> IndexedCog:
    return IndexedCog(
        package=package,
        name=str(data["name"]),
        specs=tuple(_decode_spec(s) for s in data["specs"]),
        locales=cogs_dir / data["locales"],
        imports=tuple(str(m) for m in data["imports"]),
    )


def _encode_spec(spec: CommandSpec) -> dict[str, Any]:
    return {
        "group": spec.group,
        "name": spec.name,
        "description": spec.description,
        "options": [_encode_option(o) for o in spec.options],
        "permission": spec.permission.value,
        "cog": spec.cog,
        "method": spec.method,
        "defer": spec.defer,
        "aliases": list(spec.aliases),
        "examples": list(spec.examples),
    }


def _decode_spec(data: dict[str, Any]) -> CommandSpec:
    return CommandSpec(
        group=data["group"],
        name=data["name"],
        description=data["description"],
        options=tuple(_decode_option(o) for o in data["options"]),
        permission=Role(data["permission"]),
        cog=data["cog"],
        method=data["method"],
        defer=bool(data["defer"]),
        aliases=tuple(data["aliases"]),
        examples=tuple(data["examples"]),
    )


def _encode_option(option: OptionSpec) -> dict[str, Any]:
    return {
        "name": option.name,
        "description": option.description,
        "kind": option.kind.value,
        "required": option.required,
        "default": _encode_value(option.default),
        "choices": list(option.choices),
        "min": option.min,
        "max": option.max,
        "max_length": option.max_length,
        "rest": option.rest,
        "autocomplete": option.autocomplete,
        "enum_type": _name_of(option.enum_type) if option.enum_type else None,
        "param": option.param,
    }


def _decode_option(data: dict[str, Any]) -> OptionSpec:
    return OptionSpec(
        name=data["name"],
        description=data["description"],
        kind=OptionKind(data["kind"]),
        required=bool(data["required"]),
        default=_decode_value(data["default"]),
        choices=tuple(data["choices"]),
        min=data["min"],
        max=data["max"],
        max_length=data["max_length"],
        rest=bool(data["rest"]),
        autocomplete=data["autocomplete"],
        enum_type=_resolve(data["enum_type"]) if data["enum_type"] else None,
        param=data["param"],
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"enum": _name_of(type(value)), "value": value.value}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise Unindexable(f"option default {value!r} is not plain data")


def _decode_value(data: Any) -> Any:
    if isinstance(data, dict):
        return _resolve(data["enum"])(data["value"])
    return data


def _name_of(kind: type) -> str:
    if "<locals>" in kind.__qualname__:
        raise Unindexable(f"{kind.__qualname__} cannot be found again by name")
    return f"{kind.__module__}:{kind.__qualname__}"


def _resolve(name: str) -> Any:
    """An enum named ``module:Qualified.Name`` (its module is light: a cog's domain words)."""
    module, _, qualname = name.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not (isinstance(found, type) and issubclass(found, enum.Enum)):
        raise TypeError(f"{name} is not an enum")
    return found
