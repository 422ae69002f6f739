"""Every bad input the attendance-import spec names: a clear message, and nothing stored."""

import io

import pytest
from openpyxl import Workbook

from attendance.models import AttendanceRecord
from schools.models import Pupil
from schools.upn import make_upn
from tests.attendance.conftest import HEADER
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

GOOD = "100001,C851200119017,Example,Amira,2015-03-14,5,2025-09-08,2025-09-12,10,8,1,1,0,1,1,N,N"
FIELDS = HEADER.split(",")


def row(**changes):
    values = dict(zip(FIELDS, GOOD.split(","), strict=True))
    values.update(changes)
    return ",".join(values[f] for f in FIELDS)


def problems(result):
    return [
        (p.row_number, p.column, p.value, p.message) for p in result.problems.filter(kind="error")
    ]


def assert_refused(result, row_number, column, words):
    assert result.status == "refused"
    assert not AttendanceRecord.objects.exists()
    assert not Pupil.objects.exists()
    assert any(r == row_number and c == column and words in m for r, c, _, m in problems(result)), (
        problems(result)
    )


ROW_CASES = [
    ("a bad date", {"period_start": "2025-09-31"}, "period_start", "Enter a real date"),
    ("a date in words", {"period_end": "next Friday"}, "period_end", "Enter a real date"),
    (
        "a date of birth that is not a date",
        {"date_of_birth": "14.03.2015"},
        "date_of_birth",
        "real date of birth",
    ),
    (
        "a negative count",
        {"attended_sessions": "-1"},
        "attended_sessions",
        "whole number, 0 or more",
    ),
    (
        "a count that is not a number",
        {"possible_sessions": "ten"},
        "possible_sessions",
        "whole number",
    ),
    (
        "a missing count",
        {"authorised_absence": ""},
        "authorised_absence",
        "Enter a number of sessions",
    ),
    (
        "totals that do not add up",
        {"attended_sessions": "9"},
        "possible_sessions",
        "not the 10 possible sessions",
    ),
    ("a wrong UPN check letter", {"upn": "A851200119017"}, "upn", "should be C, not A"),
    ("a UPN of the wrong length", {"upn": "C85120011901"}, "upn", "13 characters"),
    ("a URN that is not 6 digits", {"school_urn": "10001"}, "school_urn", "exactly 6 digits"),
    ("an unknown school", {"school_urn": "999999"}, "school_urn", "no school with URN 999999"),
    (
        "a period ending before it starts",
        {"period_start": "2025-09-12", "period_end": "2025-09-08"},
        "period_end",
        "ends before it starts",
    ),
    ("a period in the future", {"period_end": "2025-09-19"}, "period_end", "in the future"),
    (
        "a period across 31 August",
        {"period_start": "2025-08-29", "period_end": "2025-09-12"},
        "period_end",
        "crosses 31 August",
    ),
    (
        "more than two sessions a weekday",
        {"possible_sessions": "12", "attended_sessions": "10"},
        "possible_sessions",
        "at most 10 possible sessions",
    ),
    (
        "codes adding up to more than their total",
        {"code_I": "2"},
        "authorised_absence",
        "more than authorised_absence (1)",
    ),
    ("an unknown SEN status", {"sen": "X"}, "sen", "N (none), K (SEN support) or E"),
    ("a flag that is not Y or N", {"fsm": "yes please"}, "fsm", "Enter Y, N or leave it empty"),
    (
        "a year group that does not exist",
        {"year_group": "15"},
        "year_group",
        "N1, N2, R or 1 to 14",
    ),
    ("a new pupil with no family name", {"family_name": ""}, "family_name", "not known yet"),
    ("a new pupil with no date of birth", {"date_of_birth": ""}, "date_of_birth", "not known yet"),
]


@pytest.mark.parametrize(
    ("case", "changes", "column", "words"), ROW_CASES, ids=[c[0] for c in ROW_CASES]
)
def test_a_bad_row_is_named_with_its_column_and_reason_and_nothing_is_stored(
    sample_schools, write_file, do_import, case, changes, column, words
):
    result = do_import(write_file(HEADER + "\n" + row(**changes) + "\n"))

    assert_refused(result, 2, column, words)


def test_one_bad_row_among_1000_good_ones_stores_nothing_and_names_that_row(
    sample_schools, write_file, do_import
):
    lines = [
        row(
            upn=make_upn(851, 2001, 19, n % 1000),
            period_start="2025-09-08",
            period_end="2025-09-12",
        ).replace("2001", f"{2001 + n // 1000}", 0)
        for n in range(1000)
    ]
    lines[499] = row(upn=make_upn(851, 2002, 19, 1), attended_sessions="11")

    result = do_import(write_file(HEADER + "\n" + "\n".join(lines) + "\n"))

    assert_refused(result, 501, "possible_sessions", "not the 10 possible sessions")
    assert result.error_count == 1


def test_a_file_that_is_not_utf8_is_refused_naming_the_line_and_how_to_save_it(
    sample_schools, write_file, do_import
):
    text = HEADER + "\n" + GOOD + "\n" + row(family_name="Ex\xe9mple") + "\n"

    result = do_import(write_file(text.encode("cp1252")))

    message = problems(result)[0][3]
    assert "not UTF-8" in message
    assert "line 3" in message
    assert "CSV UTF-8" in message


def test_a_byte_order_mark_is_allowed(sample_schools, write_file, do_import):
    result = do_import(write_file(("\ufeff" + HEADER + "\n" + GOOD + "\n").encode()))

    assert result.status == "imported"


@pytest.mark.parametrize(
    ("text", "words"),
    [(b"", "The file is empty"), (HEADER.encode() + b"\n", "no rows of attendance")],
    ids=["empty", "header only"],
)
def test_an_empty_or_header_only_file_is_refused(
    sample_schools, write_file, do_import, text, words
):
    result = do_import(write_file(text))

    assert words in problems(result)[0][3]


def test_a_missing_required_column_is_named(sample_schools, write_file, do_import):
    header = HEADER.replace(",period_end", "")
    line = ",".join(v for f, v in zip(FIELDS, GOOD.split(","), strict=True) if f != "period_end")

    result = do_import(write_file(header + "\n" + line + "\n"))

    assert_refused(result, 1, "period_end", "no period_end column")


def test_a_duplicated_column_is_named(sample_schools, write_file, do_import):
    result = do_import(write_file(HEADER + ",URN\n" + GOOD + ",100001\n"))

    assert_refused(result, 1, "URN", "two columns for school_urn")


def test_headers_match_aliases_ignoring_case_spaces_hyphens_and_underscores(
    sample_schools, write_file, do_import
):
    header = (
        HEADER.replace("school_urn", "School URN")
        .replace("upn", "Pupil-UPN")
        .replace("possible_sessions", "POSSIBLE")
    )

    result = do_import(write_file(header + "\n" + GOOD + "\n"))

    assert result.status == "imported"


def test_an_unknown_column_is_a_warning_and_is_ignored(sample_schools, write_file, do_import):
    result = do_import(write_file(HEADER + ",Favourite colour\n" + GOOD + ",blue\n"))

    assert result.status == "imported"
    warning = result.problems.get(kind="warning")
    assert (warning.column, "not one the service uses" in warning.message) == (
        "Favourite colour",
        True,
    )


def test_a_withdrawn_code_names_its_replacements(sample_schools, write_file, do_import):
    result = do_import(write_file(HEADER + ",code_H\n" + GOOD + ",0\n"))

    assert_refused(result, 1, "code_H", "use C, C1 or C2")


def test_a_date_of_birth_that_contradicts_a_known_pupil_is_refused(
    sample_schools, write_file, do_import
):
    PupilFactory(upn="C851200119017", date_of_birth="2015-03-15", current_school=sample_schools[0])

    result = do_import(write_file(HEADER + "\n" + GOOD + "\n"))

    assert result.status == "refused"
    assert any("never be merged" in m for *_, m in problems(result))
    assert not AttendanceRecord.objects.exists()


def test_the_same_upn_and_period_twice_is_an_error_on_both_rows(
    sample_schools, write_file, do_import
):
    result = do_import(write_file(HEADER + "\n" + GOOD + "\n" + GOOD + "\n"))

    assert [(r, c) for r, c, _, m in problems(result) if "rows 2, 3" in m] == [
        (2, "upn"),
        (3, "upn"),
    ]


def test_a_period_overlapping_a_stored_one_names_the_stored_period(
    sample_schools, write_file, do_import
):
    do_import(write_file(HEADER + "\n" + GOOD + "\n"))

    result = do_import(
        write_file(
            HEADER
            + "\n"
            + row(
                period_start="2025-09-10",
                period_end="2025-09-12",
                possible_sessions="6",
                attended_sessions="4",
            )
            + "\n"
        )
    )

    assert result.status == "refused"
    assert any(
        "overlaps the stored period 08/09/2025 to 12/09/2025" in m for *_, m in problems(result)
    )
    assert AttendanceRecord.objects.count() == 1


def test_a_school_outside_the_users_scope_is_an_error_not_skipped(
    sample_schools, write_file, do_import, link_coordinator
):
    result = do_import(write_file(HEADER + "\n" + GOOD + "\n"), user=link_coordinator)

    assert_refused(result, 2, "school_urn", "not one of your schools")


def test_a_pastoral_lead_may_import_for_their_own_school(
    write_file, do_import, pastoral_lead, school_a
):
    line = row(school_urn=school_a.urn)

    result = do_import(write_file(HEADER + "\n" + line + "\n"), user=pastoral_lead)

    assert result.status == "imported"


def test_a_file_named_xlsx_that_is_not_a_spreadsheet_is_refused(
    sample_schools, write_file, do_import
):
    result = do_import(write_file(b"this is not a workbook", name="attendance.xlsx"))

    assert "not a spreadsheet" in problems(result)[0][3]


def test_an_xlsx_imports_from_its_first_sheet_and_says_other_sheets_were_ignored(
    sample_schools, write_file, do_import
):
    book = Workbook()
    sheet = book.active
    sheet.append(FIELDS)
    sheet.append([int(v) if v.isdigit() else v for v in GOOD.split(",")])
    book.create_sheet("Notes").append(["ignore me"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = do_import(write_file(buffer.getvalue(), name="attendance.xlsx"))

    assert result.status == "imported", problems(result)
    assert "Notes" in result.problems.get(kind="warning").message


def test_a_cell_that_looks_like_a_formula_is_stored_as_text(sample_schools, write_file, do_import):
    result = do_import(write_file(HEADER + "\n" + row(family_name="=HYPERLINK(1)") + "\n"))

    assert result.status == "imported"
    assert Pupil.objects.get().family_name == "=HYPERLINK(1)"


def test_a_row_with_more_cells_than_the_header_is_refused(sample_schools, write_file, do_import):
    result = do_import(write_file(HEADER + "\n" + GOOD + ",extra\n"))

    assert_refused(result, 2, "", "18 cells but the header has 17")
