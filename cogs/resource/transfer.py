"""``passerelle resources import|export``: move a library in or out (CSV or JSON).

CSV columns: url (required), title, summary, tags (comma-separated), collection, created_at
(ISO 8601). JSON: a list of objects with the same keys (``tags`` may be a list). Bad rows are
skipped and reported by line number (CSV) or item number (JSON); the rest is imported.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.core import Core, Translator, UserError
from bot.core.csvfile import csv_bytes

from .bulk import BulkTransfer
from .domain import ImportReport
from .library import Library
from .settings import ResourceSettings

EXPORT_FIELDS = [
    "id",
    "url",
    "title",
    "summary",
    "tags",
    "collection",
    "author",
    "status",
    "created_at",
]


class ImportFileError(UserError):
    """The file cannot be read at all (not CSV/JSON, no url column…): a French msgid, shown in
    the operator's language."""


class ExportFileError(UserError):
    """The export cannot be written (missing folder, no permission…): a one-line reason."""


class ProgressBar:
    """A plain text progress bar on a terminal (stderr); silent when not a TTY unless forced."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30):
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.started = time.perf_counter()

    def advance(self, count: int) -> None:
        self.done = min(self.done + count, self.total)
        filled = int(self.width * self.done / self.total)
        rate = self.done / max(time.perf_counter() - self.started, 1e-9)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done}/{self.total} ({rate:,.0f}/s)"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def read_rows(path: Path) -> list[tuple[int, Any]]:
    """``(line or item number, row)`` pairs from a CSV or JSON file."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("{path} : ce n'est pas du texte UTF-8", path=path) from None
    except OSError as exc:
        raise ImportFileError("{path} : {reason}", path=path, reason=exc.strerror) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                "{path} : JSON invalide (ligne {line}) : {reason}",
                path=path,
                line=exc.lineno,
                reason=exc.msg,
            ) from None
        if isinstance(data, dict) and isinstance(data.get("resources"), list):
            data = data["resources"]
        if not isinstance(data, list):
            raise ImportFileError("{path} : une liste JSON de ressources est attendue", path=path)
        return list(enumerate(data, start=1))
    return list(_csv_rows(raw, path))


def _csv_rows(raw: str, path: Path) -> Iterator[tuple[int, Any]]:
    sample = raw[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(raw), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    if "url" not in header:
        raise ImportFileError(
            "{path} : la première ligne doit nommer les colonnes, dont « url »", path=path
        )
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield reader.line_num, None
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            yield line, None  # more cells than columns: a broken row
            continue
        yield line, dict(zip(header, values, strict=False))


async def import_file(
    core: Core, path: Path, *, progress: bool = True, stream: TextIO | None = None
) -> ImportReport:
    rows = read_rows(path)
    bulk = _bulk(core)
    bar = ProgressBar(len(rows), "import", stream) if progress else None
    report = await bulk.import_rows(rows, progress=bar.advance if bar else None)
    if bar:
        bar.close()
    return report


async def export_file(
    core: Core, path: Path, *, progress: bool = True, stream: TextIO | None = None
) -> int:
    _check_target(path)  # before reading the library: a typo in the folder fails at once
    rows = await _bulk(core).export_rows()
    bar = ProgressBar(len(rows), "export", stream) if progress else None
    try:
        _write_export(path, rows, bar)
    except OSError as exc:
        raise ExportFileError("{path} : {reason}", path=path, reason=exc.strerror or exc) from None
    finally:
        if bar:
            bar.close()
    return len(rows)


def _bulk(core: Core) -> BulkTransfer:
    settings = core.cog_settings("resource", ResourceSettings)
    return BulkTransfer(core.db, core.clock, Library(core.db, core.members, settings))


def _check_target(path: Path) -> None:
    if not path.parent.is_dir():
        raise ExportFileError(
            "{path} : le dossier {folder} n'existe pas", path=path, folder=path.parent
        )
    if path.is_dir():
        raise ExportFileError(
            "{path} : c'est un dossier ; donnez un nom de fichier (.csv ou .json)", path=path
        )


def _csv_cells(rows: list[dict[str, Any]], bar: ProgressBar | None) -> Iterator[list[Any]]:
    for i, row in enumerate(rows, start=1):
        yield [", ".join(row["tags"]) if f == "tags" else row[f] for f in EXPORT_FIELDS]
        if bar and i % 500 == 0:
            bar.advance(500)


def export_bytes(rows: list[dict[str, Any]], fmt: str, bar: ProgressBar | None = None) -> bytes:
    """The library as a file's content: ``"csv"`` or ``"json"`` (the dashboard's download and
    ``resources export`` write the same bytes)."""
    if fmt == "csv":
        # bot.core.csvfile: formula-looking cells neutralised, UTF-8 BOM (like every export).
        return csv_bytes(EXPORT_FIELDS, _csv_cells(rows, bar))
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def _write_export(path: Path, rows: list[dict[str, Any]], bar: ProgressBar | None) -> None:
    fmt = "csv" if path.suffix.lower() == ".csv" else "json"
    path.write_bytes(export_bytes(rows, fmt, bar))
    if bar:
        bar.advance(len(rows) - bar.done)


def format_report(report: ImportReport, t: Translator, limit: int = 50, unit: str = "line") -> str:
    """The import's report in the operator's language (``t``), skipped rows by number."""
    lines = [
        t(
            "{imported} ; {merged}.",
            imported=t.n("{n} ressource importée", "{n} ressources importées", report.imported),
            merged=t.n(
                "{n} déjà connue (tags fusionnés)",
                "{n} déjà connues (tags fusionnés)",
                report.merged,
            ),
        )
    ]
    if report.skipped:
        count = len(report.skipped)
        if unit == "item":
            lines.append(t.n("{n} élément ignoré :", "{n} éléments ignorés :", count))
        else:
            lines.append(t.n("{n} ligne ignorée :", "{n} lignes ignorées :", count))
        for line, error in report.skipped[:limit]:
            reason = t(error.msgid, **error.params)
            if unit == "item":
                lines.append("  " + t("élément {line} : {reason}", line=line, reason=reason))
            else:
                lines.append("  " + t("ligne {line} : {reason}", line=line, reason=reason))
        if count > limit:
            lines.append("  " + t("… et {n} de plus", n=count - limit))
    return "\n".join(lines)
