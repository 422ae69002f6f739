"""A plain CSV file is parsed by PostgreSQL; any other by Python. Both must stage the same rows.

Each file here is loaded twice into the staging table, once by load_file (which picks the reader)
and once by the Python reader alone, and the staged rows (row numbers, columns and values) must
be identical. The files cover what each reader could take differently.
"""

import pytest
from django.db import connection, transaction

from attendance.imports import reading
from tests.attendance.conftest import HEADER, SAMPLE_ROWS

LINES = SAMPLE_ROWS.splitlines()


def _staged(cursor) -> list[tuple]:
    cursor.execute(f"SELECT * FROM {reading.STAGING} ORDER BY row_number")  # noqa: S608
    columns = [column.name for column in cursor.description]
    return [columns, *cursor.fetchall()]


def _load_both_ways(path):
    with transaction.atomic(), connection.cursor() as cursor:
        chosen = reading.load_file(cursor, path)
        staged = _staged(cursor)
        cursor.execute(f"DROP TABLE {reading.STAGING}")
        by_python = reading._load(cursor, reading._csv_rows(path), None)
        assert by_python.parsed_by == "python"
        staged_by_python = _staged(cursor)
        cursor.execute(f"DROP TABLE {reading.STAGING}")
    assert staged == staged_by_python
    assert (chosen.rows, chosen.problems) == (by_python.rows, by_python.problems)
    return chosen, staged


PLAIN = {
    "LF line ends": HEADER + "\n" + SAMPLE_ROWS,
    "CRLF line ends": (HEADER + "\n" + SAMPLE_ROWS).replace("\n", "\r\n"),
    "no newline after the last row": HEADER + "\n" + SAMPLE_ROWS.rstrip("\n"),
    "a byte order mark": "\ufeff" + HEADER + "\n" + SAMPLE_ROWS,
    "a column the service does not use": (
        HEADER + ",notes\n" + "".join(line + ",Called home\n" for line in LINES)
    ),
    "rows of empty cells": HEADER + "\n" + SAMPLE_ROWS + ",,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,\n",
    "a last row of empty cells without a newline": HEADER + "\n" + SAMPLE_ROWS + ",,,,,,,,,,,,,,,,",
    "empty cells and names with spaces and accents inside them": (
        HEADER
        + "\n"
        + LINES[0].replace("Example,Amira", "De la Cruz,Zoë Ana").replace(",N,N", ",,")
        + "\n"
    ),
    "a cell of only an apostrophe-like character": HEADER
    + "\n"
    + LINES[0].replace("Amira", "’")
    + "\n",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_a_plain_file_is_parsed_by_postgresql_into_the_same_rows(db, write_file, text):
    loaded, staged = _load_both_ways(write_file(text))

    assert loaded.parsed_by == "database"
    assert staged[1][0] == 2  # row 2 is the line after the header


NOT_PLAIN = {
    "a quoted cell": HEADER + "\n" + LINES[0].replace("Example", '"Example, Jr"') + "\n",
    "a quoted cell over two lines": HEADER
    + "\n"
    + LINES[0].replace("Example", '"Exam\nple"')
    + "\n"
    + LINES[1]
    + "\n",
    "a cell with a space before it": HEADER + "\n" + LINES[0].replace(",Amira", ", Amira") + "\n",
    "a cell with a tab after it": HEADER + "\n" + LINES[0].replace("Amira,", "Amira\t,") + "\n",
    "a row ending in a space": HEADER + "\n" + LINES[0] + " \n" + LINES[1] + "\n",
    "a row starting with a space": HEADER + "\n" + " " + LINES[0] + "\n",
    "a no-break space after a cell": HEADER
    + "\n"
    + LINES[0].replace("Amira,", "Amira\xa0,")
    + "\n",
    "an ideographic space before a cell": HEADER
    + "\n"
    + LINES[0].replace(",Amira", ",\u3000Amira")
    + "\n",
    "a blank line between rows": HEADER + "\n" + LINES[0] + "\n\n" + LINES[1] + "\n",
    "blank lines before the header": "\n\n" + HEADER + "\n" + SAMPLE_ROWS,
    "a row shorter than the header": HEADER + "\n" + LINES[0].rsplit(",", 2)[0] + "\n",
    "a lone carriage return": HEADER + "\n" + LINES[0].replace("Amira", "Am\rira") + "\n",
    "a form feed": HEADER + "\n" + LINES[0].replace("Amira", "Am\x0cira") + "\n",
    "a Unicode line separator": HEADER + "\n" + LINES[0].replace("Amira", "Am\u2028ira") + "\n",
    "a line that ends COPY's data": HEADER + "\n" + LINES[0] + "\n\\.\n" + LINES[1] + "\n",
    "mixed line ends": HEADER + "\n" + LINES[0] + "\r\n" + LINES[1] + "\n",
}


@pytest.mark.parametrize("text", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_any_other_file_is_read_by_python_and_staged_as_before(db, write_file, text):
    loaded, _ = _load_both_ways(write_file(text))

    assert loaded.parsed_by == "python"


def test_every_space_python_trims_is_one_the_plain_check_knows(db, write_file):
    spaces = [chr(i) for i in range(0x110000) if chr(i).isspace() and chr(i) not in "\r\n"]
    for space in spaces:
        for cell in (f"{space}Amira", f"Amira{space}"):
            loaded, _ = _load_both_ways(
                write_file(HEADER + "\n" + LINES[0].replace("Amira", cell) + "\n")
            )
            assert loaded.parsed_by == "python", repr(space)


def test_a_file_postgresql_refuses_as_not_utf8_is_refused_by_python_naming_the_line(db, write_file):
    path = write_file((HEADER + "\n" + LINES[0] + "\n").encode() + b"100001,\xff\n")
    with (
        pytest.raises(reading.FileRefused, match="line 3"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        reading.load_file(cursor, path)
