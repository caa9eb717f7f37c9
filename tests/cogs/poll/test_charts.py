"""Pillow is loaded when a picture is drawn, not when the poll cog loads (footprint)."""

from __future__ import annotations

import subprocess
import sys

from cogs.poll import charts


def test_loading_the_cog_does_not_import_pillow() -> None:
    code = "import sys, cogs.poll, cogs.poll.cog; sys.exit(2 if 'PIL' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_drawing_a_chart_gives_a_png() -> None:
    data = charts.bars("Question ?", "sous-titre", [("A", 2.0, "2"), ("B", 1.0, "1")])
    assert data.startswith(b"\x89PNG")
