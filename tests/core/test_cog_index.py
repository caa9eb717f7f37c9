"""The cog index: what the cogs declare, kept so ``passerelle run`` can offer their commands
before importing them (bot/core/cog_index.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import _cogs_dir, build_core
from bot.config import load_settings
from bot.core import cog_index
from bot.core.builtins import Builtins
from bot.core.core import Core
from bot.scheduling import FakeClock
from bot.storage.db import Database

SHIPPED = ["cafe", "digest", "onboarding", "poll", "resource"]
ROOT = Path(__file__).resolve().parents[2]


def _core(db_url: str) -> tuple[Core, Database]:
    settings = load_settings(None)
    settings.database.url = db_url
    db = Database(db_url)
    return build_core(settings, db, FakeClock(), cogs=SHIPPED, defer_cogs=True), db


async def test_a_start_without_an_index_imports_the_cogs_and_writes_it(
    index_name: str, tmp_path: Path
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    first, db = _core(db_url)
    assert not first.deferred
    assert set(first.cogs) == {Builtins.name, *SHIPPED}
    stamp = cog_index.fingerprint(_cogs_dir())
    known = cog_index.read(_cogs_dir(), SHIPPED, stamp)
    assert known is not None
    for name in SHIPPED:
        # Every declaration comes back equal: enum options resolve to the same classes.
        assert known[name].specs == first.cogs[name].specs
        assert known[name].locales == first.cogs[name].locales_dir()
    second, db2 = _core(db_url)
    assert set(second.deferred) == set(SHIPPED)
    assert set(second.cogs) == {Builtins.name}
    # The same commands, under the same words in every language, before any cog is imported.
    assert second.catalogue.digest() == first.catalogue.digest()
    assert second.catalogue.specs == first.catalogue.specs
    await db.dispose()
    await db2.dispose()


async def test_the_index_is_not_used_once_the_code_changed(
    index_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    _core(db_url)
    real = cog_index.fingerprint
    monkeypatch.setattr(cog_index, "fingerprint", lambda d: [*real(d), ["cogs/new.py", 1, 2]])
    again, db = _core(db_url)
    assert not again.deferred  # imported first, as before
    await db.dispose()


def test_a_damaged_index_is_written_again(index_name: str, tmp_path: Path) -> None:
    path = _cogs_dir() / "__pycache__" / index_name
    path.parent.mkdir(exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    stamp = cog_index.fingerprint(_cogs_dir())
    assert cog_index.read(_cogs_dir(), SHIPPED, stamp) is None
    _core(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == cog_index.FORMAT
    # An index without one of the cogs asked for is not used either.
    assert cog_index.read(_cogs_dir(), [*SHIPPED, "elsewhere"], stamp) is None


def test_the_fingerprint_follows_every_python_file(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "cog.py"
    module.write_text("x = 1\n", encoding="utf-8")
    before = cog_index.fingerprint(tmp_path)
    module.write_text("x = 22\n", encoding="utf-8")
    assert cog_index.fingerprint(tmp_path) != before
    (tmp_path / "pkg" / "extra.py").write_text("", encoding="utf-8")
    assert len(cog_index.fingerprint(tmp_path)) == len(before) + 1
    (tmp_path / "pkg" / "deeper").mkdir()
    (tmp_path / "pkg" / "deeper" / "more.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "stale.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "notes.txt").write_text("", encoding="utf-8")
    names = [entry[0] for entry in cog_index.fingerprint(tmp_path)]
    prefix = f"{tmp_path.name}/pkg/"
    assert f"{prefix}deeper/more.py" in names  # sub-packages count, caches and data do not
    assert not [name for name in names if "__pycache__" in name or name.endswith(".txt")]


def test_reading_the_index_imports_no_cog_table(index_name: str, tmp_path: Path) -> None:
    """The point of the index: the cogs' tables (most of their import time) are not built
    before the platforms connect. Option enums live in light modules (cogs/poll/kinds.py,
    cogs/onboarding/steps.py) for this."""
    _core(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    script = (
        "import sys\n"
        "from bot.app import _cogs_dir\n"
        "from bot.core import cog_index\n"
        f"cog_index.INDEX_NAME = {index_name!r}\n"
        "d = _cogs_dir()\n"
        f"known = cog_index.read(d, {SHIPPED!r}, cog_index.fingerprint(d))\n"
        "assert known is not None, 'no index'\n"
        "print(sorted(m for m in sys.modules if m.startswith('cogs.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    imported = eval(out)
    assert not [m for m in imported if m.endswith(".models")], imported
    light = {"cogs.poll", "cogs.poll.kinds", "cogs.onboarding", "cogs.onboarding.steps"}
    assert set(imported) <= light, imported


def test_configurations_with_other_cogs_share_the_index(index_name: str, tmp_path: Path) -> None:
    settings = load_settings(None)
    for cogs in (["poll"], ["resource"]):
        build_core(
            settings,
            Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"),
            cogs=cogs,
            defer_cogs=True,
        )
    stamp = cog_index.fingerprint(_cogs_dir())
    known = cog_index.read(_cogs_dir(), ["poll", "resource"], stamp)
    assert known is not None and set(known) == {"poll", "resource"}


def test_checking_the_cog_sections_builds_no_cog_table(tmp_path: Path) -> None:
    """Every start validates the ``[cogs.*]`` sections before connecting: with Discord or
    Matrix on, the cogs' tables must wait for the connection (settings stay light)."""
    config = tmp_path / "c.toml"
    sections = "".join(f"[cogs.{name}]\n" for name in SHIPPED)
    config.write_text(sections, encoding="utf-8")
    script = (
        "import sys\n"
        "from bot.config import load_settings\n"
        f"load_settings({str(config)!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('cogs.') and 'models' in m))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out
