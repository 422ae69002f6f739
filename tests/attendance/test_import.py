import pytest
import time_machine
from django.test import override_settings

from attendance.models import AttendanceRecord, PupilAttendance
from schools.models import EnrolmentEvent, Pupil, PupilEvent
from tests.attendance.conftest import HEADER, SAMPLE_ROWS

pytestmark = pytest.mark.django_db


def test_the_spec_example_imports_and_works_out_each_pupils_rate(
    sample_schools, write_file, do_import
):
    result = do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))

    assert result.status == "imported", list(result.problems.values_list("message", flat=True))
    rates = dict(PupilAttendance.objects.values_list("pupil__given_name", "attendance_rate"))
    assert {k: float(v) for k, v in rates.items()} == {
        "Amira": 100.0,
        "Ben": 72.22,
        "Chloe": 27.78,
        "Dev": 44.44,
    }
    assert AttendanceRecord.objects.count() == 8
    assert Pupil.objects.count() == 4


@override_settings(SEVERE_ABSENCE_THRESHOLD=55.6)
def test_a_threshold_that_is_not_a_whole_number_is_compared_exactly(
    sample_schools, write_file, do_import
):
    do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))

    severe = PupilAttendance.objects.filter(is_severely_absent=True)
    # Chloe missed 13 of 18 sessions (72.2%); Dev 10 of 18 (55.56%), just under the line.
    assert set(severe.values_list("pupil__given_name", flat=True)) == {"Chloe"}


def _messages(result, kind="error"):
    return [
        (p.row_number, p.column, p.message)
        for p in result.problems.filter(kind=kind).order_by("row_number", "pk")
    ]


def _refused_with(result, row, column, words):
    assert result.status == "refused"
    assert AttendanceRecord.objects.count() == 0
    assert any(r == row and c == column and words in m for r, c, m in _messages(result)), _messages(
        result
    )


def test_importing_the_same_file_again_changes_nothing_and_says_so(
    sample_schools, write_file, do_import
):
    path = write_file(HEADER + "\n" + SAMPLE_ROWS)
    do_import(path)

    again = do_import(path)

    assert again.counts["records_unchanged"] == 8
    assert again.counts["records_new"] == again.counts["records_corrected"] == 0
    assert again.counts["new_pupils"] == again.counts["changed_pupils"] == 0


def test_a_dry_run_reports_what_an_import_would_do_and_stores_nothing(
    sample_schools, write_file, do_import
):
    result = do_import(write_file(HEADER + "\n" + SAMPLE_ROWS), dry_run=True)

    assert result.status == "checked"
    assert result.counts["records_new"] == 8
    assert result.counts["new_pupils"] == 4
    assert result.counts["schools"] == 2
    assert result.counts["newly_in_queue"] == 0  # 18 possible sessions: below the 20 needed
    assert not AttendanceRecord.objects.exists()
    assert not Pupil.objects.exists()


def test_a_row_with_new_figures_for_a_stored_period_is_a_correction(
    sample_schools, write_file, do_import
):
    first = do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))
    corrected = SAMPLE_ROWS.replace(
        "2025-09-08,2025-09-12,10,10,0,0,0,0,0,N,N", "2025-09-08,2025-09-12,10,9,1,0,0,1,0,N,N"
    )

    result = do_import(write_file(HEADER + "\n" + corrected))

    assert result.counts["records_corrected"] == 1
    assert result.counts["records_unchanged"] == 7
    amira = PupilAttendance.objects.get(pupil__given_name="Amira")
    assert (amira.possible_sessions, amira.attended_sessions) == (18, 17)
    record = AttendanceRecord.objects.get(pupil=amira.pupil, period_end="2025-09-12")
    assert record.events.get().attended_sessions == 9  # the correction is in the audit trail
    # Each record names the import that last wrote its figures.
    assert record.imported_by == result
    assert set(
        AttendanceRecord.objects.exclude(pk=record.pk).values_list("imported_by", flat=True)
    ) == {first.pk}


def test_a_new_name_updates_the_pupil_and_is_listed_as_a_change(
    sample_schools, write_file, do_import
):
    do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))

    result = do_import(write_file(HEADER + "\n" + SAMPLE_ROWS.replace("Amira", "Amara")))

    assert result.counts["changed_pupils"] == 1
    assert Pupil.objects.get(upn="C851200119017").given_name == "Amara"
    assert any("Amira" in m and "Amara" in m for _, _, m in _messages(result, "change"))


def test_a_pupil_under_a_new_school_moves_there_from_the_period_start(
    sample_schools, write_file, do_import
):
    do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))
    moved = (
        "100002,C851200119017,Example,Amira,2015-03-14,5,2025-09-15,2025-09-15,2,2,0,0,0,0,0,N,N"
    )

    with time_machine_day("2025-09-16"):
        result = do_import(write_file(HEADER + "\n" + moved))

    amira = Pupil.objects.get(upn="C851200119017")
    assert result.counts["moved_pupils"] == 1
    assert amira.current_school.urn == "100002"
    assert [
        (e.school.urn, str(e.started_on), str(e.ended_on))
        for e in amira.enrolments.order_by("started_on")
    ] == [
        ("100001", "2025-09-01", "2025-09-14"),
        ("100002", "2025-09-15", "None"),
    ]


def time_machine_day(day):
    return time_machine.travel(f"{day} 09:00", tick=False)


def test_new_pupils_and_their_enrolments_are_in_the_audit_trail_once_each(
    sample_schools, write_file, do_import
):
    result = do_import(write_file(HEADER + "\n" + SAMPLE_ROWS))

    pupils = Pupil.objects.order_by("pk")
    events = PupilEvent.objects.filter(pgh_label="insert").order_by("pgh_obj_id")
    assert [(e.pgh_obj_id, e.upn, e.given_name) for e in events] == [
        (p.pk, p.upn, p.given_name) for p in pupils
    ]
    assert {e.pgh_context.metadata["attendance_import"] for e in events} == {result.pk}
    enrolments = EnrolmentEvent.objects.filter(pgh_label="insert")
    assert sorted(e.pupil_id for e in enrolments) == [p.pk for p in pupils]


def test_each_detail_is_taken_from_the_latest_row_that_gives_it(
    sample_schools, write_file, do_import
):
    # Amira's later week leaves her year group and SEN empty and gives a new family name; the
    # earlier week's file order is reversed to show that dates, not rows, decide "latest".
    rows = SAMPLE_ROWS.replace(
        "100001,C851200119017,Example,Amira,2015-03-14,5,2025-09-08,2025-09-12,10,10,0,0,0,0,0,N,N",
        "100001,C851200119017,Exemplar,Amira,,,2025-09-08,2025-09-12,10,10,0,0,0,0,0,,Y",
    ).splitlines()
    rows[0], rows[1] = rows[1], rows[0]

    result = do_import(write_file(HEADER + "\n" + "\n".join(rows) + "\n"))

    assert result.status == "imported", _messages(result)
    amira = Pupil.objects.get(given_name="Amira")
    assert amira.family_name == "Exemplar"  # the later week's
    assert amira.year_group == "5"  # the later week left it empty: the earlier week's
    assert amira.sen_status == "N"
    assert amira.free_school_meals is True
    assert str(amira.date_of_birth) == "2015-03-14"
