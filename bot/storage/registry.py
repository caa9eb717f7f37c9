"""Finds every table: the core's and each cog's ``models`` module (for Alembic and tests)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from sqlmodel import SQLModel


def cog_packages() -> list[str]:
    """Names of every cog package shipped in ``cogs/`` (enabled or not).

    Found by name, not imported statically: storage must not depend on any cog.
    """
    spec = importlib.util.find_spec("cogs")
    paths = list(spec.submodule_search_locations or []) if spec else []
    return sorted(m.name for m in pkgutil.iter_modules(paths) if m.ispkg)


def import_all_models() -> type[SQLModel]:
    """Import core and cog models so that ``SQLModel.metadata`` holds every table."""
    importlib.import_module("bot.storage.models")
    for name in cog_packages():
        spec = importlib.util.find_spec(f"cogs.{name}.models")
        if spec is not None:
            importlib.import_module(f"cogs.{name}.models")
    return SQLModel
