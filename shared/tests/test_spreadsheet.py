"""CSV cells that a spreadsheet would run as formulas are written as text; numbers stay numbers."""

from __future__ import annotations

import csv
import io

from deal_shared.spreadsheet import SafeWriter, safe_cell


def test_formula_cells_become_text_and_numbers_stay() -> None:
    for formula in ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"]:
        assert safe_cell(formula) == "'" + formula
    for plain in ["-2.63", "+44", "-1e5", "Sofa", "", "53.5"]:
        assert safe_cell(plain) == plain
    assert safe_cell(-2.63) == -2.63 and safe_cell(None) is None


def test_the_writer_makes_every_cell_safe() -> None:
    out = io.StringIO()
    SafeWriter(out).writerow(["=1+1", -2.5, "ok"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "-2.5", "ok"]
