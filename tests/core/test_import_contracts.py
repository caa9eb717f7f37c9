"""The house rules on imports are import-linter contracts (pyproject.toml [tool.importlinter]):
the code keeps them, and each contract really catches the offence it is there for (checked on a
small throwaway tree that breaks every rule once)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(pythonpath)},
        timeout=120,
    )


def test_the_code_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT, pythonpath=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)


def test_each_contract_catches_its_offence(tmp_path: Path) -> None:
    packages = [
        "bot",
        "bot/adapters",
        "bot/adapters/discord",
        "bot/adapters/matrix",
        "bot/core",
        "bot/storage",
        "bot/web",
        "cogs",
        "cogs/poll",
        "cogs/cafe",
    ]
    _write(tmp_path, {f"{p}/__init__.py": "" for p in packages})
    _write(
        tmp_path,
        {
            "bot/cli.py": "import bot.app\n",
            "bot/app.py": "import bot.adapters.discord\nimport bot.core\n",
            "bot/adapters/discord/client.py": "import discord\nimport bot.core\n",
            "bot/adapters/matrix/client.py": "import nio\n",
            "bot/core/core.py": "import bot.storage\nimport bot.storage.models\n",
            "bot/storage/models.py": "",
            # Allowed: imports that only type checkers see.
            "cogs/poll/typing_only.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import cogs.cafe\n"
            ),
            # One offence per rule:
            "bot/__main__.py": "import bot.cli\nimport cogs.poll.cli\n",
            "cogs/poll/cli.py": "",
            "cogs/poll/relative.py": "from ..cafe import models\n",
            "cogs/cafe/models.py": "",
            "cogs/cafe/platform.py": "import discord\n",
            "cogs/cafe/adapter.py": "import bot.adapters.matrix.client\n",
            "cogs/cafe/tables.py": "from bot.storage.models import OutboxMessage\n",
            "cogs/poll/through_core.py": "import bot.core.core\n",  # fine: indirect
            "cogs/cafe/web.py": "import bot.web\n",
            "bot/storage/upward.py": "import bot.core.core\n",
            "bot/core/sdk.py": "import nio\n",
            "bot/adapters/matrix/other_sdk.py": "import discord\n",
        },
    )
    result = lint_imports(tmp_path, pythonpath=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    for offence in (
        "bot.__main__ -> cogs.poll.cli",  # entry points find cogs by name, never import one
        "cogs.poll.relative -> cogs.cafe.models",  # cogs independent, relative import
        "bot.storage.upward -> bot.core.core",  # storage never imports the core
        "cogs.cafe.platform -> discord",  # cogs never import SDKs
        "cogs.cafe.adapter -> bot.adapters.matrix.client",  # nor adapters
        "cogs.cafe.tables -> bot.storage.models",  # nor the core's tables
        "cogs.cafe.web -> bot.web",  # nor the web layer (they register on core.web)
        "bot.core.sdk -> nio",  # the core never imports SDKs
        "bot.adapters.matrix.other_sdk -> discord",  # each SDK only in its adapter
    ):
        assert offence in out, f"{offence!r} not reported:\n{out}"
    assert "cogs.poll.typing_only" not in out and "cogs.poll.through_core" not in out
    assert "bot.app ->" not in out and "bot.adapters.discord.client -> discord" not in out


def test_benchmarks_import_nothing_from_tests() -> None:
    """bench/ runs on its own (tests can move freely): the peers it shares with the tests
    live in fakes/."""
    import ast

    offences = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offences += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "tests"]
    assert not offences, offences
