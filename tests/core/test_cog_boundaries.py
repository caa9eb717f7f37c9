"""What import contracts cannot see: cogs reach the core only through its facade.

The core's tables are out of bounds by contract (`bot.storage.models` is forbidden to cogs in
pyproject's import-linter section); this test covers attribute access and raw SQL.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

COGS = Path(__file__).resolve().parents[2] / "cogs"
_CORE_TABLE_SQL = re.compile(r"\b(JOIN|FROM|UPDATE|INTO)\s+core_\w+", re.IGNORECASE)


def _sources() -> list[Path]:
    return sorted(p for p in COGS.rglob("*.py") if p.name != "models.py")


def test_no_cog_reads_the_core_s_adapters() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "adapters":
                offenders.append(f"{path.relative_to(COGS)}:{node.lineno}")
    assert offenders == [], f"use core.capabilities()/core.platforms instead: {offenders}"


def test_no_cog_joins_core_tables_by_name() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _CORE_TABLE_SQL.search(node.value)
            ):
                offenders.append(f"{path.relative_to(COGS)}:{node.lineno}")
    assert offenders == [], f"use core.members.names()/the outbox API instead: {offenders}"
