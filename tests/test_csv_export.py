import pytest

from attendance_tracker.csv_export import csv_lines, safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+44 20", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "written"), [("Amira", "Amira"), (None, ""), (42, "42")])
def test_ordinary_cells_are_written_unchanged(value, written):
    assert safe_cell(value) == written


def test_csv_lines_quote_commas_and_escape_formulas():
    lines = list(csv_lines(["name", "note"], [["Example, Amira", "=cmd"]]))

    assert lines == ["name,note\r\n", '"Example, Amira",\'=cmd\r\n']
