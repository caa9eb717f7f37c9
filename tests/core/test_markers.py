"""The suite's markers apply: ``-m "not e2e"`` leaves out every test under tests/e2e and
``-m postgres`` selects exactly the runs parametrised on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "PASSERELLE_TEST_DATABASE_URL"


def collect(*args: str, pg_url: str | None = None) -> tuple[list[str], int]:
    """The test ids ``pytest --collect-only -m …`` selects and how many it deselected (no test
    runs, no database is opened)."""
    env = {k: v for k, v in os.environ.items() if k != PG_ENV}
    if pg_url is not None:
        env[PG_ENV] = pg_url
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr  # 5: none selected
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    deselected = re.search(r"(\d+) deselected", result.stdout)
    return ids, int(deselected.group(1)) if deselected else 0


def test_not_e2e_leaves_out_every_test_under_e2e() -> None:
    ids, deselected = collect("-m", "not e2e", "tests/e2e", "tests/core/test_grammar.py")
    assert ids and all(i.startswith("tests/core/test_grammar.py::") for i in ids)
    assert deselected > 10  # every e2e test, and nothing else


def test_postgres_selects_exactly_the_postgresql_runs() -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/never"  # collecting opens no connection
    ids, deselected = collect(
        "-m", "postgres", "tests/core/test_outbox_api.py", "tests/core/test_grammar.py", pg_url=url
    )
    # test_outbox_api's two tests run on both databases; test_grammar uses none.
    assert sorted(ids) == [
        "tests/core/test_outbox_api.py::test_member_names_lookup[postgres]",
        "tests/core/test_outbox_api.py::test_pending_cancel_by_member_and_purge[postgres]",
    ]
    assert deselected > 2


def test_this_run_is_marked_like_its_backend(request: pytest.FixtureRequest, backend: str) -> None:
    assert (request.node.get_closest_marker("postgres") is not None) == (backend == "postgres")
