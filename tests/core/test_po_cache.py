"""Catalogues are parsed once per change of the file, and a broken cache is never trusted."""

from __future__ import annotations

import os
from pathlib import Path

from bot.core import po_cache
from bot.core.i18n import I18n

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Bonjour"
msgstr "{hello}"

msgid "{n} café"
msgid_plural "{n} cafés"
msgstr[0] "{n} coffee"
msgstr[1] "{n} coffees"

msgid "Pas traduit"
msgstr ""
"""


def write(directory: Path, hello: str) -> Path:
    path = directory / "en.po"
    path.write_text(PO.replace("{hello}", hello), encoding="utf-8")
    return path


def test_a_catalogue_is_parsed_once_and_again_only_when_it_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "Hello")
    singular, plural = po_cache.parsed("en", path)
    assert singular == {"Bonjour": "Hello"}  # the untranslated entry is left out
    assert plural == {("{n} café", "{n} cafés"): ("{n} coffee", "{n} coffees")}
    cache = tmp_path / "__pycache__" / "en.po.en.json"
    assert cache.exists()

    po_cache._memory.clear()  # a new process: read from the cache, not parsed
    cache.write_text(cache.read_text(encoding="utf-8").replace("Hello", "Hi"), encoding="utf-8")
    assert po_cache.parsed("en", path)[0] == {"Bonjour": "Hi"}

    write(tmp_path, "Good day")  # the file changed: parsed again, whatever the cache says
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert po_cache.parsed("en", path)[0] == {"Bonjour": "Good day"}


def test_a_corrupt_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "Hello")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "en.po.en.json").write_text("{not json", encoding="utf-8")
    po_cache._memory.clear()
    assert po_cache.parsed("en", path)[0] == {"Bonjour": "Hello"}

    unwritable = tmp_path / "unwritable"
    unwritable.mkdir()
    (unwritable / "__pycache__").write_text("a file where the cache folder would go")
    po_cache._memory.clear()
    assert po_cache.parsed("en", write(unwritable, "Hello"))[0] == {"Bonjour": "Hello"}


def test_translators_read_the_catalogues_through_the_cache(tmp_path: Path) -> None:
    write(tmp_path, "Hello")
    t = I18n("en", [tmp_path]).translator("en")
    assert t("Bonjour") == "Hello"
    assert t.n("{n} café", "{n} cafés", 2) == "2 coffees"
