"""House rules on imports: cogs never import each other (import-linter checks the rest)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_FOR_COGS = ("discord", "nio", "bot.adapters", "bot.web", "bot.app")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_cogs_never_import_each_other_nor_platforms() -> None:
    offences = []
    for cog in sorted(p for p in (ROOT / "cogs").iterdir() if p.is_dir()):
        for path in cog.rglob("*.py"):
            for name in _imports(path):
                other = name.split(".")[1] if name.startswith("cogs.") else None
                if other and other != cog.name:
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
                if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_FOR_COGS):
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offences, "\n".join(offences)


def test_platform_sdks_are_imported_only_by_their_adapter() -> None:
    offences = []
    for path in (ROOT / "bot").rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        for name in _imports(path):
            if name.split(".")[0] == "discord" and not rel.startswith("bot/adapters/discord/"):
                offences.append(f"{rel} imports {name}")
            if name.split(".")[0] == "nio" and not rel.startswith("bot/adapters/matrix/"):
                offences.append(f"{rel} imports {name}")
    assert not offences, "\n".join(offences)
