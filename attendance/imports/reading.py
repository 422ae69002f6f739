"""Stream a CSV or XLSX file into the staging table with COPY: memory stays flat at any size.

A plain CSV file (no quotes, every row on one line and as wide as the header, no cell starting
or ending with a space) is parsed by PostgreSQL itself: its bytes go to `COPY … (FORMAT csv)`
as they are, four times quicker than parsing each row in Python, and the staging table holds
exactly what the Python reader would have put there. Any other file, or one PostgreSQL refuses,
is read row by row in Python, which names the line and what is wrong with it.
"""

import codecs
import csv
import dataclasses
import datetime
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from django.db import DatabaseError, transaction

from attendance.imports.columns import HeaderMap, match_header

STAGING = "import_rows"
SAVE_AS_UTF8 = (
    "Save it as UTF-8: in Excel choose File > Save As > “CSV UTF-8 (Comma delimited)”; "
    "in LibreOffice tick “Edit filter settings” and choose “Unicode (UTF-8)”."
)


class FileRefused(Exception):
    """The file cannot be read at all; the message says why and what to do."""


@dataclasses.dataclass
class Problem:
    row_number: int | None
    column: str
    value: str
    message: str
    kind: str = "error"


@dataclasses.dataclass
class Loaded:
    header: HeaderMap
    rows: int
    problems: list[Problem]
    parsed_by: str = "python"  # or "database": see _load_plain_csv


ProgressFn = Callable[[int], None]


def load_file(cursor: Any, path: Path, *, on_progress: ProgressFn | None = None) -> Loaded:
    """Create the staging table and COPY every data row of the file into it, as text."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if not start:
        raise FileRefused("The file is empty.")
    if start == b"PK\x03\x04":
        return _load(cursor, _xlsx_rows(path), on_progress)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise FileRefused(
            "The file is not a spreadsheet: its name ends .xlsx but it is not an Excel workbook. "
            "Save it again from your spreadsheet program as .xlsx or as CSV UTF-8."
        )
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "The file is an old Excel workbook (.xls). Save it as .xlsx or as CSV UTF-8."
        )
    return _load_plain_csv(cursor, path, on_progress) or _load(cursor, _csv_rows(path), on_progress)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as raw:
        text = codecs.getreader("utf-8-sig")(raw)
        reader = csv.reader(text)
        try:
            for row in reader:
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise FileRefused(
                f"The file is not UTF-8 text: line {_first_line_not_utf8(path)} has a character "
                "that is not. " + SAVE_AS_UTF8
            ) from None
        except csv.Error as error:
            raise FileRefused(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None


def _first_line_not_utf8(path: Path) -> int:
    """The decoder reads ahead in blocks, so find the line itself by reading line by line."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy; only for spreadsheets
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise FileRefused(
            "The file is not a spreadsheet that can be read. Save it again as .xlsx or CSV UTF-8."
        ) from None
    try:
        sheets = workbook.worksheets
        if len(sheets) > 1:
            names = ", ".join(sheet.title for sheet in sheets[1:])
            yield 0, [f"Only the first sheet was read. These sheets were ignored: {names}."]
        for number, values in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _load(
    cursor: Any, rows: Iterator[tuple[int, list[str]]], on_progress: ProgressFn | None
) -> Loaded:
    problems: list[Problem] = []
    header_cells: list[str] | None = None
    for number, cells in rows:
        if number == 0:  # a note from the reader, not a row of the file
            problems.append(Problem(None, "", "", cells[0], "warning"))
            continue
        if any(cell.strip() for cell in cells):
            header_cells = cells
            break
    if header_cells is None:
        raise FileRefused("The file is empty: it has no header row.")
    header = _match_header(header_cells, problems)

    # Column names come from our own list (columns.py), never from the file: safe to quote.
    columns = header.staging_columns
    cursor.execute(
        f"CREATE TEMP TABLE {STAGING} (row_number integer PRIMARY KEY, "
        + ", ".join(f'"{c}" text' for c in columns)
        + ") ON COMMIT DROP"
    )
    indexes = list(header.positions.values())
    width = len(header_cells)
    count = 0
    quoted = ", ".join(f'"{c}"' for c in columns)
    copy_sql = f"COPY {STAGING} (row_number, {quoted}) FROM STDIN"
    with cursor.copy(copy_sql) as copy:
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, often at the end of a file
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                problems.append(
                    Problem(
                        number,
                        "",
                        "",
                        f"This row has {len(cells)} cells but the header has {width}: "
                        "check for an unquoted comma",
                    )
                )
            padded = cells + [""] * (width - len(cells))
            copy.write_row([number, *(padded[i].strip() or None for i in indexes)])
            count += 1
            if on_progress and count % 50_000 == 0:
                on_progress(count)
    if count == 0:
        raise FileRefused("The file has a header row but no rows of attendance under it.")
    cursor.execute(f"ANALYZE {STAGING}")
    return Loaded(header=header, rows=count, problems=problems)


def _match_header(cells: list[str], problems: list[Problem]) -> HeaderMap:
    """The header's columns; its problems are added to `problems`, and errors refuse the file."""
    header = match_header(cells)
    problems += [Problem(1, column, "", message) for column, message in header.errors]
    problems += [Problem(1, column, "", message, "warning") for column, message in header.warnings]
    if header.errors:
        raise HeaderRefused(problems)
    return header


# What makes a file not plain, found with bytes methods (a regular expression over every byte
# took longer than PostgreSQL's parsing): a quote; a control character, at which Python's line
# reader may end a line; a lone carriage return; a Unicode line separator; a cell starting or
# ending with a space, which Python would trim.
_ODD_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, ord('"')])
_NOT_ODD = bytes(b for b in range(256) if b not in _ODD_BYTES)
# Spaces (a tab too) stay; a line end becomes a comma: both edges of every cell are then a comma.
_EDGES = bytes.maketrans(b"\t\r\n", b" ,,")
# The Unicode spaces str.strip() removes, as UTF-8, and the lead bytes that start them.
_UNICODE_SPACE = rb"(?:\xc2\xa0|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xaf]|\xe2\x81\x9f|\xe3\x80\x80)"
_UNICODE_EDGE = re.compile(
    rb"(?:^|,)" + _UNICODE_SPACE + rb"|" + _UNICODE_SPACE + rb"(?:,|\r?$)", re.MULTILINE
)
_UNICODE_LEADS = (b"\xc2", b"\xe1", b"\xe2", b"\xe3")
_UNICODE_LINE_ENDS = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_EMPTY_ROW = re.compile(rb"^,*\r?\n", re.MULTILINE)


def _lines_as_python_reads_them(lines: bytes) -> bool:
    """No quote, and no line end but the newlines the bytes are split at (CRLF or LF)."""
    return not (
        lines.translate(None, _NOT_ODD)
        or lines.count(b"\r") != lines.count(b"\r\n")
        or any(end in lines for end in _UNICODE_LINE_ENDS)
    )


def _is_plain(lines: bytes) -> bool:
    """Whether these whole lines can be parsed by PostgreSQL exactly as by the Python reader."""
    if not _lines_as_python_reads_them(lines):
        return False
    edges = lines.translate(_EDGES)
    if b", " in edges or b" ," in edges or edges[:1] == b" " or edges[-1:] == b" ":
        return False
    return not (any(lead in lines for lead in _UNICODE_LEADS) and _UNICODE_EDGE.search(lines))


def _has_empty_row(lines: bytes) -> bool:
    """A line of commas only (a blank line stops PostgreSQL, so the Python reader takes it)."""
    starts = lines[:1] == b"," or b"\n," in lines
    return starts and bool(_EMPTY_ROW.search(lines))


_CHUNK = 1 << 20


class _NotPlain(Exception):
    """The file needs the Python reader."""


def _load_plain_csv(cursor: Any, path: Path, on_progress: ProgressFn | None) -> Loaded | None:
    """COPY a plain CSV file's bytes for PostgreSQL to parse; None if the file is not plain.

    Plain means: the header is on the first line; no quote characters (PostgreSQL and Python
    read a quote inside a cell differently); no cell starts or ends with a space (Python trims
    them); every row is on one line and has as many cells as the header (PostgreSQL refuses
    others, and the count of lines is checked against the rows loaded). Then the row on line n
    is the (n - 1)th row loaded, as the Python reader would number it. Whatever is not plain
    rolls back to before this started and is read by the Python reader instead.
    """
    with path.open("rb") as handle:
        first = handle.readline(_CHUNK)
        if not first.endswith(b"\n") or not _lines_as_python_reads_them(first):
            return None
        try:
            text = first.decode("utf-8").removeprefix("\ufeff").rstrip("\r\n")
        except UnicodeDecodeError:
            return None
        header_cells = next(csv.reader([text]))
        if not any(cell.strip() for cell in header_cells):
            return None  # leading blank lines: the Python reader skips them
        problems: list[Problem] = []
        header = _match_header(header_cells, problems)
        width = len(header_cells)
        names = [f"_ignored_{i}" for i in range(width)]
        for column, index in header.positions.items():
            names[index] = column
        quoted = ", ".join(f'"{name}"' for name in names)
        try:
            with transaction.atomic():
                cursor.execute(
                    f"CREATE TEMP TABLE {STAGING} (row_number integer GENERATED ALWAYS AS "
                    "IDENTITY (START WITH 2) PRIMARY KEY, "
                    + ", ".join(f'"{name}" text' for name in names)
                    + ") ON COMMIT DROP"
                )
                lines, empty_rows, tail = 0, False, b""
                with cursor.copy(f"COPY {STAGING} ({quoted}) FROM STDIN (FORMAT csv)") as copy:
                    while chunk := handle.read(_CHUNK):
                        chunk += handle.readline()  # whole lines, so each line is seen whole
                        if not _is_plain(chunk):
                            raise _NotPlain
                        empty_rows = empty_rows or _has_empty_row(chunk)
                        before = lines
                        lines += chunk.count(b"\n")
                        tail = chunk[chunk.rfind(b"\n") + 1 :]  # the last line, if unended
                        copy.write(chunk)
                        if on_progress and lines // 50_000 > before // 50_000:
                            on_progress(lines)
                rows = int(cursor.rowcount)
                if rows != lines + bool(tail):
                    raise _NotPlain  # a line PostgreSQL took for the end of the data
                empty_rows = empty_rows or bool(tail and not tail.strip(b","))
                if empty_rows:  # rows of empty cells, often at the end of a file
                    cursor.execute(f"DELETE FROM {STAGING} WHERE num_nonnulls({quoted}) = 0")
                    rows -= int(cursor.rowcount)
                ignored = [name for name in names if name.startswith("_ignored_")]
                if ignored:
                    cursor.execute(
                        f"ALTER TABLE {STAGING} "
                        + ", ".join(f'DROP COLUMN "{name}"' for name in ignored)
                    )
                if rows == 0:
                    raise _NotPlain  # the Python reader says the file has no rows
        except (_NotPlain, psycopg.Error, DatabaseError):
            return None
    cursor.execute(f"ANALYZE {STAGING}")
    return Loaded(header=header, rows=rows, problems=problems, parsed_by="database")


class HeaderRefused(FileRefused):
    """The header names no usable set of columns; each problem is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("The file’s header row has problems.")
        self.problems = problems
