"""Moving a library in and out: CSV/JSON import with line-numbered skips, export, the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from cogs.resource import transfer
from tests.harness import Harness, make_harness

CSV = """url,title,summary,tags,collection
https://a.example/1,Médiation numérique,Un guide pratique,"médiation, numérique",Café de mars
pas un lien,Mauvais,,,
https://a.example/2,Radio associative,,radio,
https://a.example/3,Trop,,"t1,t2,t3,t4,t5,t6,t7,t8,t9,t10,t11",
https://a.example/1?utm_source=z,Doublon,,EAC,
https://a.example/4,a,b,c,d,e,f
ftp://a.example/5,Fichier,,,
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await make_harness(db_url, cogs=["resource"])
    yield harness
    await harness.core.stop()
    await harness.db.dispose()


async def test_csv_import_skips_bad_lines_and_imports_the_rest(h: Harness, tmp_path: Path) -> None:
    path = tmp_path / "library.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    report = await transfer.import_file(h.core, path, progress=True, stream=out)
    assert (report.imported, report.merged) == (2, 1)
    assert [line for line, _ in report.skipped] == [3, 5, 7, 8]
    fr, en = h.core.i18n.translator("fr"), h.core.i18n.translator("en")
    too_many = dict(report.skipped)[5]
    assert "Trop de tags : 11 (au plus 10)" in fr(too_many.msgid, **too_many.params)
    assert "7/7" in out.getvalue()  # the progress bar reached the end
    text = transfer.format_report(report, en)
    assert "4 lines skipped:" in text and "line 3:" in text and "Too many tags: 11" in text
    assert "Trop" not in text and "ligne" not in text  # one report, one language
    french = transfer.format_report(report, fr)
    assert "4 lignes ignorées" in french and "ligne 3" in french and "Trop de tags" in french
    found = await h.reply("bob", "!resource find médiations")
    assert "Médiation numérique" in found.text
    show = await h.say("bob", "!resource show 1")
    assert show is not None
    assert "EAC" in show.plain_text() and "la bibliothèque importée" in show.plain_text()
    assert "Café de mars" in show.plain_text()
    # Importing the same file again adds nothing new.
    again = await transfer.import_file(h.core, path, progress=False)
    assert again.imported == 0


async def test_json_import_and_export_round_trip(h: Harness, tmp_path: Path) -> None:
    data = [
        {"url": "https://b.example/1", "title": "Un", "tags": ["danse", "Théâtre"]},
        "pas un objet",
        {"title": "sans lien"},
        {"url": "https://b.example/2", "title": "Deux", "created_at": "2025-03-01T10:00:00"},
    ]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = await transfer.import_file(h.core, path, progress=False)
    assert report.imported == 2 and [n for n, _ in report.skipped] == [2, 3]
    exported_csv = tmp_path / "out.csv"
    assert await transfer.export_file(h.core, exported_csv, progress=False) == 2
    rows = list(csv.DictReader(exported_csv.open(encoding="utf-8")))
    assert [(r["url"], r["title"], r["tags"]) for r in rows] == [
        ("https://b.example/1", "Un", "danse, Théâtre"),
        ("https://b.example/2", "Deux", ""),
    ]
    assert rows[1]["created_at"].startswith("2025-03-01T10:00:00")
    exported_json = tmp_path / "out.json"
    await transfer.export_file(h.core, exported_json, progress=False)
    assert [r["tags"] for r in json.loads(exported_json.read_text())] == [["danse", "Théâtre"], []]


async def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("[{", encoding="utf-8")
    with pytest.raises(transfer.ImportFileError, match="JSON invalide"):  # French msgid
        transfer.read_rows(bad_json)
    no_url = tmp_path / "no_url.csv"
    no_url.write_text("title,tags\nA,b\n", encoding="utf-8")
    with pytest.raises(transfer.ImportFileError, match="url"):
        transfer.read_rows(no_url)


def test_cli_import_and_export(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "library.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main(["resources", "import", str(path), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "2 resources imported; 1 already known" in out and "line 5:" in out
    target = tmp_path / "export.json"
    assert main(["resources", "export", str(target), "--db", db_url]) == 0
    assert "Exported 2 resources" in capsys.readouterr().out
    # The operator's language (--lang, else LANG): the whole report, errors included.
    assert main(["resources", "import", str(path), "--db", db_url, "--lang", "fr"]) == 0
    french = capsys.readouterr().out
    assert "0 ressource importée ; 3 déjà connues (tags fusionnés)." in french
    assert "4 lignes ignorées :" in french and "ligne 5 : Trop de tags" in french
    assert "imported" not in french and "line" not in french
    missing = str(tmp_path / "nowhere" / "x.csv")
    assert main(["resources", "export", missing, "--db", db_url, "--lang", "fr"]) == 1
    assert "erreur : " in capsys.readouterr().err
    assert {r["url"] for r in json.loads(target.read_text())} == {
        "https://a.example/1",
        "https://a.example/2",
    }
    assert main(["resources", "import", str(tmp_path / "missing.csv"), "--db", db_url]) == 1


async def test_csv_export_is_spreadsheet_safe(h: Harness, tmp_path: Path) -> None:
    data = [
        {"url": "https://c.example/1", "title": '=HYPERLINK("http://evil.example","Clic")'},
        {"url": "https://c.example/2", "title": "+33 1 23 45 67 89", "summary": "@SUM(A1)"},
        {"url": "https://c.example/3", "title": "-2+3", "tags": ["=cmd"]},
        {"url": "https://c.example/4", "title": "Médiation ordinaire"},
    ]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    await transfer.import_file(h.core, source, progress=False)
    target = tmp_path / "out.csv"
    await transfer.export_file(h.core, target, progress=False)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, as every export
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example","Clic")',
        "'+33 1 23 45 67 89",
        "'-2+3",
        "Médiation ordinaire",
    ]
    assert rows[1]["summary"] == "'@SUM(A1)" and rows[2]["tags"] == "'=cmd"
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    # The file reads back (the BOM is skipped on import).
    assert transfer.read_rows(target)[0][1]["url"] == "https://c.example/1"
    # JSON keeps the values as they are.
    as_json = tmp_path / "out.json"
    await transfer.export_file(h.core, as_json, progress=False)
    assert json.loads(as_json.read_text())[0]["title"].startswith("=HYPERLINK")


def test_cli_export_to_a_missing_or_unwritable_place_is_a_clear_error(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nulle-part" / "export.csv"
    assert main(["resources", "export", str(missing), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert f"the folder {missing.parent} does not exist" in err and "Traceback" not in err
    assert not missing.parent.exists()
    assert main(["resources", "export", str(tmp_path), "--db", db_url]) == 1
    assert "is a folder" in capsys.readouterr().err

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    # Root ignores file modes: simulate the unwritable file instead of chmod-ing one.
    monkeypatch.setattr(Path, "write_bytes", refuse)
    monkeypatch.setattr(Path, "write_text", refuse)
    for name in ("export.csv", "export.json"):
        assert main(["resources", "export", str(tmp_path / name), "--db", db_url]) == 1
        assert "Permission denied" in capsys.readouterr().err
