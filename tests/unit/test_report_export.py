"""Exports are safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from casework.reports.export import Table, neutralise, to_csv, to_xlsx

DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_report_export_neutralises_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Needs met", "", "1 Universal", 3, 2.5, None])
def test_report_export_leaves_plain_cells(value: object) -> None:
    assert neutralise(value) == value  # type: ignore[arg-type]


def _table() -> Table:
    return Table("t", "Things", ("=Label", "Cases"), [(text, n) for n, text in enumerate(DANGEROUS)])


def test_report_export_csv_cells_are_neutralised() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(_table()))))
    assert rows[0] == ["'=Label", "Cases"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in DANGEROUS]
    assert [r[1] for r in rows[1:]] == [str(n) for n in range(len(DANGEROUS))]


def test_report_export_xlsx_holds_text_and_numbers_never_formulas() -> None:
    book = load_workbook(io.BytesIO(to_xlsx([_table()])))
    sheet = book["Things"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    # XML reads a carriage return back as a line feed; the apostrophe still leads
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == list(range(len(DANGEROUS)))
