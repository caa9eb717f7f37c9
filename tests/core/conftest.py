"""Fixtures shared by the core's tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from bot.app import _cogs_dir
from bot.core import cog_index


@pytest.fixture
def index_name(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's own cog index file beside the real one (parallel tests never share it)."""
    name = f"test-index-{uuid.uuid4().hex}.json"
    monkeypatch.setattr(cog_index, "INDEX_NAME", name)
    yield name
    (_cogs_dir() / "__pycache__" / name).unlink(missing_ok=True)
