"""Logging for operators: Passerelle's own loggers at the chosen level, libraries quieter.

``passerelle run`` logs at INFO (one line when ready, then what an operator acts on); the other
commands at WARNING. Libraries (discord.py, matrix-nio, SQLAlchemy, aiosqlite, APScheduler,
aiohttp…) stay at WARNING unless the level is DEBUG, where everything is shown. ``json`` writes
one JSON object per line (time, level, logger, message; exception when there is one) for log
collectors.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

OWN_LOGGERS = ("bot", "cogs", "passerelle")
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OURS = "_passerelle_handler"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``
    and, for errors with a traceback, ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "warning", fmt: str = "text", stream: TextIO | None = None) -> bool:
    """Set up logging for this process; returns False (and changes nothing) when the host has
    already set it up, like :func:`logging.basicConfig` (``main()`` called inside pytest or an
    embedding application). Called again, it replaces its own handler."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r} (one of: {', '.join(LEVELS)})")
    root = logging.getLogger()
    if any(not getattr(h, _OURS, False) for h in root.handlers):
        return False
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _OURS, True)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    # Libraries log through the root logger's level; ours get the level asked for.
    root.setLevel(numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(numeric)
    return True
