"""Derived data kept beside the code it comes from, in ``__pycache__/`` (like Python's bytecode).

A cache file is an optimisation only: one that cannot be written (a read-only install) is left
out, and the caller derives the data again at the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def keep_json(cache: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``cache``, atomically: two processes starting together never
    read a half-written file."""
    temporary = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        cache.parent.mkdir(exist_ok=True)
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, cache)


def read_json(cache: Path) -> Any:
    """The JSON in ``cache``; None when it is missing or unreadable."""
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
