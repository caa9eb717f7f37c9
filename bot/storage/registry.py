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


# Tables created by hand-written migration code that no model describes: SQLite FTS5 virtual
# tables and their shadow tables (``<name>_fts``, ``<name>_fts_data``, ``_idx``, ``_docsize``,
# ``_config``, ``_content``), PostgreSQL full-text columns and indexes (``search_fts``,
# ``ix_<table>_fts``). Autogenerate must not propose to drop them.
HAND_WRITTEN_TABLE_MARKER = "_fts"


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """Alembic ``include_name`` hook: skip the hand-written full-text objects."""
    if type_ in ("table", "index", "column") and name is not None:
        return not (name.endswith(HAND_WRITTEN_TABLE_MARKER) or "_fts_" in name)
    return True
