"""Stream a CSV or XLSX file into the staging table with COPY: memory stays flat at any size."""

import codecs
import csv
import dataclasses
import datetime
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
    return _load(cursor, _csv_rows(path), on_progress)


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
    header = match_header(header_cells)
    problems += [Problem(1, column, "", message) for column, message in header.errors]
    problems += [Problem(1, column, "", message, "warning") for column, message in header.warnings]
    if header.errors:
        raise HeaderRefused(problems)

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


class HeaderRefused(FileRefused):
    """The header names no usable set of columns; each problem is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("The file’s header row has problems.")
        self.problems = problems
