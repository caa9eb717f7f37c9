"""Decks in a text editor: `passerelle cafe programme import|export` (TOML), errors by line,
nothing half-imported; the seed's seven activities as the example deck of docs/cafe.md."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core import Role
from bot.scheduling import FakeClock
from cogs.cafe import cli, programme_io
from cogs.cafe.models import CafeActivity, CafeOccurrence
from tests.harness import Harness, make_harness
from tests.subprocess_env import passerelle_env

ROOT = Path(__file__).resolve().parents[3]


def docs_deck() -> str:
    """The example deck in docs/cafe.md (the seed's café): documentation that is tested."""
    text = (ROOT / "docs" / "cafe.md").read_text(encoding="utf-8")
    found = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert found, "docs/cafe.md has a ```toml example deck"
    return found.group(1)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await make_harness(
        db_url, cogs=["cafe", "poll"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    )
    harness.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await harness.reply(
        "mod",
        '!cafe create title:"Café TMNlab" schedule:"monthly first thursday 10:00" '
        "timezone:Europe/Paris",
    )
    yield harness
    await harness.close()


async def occurrences(h: Harness) -> list[int]:
    async with h.db.session() as s:
        rows = await s.exec(select(CafeOccurrence).order_by(CafeOccurrence.starts_at))
        return [r.id for r in rows if r.id is not None]


async def stored(h: Harness, occ: int) -> list[CafeActivity]:
    async with h.db.session() as s:
        rows = await s.exec(
            select(CafeActivity)
            .where(CafeActivity.occurrence_id == occ)
            .order_by(CafeActivity.position)
        )
        return list(rows)


async def run_import(
    h: Harness, occ: int, path: Path, *, replace: bool = False, lang: str = "en"
) -> int:
    args = argparse.Namespace(occurrence=occ, file=str(path), replace=replace, lang=lang)
    return await cli.import_deck(args, h.core)


async def test_the_documented_deck_imports_and_exports_back(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = (await occurrences(h))[:2]
    deck = tmp_path / "tmnlab.toml"
    deck.write_text(docs_deck(), encoding="utf-8")
    assert await run_import(h, first, deck) == 0
    assert "Imported 7 activities into café" in capsys.readouterr().out
    rows = await stored(h, first)
    assert [r.kind for r in rows] == [
        "quiz",
        "multiple",
        "open",
        "wordcloud",
        "board",
        "single",
        "rating",
    ]
    assert rows[0].seconds == 60 and rows[0].created_by is None  # the operator
    shown = await h.reply("mod", f"!cafe programme show {first}")
    assert "Une communauté apprenante | Espace de ressources | Réseau national" in shown.text
    out = tmp_path / "out.toml"
    args = argparse.Namespace(occurrence=first, file=str(out))
    assert await cli.export_deck(args, h.core) == 0
    exported = out.read_text(encoding="utf-8")
    assert exported.startswith(f"# Café {first}: Café TMNlab (2027-01-07 10:00 Europe/Paris)")
    assert await run_import(h, second, out) == 0
    again = await stored(h, second)
    assert [(r.kind, r.question, r.options, r.seconds) for r in again] == [
        (r.kind, r.question, r.options, r.seconds) for r in rows
    ]
    # to standard output, too
    capsys.readouterr()
    assert await cli.export_deck(argparse.Namespace(occurrence=first, file=None), h.core) == 0
    assert capsys.readouterr().out == exported


async def test_bad_activities_are_reported_by_line_and_nothing_is_stored(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    occ = (await occurrences(h))[0]
    deck = tmp_path / "bad.toml"
    deck.write_text(
        "# a deck with three mistakes\n"  # 1
        "[[activity]]\n"  # 2
        'kind = "open"\n'  # 3
        'question = "Tout va bien ?"\n'  # 4
        "\n"  # 5
        "[[activity]]\n"  # 6
        'kind = "quiz"\n'  # 7
        'question = "En quelle année ?"\n'  # 8
        "\n"  # 9
        "[[activity]]\n"  # 10
        'kind = "single"\n'  # 11
        'question = "Oui ou non ?"\n'  # 12
        'colour = "bleu"\n'  # 13
        "\n"  # 14
        "[[activity]]\n"  # 15
        'kind = "wordcloud"\n'  # 16
        'question = "Un mot ?"\n'  # 17
        "seconds = 2\n",  # 18
        encoding="utf-8",
    )
    # One report, one language: the operator's (--lang), never English around French.
    assert await run_import(h, occ, deck, lang="fr") == 1
    err = capsys.readouterr().err
    assert f"{deck}:6: activité 2 : Un quiz a besoin de sa bonne réponse" in err
    assert f"{deck}:13: activité 3 : Clé inconnue : colour." in err
    assert f"{deck}:15: activité 4 : seconds doit être compris entre 5 et 3600" in err
    assert "Rien n'a été importé (3 problèmes)." in err
    assert await run_import(h, occ, deck, lang="en") == 1
    err = capsys.readouterr().err
    assert f"{deck}:13: activity 3: Unknown key: colour." in err
    assert "Nothing imported (3 problems)." in err and "activité" not in err
    assert await stored(h, occ) == []


async def test_syntax_errors_and_refusals(
    h: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    occ = (await occurrences(h))[0]
    deck = tmp_path / "broken.toml"
    deck.write_text('[[activity]]\nkind = "open"\nquestion = "Sans fin\n', encoding="utf-8")
    assert await run_import(h, occ, deck, lang="fr") == 1
    err = capsys.readouterr().err
    assert re.search(rf"{re.escape(str(deck))}:3: Fichier TOML illisible : .+", err), err
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    assert await run_import(h, occ, empty, lang="fr") == 1
    assert "Aucune activité" in capsys.readouterr().err
    good = tmp_path / "good.toml"
    good.write_text('[[activity]]\nkind = "open"\nquestion = "Et vous ?"\n', encoding="utf-8")
    assert await run_import(h, occ, good) == 0
    assert await run_import(h, occ, good, lang="fr") == 1  # already has a programme
    assert "replace:true" in capsys.readouterr().err
    assert await run_import(h, occ, good, replace=True) == 0
    assert len(await stored(h, occ)) == 1
    assert await run_import(h, 9999, good, lang="fr") == 1
    assert "n'existe pas" in capsys.readouterr().err
    assert await run_import(h, occ, tmp_path / "missing.toml") == 1
    assert "cannot read" in capsys.readouterr().err


def test_lists_as_text_and_an_inline_array_of_tables() -> None:
    entries = programme_io.parse(
        'activity = [{kind = "single", question = "A ?", choices = "Oui | Non"}]\n'
    )
    assert entries[0].line is None and entries[0].values["choices"] == "Oui | Non"
    written = programme_io.write([], ["header"])
    assert written == "# header\n"


def test_the_cli_contributes_cafe_programme(tmp_path: Path) -> None:
    env = passerelle_env()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "cafe", "programme", "import", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: passerelle cafe programme import" in result.stdout
    assert "--replace" in result.stdout and "FILE.toml" in result.stdout


async def test_import_end_to_end_through_the_command_line(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """The real `passerelle` process: the enabled poll cog checks the activities."""
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    h = await make_harness(
        url, cogs=["cafe", "poll"], clock=FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    )
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    await h.reply("mod", '!cafe create title:"Café" schedule:"2030-03-07 10:00"')
    occ = (await occurrences(h))[0]
    await h.close()
    deck = tmp_path / "deck.toml"
    deck.write_text(docs_deck(), encoding="utf-8")
    env = passerelle_env()
    env |= {"PYTHONPATH": str(ROOT), "PASSERELLE_COGS__POLL__BALLOT_SECRET": "x" * 20}

    options = ["--db", f"sqlite:///{path}", "--lang", "en"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "cafe", "programme", *args, *options],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )

    imported = run("import", str(occ), str(deck))
    assert imported.returncode == 0, imported.stderr
    assert f"Imported 7 activities into café {occ}." in imported.stdout
    exported = run("export", str(occ))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count("[[activity]]") == 7
    again = run("import", str(occ), str(deck))
    assert again.returncode == 1 and "replace:true" in again.stderr
