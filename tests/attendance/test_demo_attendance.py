"""`seed_demo` adds realistic attendance for the academic year so far, at every scale."""

import datetime as dt
import io
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from attendance import demo as attendance_demo
from attendance.models import (
    AttendanceImport,
    AttendanceRecord,
    PupilAttendance,
    QueueDismissal,
    QueueDismissalEvent,
)
from attendance.selectors import queue_members
from schools import demo
from schools.models import Enrolment, Pupil, Term

pytestmark = pytest.mark.django_db

# A Wednesday in the autumn term of 2025/26, which began on Wednesday 3 September.
TODAY = dt.date(2025, 11, 26)
CODES = {"I": "authorised_absence", "C2": "authorised_absence", "E": "authorised_absence"}
CODES |= {"N": "unauthorised_absence", "G": "unauthorised_absence", "U": "unauthorised_absence"}


@pytest.fixture(autouse=True)
def _autumn_2025() -> None:
    """Replaces the import tests' term dates (seed_demo makes its own) with an empty database."""
    demo.truncate()


def seed(*args: str, today: dt.date = TODAY) -> str:
    out = io.StringIO()
    with time_machine.travel(dt.datetime.combine(today, dt.time(9)), tick=False):
        call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def records() -> list[tuple[object, ...]]:
    return list(
        AttendanceRecord.objects.order_by("pupil__upn", "period_start").values_list(
            "pupil__upn",
            "school__urn",
            "period_start",
            "period_end",
            "possible_sessions",
            "attended_sessions",
            "authorised_absence",
            "unauthorised_absence",
            "code_counts",
            "suspensions",
        )
    )


def attendance_schema() -> dict[str, list[tuple[object, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'attendance_attendancerecord' ORDER BY 1"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'attendance_attendancerecord'::regclass ORDER BY 1"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = 'attendance_attendancerecord'::regclass AND NOT tgisinternal"
            " ORDER BY 1"
        )
        triggers = cursor.fetchall()
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


def test_every_record_adds_up_and_its_codes_fit_their_totals() -> None:
    seed("--scale", "demo")

    rows = list(AttendanceRecord.objects.all())
    assert len(rows) == 600 * 12  # 3 September to 21 November: 12 weeks
    for record in rows:
        assert (
            record.attended_sessions + record.authorised_absence + record.unauthorised_absence
            == record.possible_sessions
        )
        assert set(record.code_counts) <= set(CODES)
        assert all(isinstance(n, int) and n > 0 for n in record.code_counts.values())
        for total in ("authorised_absence", "unauthorised_absence"):
            coded = sum(n for code, n in record.code_counts.items() if CODES[code] == total)
            assert coded <= getattr(record, total)
        assert (record.suspensions or 0) <= record.code_counts.get("E", 0)
    codes = Counter(code for record in rows for code in record.code_counts)
    assert {"I", "C2", "N", "U"} <= set(codes)


def test_records_are_school_weeks_inside_terms_and_never_in_the_future() -> None:
    today = dt.date(2026, 5, 6)  # after Christmas and Easter
    seed("--scale", "demo", today=today)

    terms = list(Term.objects.filter(academic_year__start_year=2025))
    periods = Counter(
        AttendanceRecord.objects.values_list("period_start", "period_end", "possible_sessions")
    )
    for start, end, possible in periods:
        assert start.weekday() < 5
        assert end.weekday() < 5
        assert start.isocalendar()[:2] == end.isocalendar()[:2]  # one Monday-to-Friday week
        assert any(t.starts_on <= start and end <= t.ends_on for t in terms)
        assert end < today
        assert possible == 2 * ((end - start).days + 1)
    ordered = sorted(periods)
    # The autumn term began on a Wednesday: 6 sessions that week.
    assert ordered[0] == (dt.date(2025, 9, 3), dt.date(2025, 9, 5), 6)
    # Holidays are skipped: the autumn term's last week, then the spring term's first.
    assert (dt.date(2025, 12, 15), dt.date(2025, 12, 19), 10) in periods
    assert (dt.date(2026, 1, 5), dt.date(2026, 1, 9), 10) in periods
    assert not any(dt.date(2025, 12, 20) <= s <= dt.date(2026, 1, 4) for s, _, _ in periods)
    assert not any(dt.date(2026, 3, 28) <= s <= dt.date(2026, 4, 12) for s, _, _ in periods)
    # Up to the last week already over (today is a Wednesday).
    assert ordered[-1] == (dt.date(2026, 4, 27), dt.date(2026, 5, 1), 10)
    assert len(periods) == 16 + 12 + 3


def test_the_demo_has_severely_absent_pupils_in_the_queue_and_some_at_risk() -> None:
    output = seed("--scale", "demo")

    year = PupilAttendance.objects.filter(start_year=2025)
    assert year.count() == 600
    severe = year.filter(is_severely_absent=True)
    assert 6 <= severe.count() <= 10
    # All have 20+ possible sessions; those without an open case (cases.demo) are in the queue.
    queue = queue_members(2025).count()
    assert queue == severe.exclude(pupil__cases__status="open").count() >= 1
    persistent = year.filter(is_persistently_absent=True).count()
    assert 0.12 * 600 <= persistent <= 0.22 * 600
    assert year.filter(attendance_rate__gte=90).count() > 0.75 * 600
    assert year.filter(is_at_risk=True).exists()
    # Some severely absent pupils are on a reduced timetable: their absence is mostly C2.
    assert any(2 * s.c2_sessions > s.possible_sessions - s.attended_sessions for s in severe)
    assert year.filter(suspensions__gt=0).exists()

    assert f"Severely absent      {severe.count()} " in output
    assert f"In the queue         {queue} " in output
    assert f"Persistently absent  {persistent} " in output
    assert "Attendance records   7,200, weekly, 3 Sep 2025 to 21 Nov 2025" in output
    assert f"At risk              {year.filter(is_at_risk=True).count()}" in output


def test_at_risk_pupils_have_fallen_sharply_over_the_last_four_weeks() -> None:
    seed("--scale", "demo")

    at_risk = list(PupilAttendance.objects.filter(is_at_risk=True))
    assert at_risk
    for pupil in at_risk:
        assert pupil.attendance_rate > 50
        assert pupil.recent_rate < pupil.attendance_rate - 20
        assert pupil.projected_rate <= 50


def test_the_same_seed_gives_the_same_records_and_another_seed_others() -> None:
    seed("--scale", "demo", "--seed", "7")
    first = records()
    seed("--scale", "demo", "--seed", "7", "--reset")
    assert records() == first
    seed("--scale", "demo", "--seed", "8", "--reset")
    assert records() != first


def test_a_pupil_who_moved_has_records_at_the_school_of_the_enrolment_valid_then() -> None:
    seed("--scale", "demo")

    moved = Pupil.objects.filter(enrolments__started_on__gt=dt.date(2025, 9, 1)).distinct()
    assert moved.count() >= 3
    for pupil in moved:
        enrolments = list(Enrolment.objects.filter(pupil=pupil).order_by("started_on"))
        pupil_records = list(AttendanceRecord.objects.filter(pupil=pupil))
        for record in pupil_records:
            valid = [
                e
                for e in enrolments
                if e.started_on <= record.period_start
                and (e.ended_on is None or record.period_end <= e.ended_on)
            ]
            assert [e.school_id for e in valid] == [record.school_id]
        # Attendance before the move is at the school they left.
        assert {r.school_id for r in pupil_records} == {e.school_id for e in enrolments[-2:]}
        assert PupilAttendance.objects.get(pupil=pupil).school_id == pupil.current_school_id


def test_the_national_scale_writes_one_year_to_date_record_per_pupil_and_school() -> None:
    output = seed("--scale", "national", "--schools", "8", "--pupils", "400")

    per_pupil: dict[int, list[AttendanceRecord]] = defaultdict(list)
    for record in AttendanceRecord.objects.order_by("period_start"):
        per_pupil[record.pupil_id].append(record)
    assert len(per_pupil) == 400
    moved = 0
    for pupil_records in per_pupil.values():
        assert pupil_records[0].period_start == dt.date(2025, 9, 3)
        assert pupil_records[-1].period_end == dt.date(2025, 11, 25)  # the last school day
        assert sum(r.possible_sessions for r in pupil_records) == 2 * 60
        assert len({r.school_id for r in pupil_records}) == len(pupil_records)
        moved += len(pupil_records) > 1
    assert moved
    assert PupilAttendance.objects.filter(is_severely_absent=True).count() >= 3
    assert "one year to date per pupil and school (not weekly at this scale)" in output


def test_reset_empties_the_attendance_tables() -> None:
    seed("--scale", "demo")
    admin = User.objects.get(email="admin@council.example")
    AttendanceImport.objects.create(file_name="a.csv", sha256="0" * 64, created_by=admin)
    pupil = PupilAttendance.objects.filter(is_severely_absent=True).first()
    QueueDismissal.objects.create(
        pupil_id=pupil.pupil_id,
        start_year=2025,
        reason="Known to the school",
        attendance_rate=pupil.attendance_rate,
        dismissed_by=admin,
    )
    assert QueueDismissalEvent.objects.exists()
    before = AttendanceRecord.objects.count()

    seed("--scale", "demo", "--reset")

    assert not AttendanceImport.objects.exists()
    assert not QueueDismissal.objects.exists()
    assert not QueueDismissalEvent.objects.exists()
    assert AttendanceRecord.objects.count() == before
    assert AttendanceRecord.objects.order_by("pk").first().pk == 1
    assert {
        "attendance_attendanceimport",
        "attendance_importproblem",
        "attendance_attendancerecord",
        "attendance_attendancerecordevent",
        "attendance_pupilattendance",
        "attendance_queuedismissal",
        "attendance_queuedismissalevent",
    } <= set(demo.reset_tables())


def test_the_load_leaves_the_attendance_table_as_it_was_and_writes_no_history() -> None:
    before = attendance_schema()

    seed("--scale", "demo")

    assert attendance_schema() == before
    record = AttendanceRecord.objects.first()
    record.attended_sessions -= 1
    record.unauthorised_absence += 1
    record.save()
    assert record.events.count() == 1  # only the change after the load


def test_no_week_over_yet_means_no_records() -> None:
    output = seed("--scale", "demo", today=dt.date(2025, 9, 5))  # the first Friday of term

    assert not AttendanceRecord.objects.exists()
    assert "none: no school week of this year is over yet" in output


def test_school_weeks_clip_to_terms_and_stop_before_today() -> None:
    terms = [Term(starts_on=starts, ends_on=ends) for _, starts, ends in demo.term_dates(2025)]

    weeks = attendance_demo.school_weeks(terms, dt.date(2025, 9, 13))
    assert [(w.start_text, w.end_text, w.possible) for w in weeks] == [
        ("2025-09-03", "2025-09-05", 6),
        ("2025-09-08", "2025-09-12", 10),
    ]
    days = attendance_demo.school_weeks(terms, dt.date(2025, 9, 10), whole_weeks=False)
    assert [(w.start_text, w.end_text, w.possible) for w in days] == [
        ("2025-09-03", "2025-09-05", 6),
        ("2025-09-08", "2025-09-09", 4),
    ]
    assert attendance_demo.weekdays(dt.date(2025, 11, 26), dt.date(2025, 12, 19)) == 18
