from __future__ import annotations

import csv
import io

from bot.core.csvfile import BOM, csv_bytes, safe_cell


def test_formula_cells_are_neutralised() -> None:
    for bad in ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_cell(bad).startswith("'")
    assert safe_cell("Médiation") == "Médiation"
    assert safe_cell(-3) == -3
    assert safe_cell(None) == ""


def test_file_has_bom_and_round_trips() -> None:
    data = csv_bytes(["a", "b"], [["=1", "é"]])
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["a", "b"], ["'=1", "é"]]
