"""Import benchmark: how close the full attendance import comes to a plain COPY of the same rows.

    DATABASE_NAME=attendance_tracker_bench python benchmarks/bench_import.py
    BENCH_IMPORT_9M=1 BENCH_REFRESH_9M=1 python benchmarks/bench_import.py   # slow extras

Run by `make bench` (scripts/bench.sh) after seeding. In one run on one machine it times
(a) COPY of 1,000,000 already-typed rows into a scratch copy of the attendance table (`LIKE …
INCLUDING ALL`: the same columns, unique key, check constraints, indexes and exclusion
constraint; LIKE copies no foreign keys) and (b) `manage.py import_attendance` of the same rows
as a CSV file (reading, every check, pupils, enrolments, attendance, derived figures, queue),
then a re-import of the unchanged file. With BENCH_IMPORT_9M=1 it also imports a 9,000,000-row
file and reports the import process's peak memory; with BENCH_REFRESH_9M=1 it times refreshing
the derived figures and counting the queue for every pupil in the database (seed_demo --scale
national first: 9 million pupils; pupils without a record this year get one year-to-date record
inside a transaction that is rolled back).

Everything it writes is fictional: schools with URNs 900000-900399 (no seed uses them), pupils
with LA code 100 (no authority or seed has it), and an administrator bench@council.example. It
removes its pupils, records and schools afterwards, so runs are comparable. It refuses any
database whose name does not contain "bench".
"""

import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_tracker.settings")
os.environ.setdefault("DATABASE_NAME", "attendance_tracker_bench")

import django  # noqa: E402

django.setup()

import pgtrigger  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from attendance.imports import checks, derived  # noqa: E402
from attendance.management.commands.import_attendance import SUMMARIES  # noqa: E402
from attendance.models import AttendanceImport  # noqa: E402
from attendance.selectors import current_start_year, queue_members  # noqa: E402
from schools.models import AcademicYear, School  # noqa: E402
from schools.upn import make_upn  # noqa: E402

EMAIL = "bench@council.example"
# No authority has LA code 100, and no seed uses it (the national scale uses 944-999), so bench
# pupils can be neither a real child nor a seeded pupil, and clean-up finds exactly them.
LA_CODE = 100
FIRST_URN = 900_000  # no seed uses URNs this high
SCHOOLS = 400
WEEKS = 7
ROWS = 1_000_000
ROWS_9M = 9_000_000
SEED = 2025
HEADER = (
    "school_urn,upn,family_name,given_name,date_of_birth,year_group,period_start,period_end,"
    "possible_sessions,attended_sessions,authorised_absence,unauthorised_absence,"
    "code_C2,code_I,code_N,sen,fsm\n"
)
TYPED_COLUMNS = (
    "pupil_id, school_id, period_start, period_end, possible_sessions, attended_sessions, "
    "authorised_absence, unauthorised_absence, code_counts, suspensions, imported_by_id"
)
SCRATCH = "bench_copy_attendancerecord"
# Invented syllables: the names read as names but are nobody's.
GIVEN = ("Al", "Bre", "Cor", "Da", "El", "Fen", "Gil", "Har", "Iso", "Jor", "Kel", "Lun", "Mar")
GIVEN_END = ("a", "en", "ic", "ow", "ina", "on", "ys", "ette", "ard", "i")
FAMILY = ("Ash", "Bram", "Cold", "Dun", "Elder", "Fox", "Gray", "Hollin", "Ivy", "Kettle")
FAMILY_END = ("wick", "by", "ridge", "stead", "combe", "ford", "hurst", "ley", "mere", "thorpe")


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def rate(rows: int, seconds: float) -> str:
    return f"{rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)"


# Set-up and clean-up ---------------------------------------------------------------------------


def check_database() -> str:
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in name:
        raise SystemExit(f"bench_import: refusing to run in database {name!r}: use a bench one.")
    return name


def ensure_user_and_schools() -> tuple[User, list[int]]:
    user = User.objects.filter(email=EMAIL).first()
    if user is None:
        user = User.objects.create_user(EMAIL, full_name="Import benchmark", is_administrator=True)
    elif not (user.is_active and user.is_administrator):
        user.is_active = user.is_administrator = True
        user.save(update_fields=["is_active", "is_administrator"])
    urns = [f"{FIRST_URN + i}" for i in range(SCHOOLS)]
    existing = set(School.objects.filter(urn__in=urns).values_list("urn", flat=True))
    School.objects.bulk_create(
        School(
            urn=urn,
            establishment_number=f"{LA_CODE}-{2000 + i:04d}",
            name=f"Benchmark School {i + 1}",
            phase=School.Phase.PRIMARY if i % 5 else School.Phase.SECONDARY,
        )
        for i, urn in enumerate(urns)
        if urn not in existing
    )
    by_urn = dict(School.objects.filter(urn__in=urns).values_list("urn", "pk"))
    return user, [by_urn[urn] for urn in urns]


BENCH_PUPILS = f"SELECT id FROM schools_pupil WHERE substr(upn, 2, 3) = '{LA_CODE:03d}'"  # noqa: S608
TRIGGERS = (
    "schools.School:delete_delete",
    "schools.Pupil:delete_delete",
    "schools.Enrolment:delete_delete",
    "attendance.AttendanceRecord:delete_delete",
)


def clean_up(user: User | None = None) -> None:
    """Remove everything the benchmark imported (history included), without writing history."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if user is not None:
            cursor.execute(
                "DELETE FROM attendance_importproblem WHERE attendance_import_id IN"
                " (SELECT id FROM attendance_attendanceimport WHERE created_by_id = %s)",
                [user.pk],
            )
        cursor.execute(f"SELECT EXISTS ({BENCH_PUPILS})")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending events when re-enabling
        triggers = [
            (quote(model._meta.db_table), quote(trigger.get_pgid(model)))
            for model, trigger in pgtrigger.registered(*TRIGGERS)
        ]
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        cursor.execute(f"CREATE TEMP TABLE bench_pupils ON COMMIT DROP AS {BENCH_PUPILS}")
        cursor.execute(
            "CREATE TEMP TABLE bench_schools ON COMMIT DROP AS "
            "SELECT id FROM schools_school WHERE urn >= %s",
            [str(FIRST_URN)],
        )
        for statement in (
            "DELETE FROM attendance_pupilattendance WHERE pupil_id IN (SELECT id FROM bench_pupils)"
            " OR school_id IN (SELECT id FROM bench_schools)",
            "DELETE FROM attendance_attendancerecord WHERE school_id IN"
            " (SELECT id FROM bench_schools) OR pupil_id IN (SELECT id FROM bench_pupils)",
            "DELETE FROM attendance_attendancerecordevent WHERE school_id IN"
            " (SELECT id FROM bench_schools)",
            "DELETE FROM schools_enrolment WHERE pupil_id IN (SELECT id FROM bench_pupils)",
            "DELETE FROM schools_enrolmentevent WHERE pupil_id IN (SELECT id FROM bench_pupils)",
            "DELETE FROM schools_pupilevent WHERE pgh_obj_id IN (SELECT id FROM bench_pupils)",
            "DELETE FROM schools_pupil WHERE id IN (SELECT id FROM bench_pupils)",
        ):
            cursor.execute(statement)
        if user is not None:
            cursor.execute(
                "DELETE FROM attendance_attendanceimport WHERE created_by_id = %s", [user.pk]
            )
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE schools_pupil, schools_enrolment, attendance_attendancerecord, "
            "attendance_pupilattendance"
        )


def drop_schools() -> None:
    """The schools last: nothing refers to them once clean_up has run."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DELETE FROM schools_schoolevent WHERE urn >= %s", [str(FIRST_URN)])
        for model, trigger in pgtrigger.registered("schools.School:delete_delete"):
            table, name = quote(model._meta.db_table), quote(trigger.get_pgid(model))
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            cursor.execute("DELETE FROM schools_school WHERE urn >= %s", [str(FIRST_URN)])
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


# The file --------------------------------------------------------------------------------------


def weeks(today: dt.date) -> tuple[int, list[tuple[dt.date, dt.date]]]:
    """Seven Monday-to-Friday weeks from the start of an autumn term, all already past.

    The current academic year's if seven weeks of it have passed, else the previous year's.
    """
    year = AcademicYear.start_year_for(today)
    for start_year in (year, year - 1):
        first = dt.date(start_year, 9, 2)
        first += dt.timedelta(days=(7 - first.weekday()) % 7)  # the first Monday from 2 September
        periods = [
            (first + dt.timedelta(weeks=w), first + dt.timedelta(weeks=w, days=4))
            for w in range(WEEKS)
        ]
        if periods[-1][1] < today:
            return start_year, periods
    raise AssertionError("unreachable: last year's autumn term is always past")


def generate(
    path: Path,
    rows: int,
    start_year: int,
    periods: list[tuple[dt.date, dt.date]],
    *,
    typed: Path | None = None,
    school_ids: list[int] | None = None,
    first_pupil_id: int = 0,
) -> int:
    """Write `rows` rows (pupil by pupil, a row a week) and, if asked, the same rows typed for
    COPY into the attendance table. Streams to disk. Returns the number of pupils."""
    rng = random.Random(SEED)  # noqa: S311 - synthetic data, reproducible by design
    pupils = -(-rows // len(periods))
    dates = [(s.isoformat(), e.isoformat()) for s, e in periods]
    written = 0
    with (
        path.open("w", encoding="utf-8", newline="") as out,
        (typed or Path(os.devnull)).open("w", encoding="utf-8") as typed_out,
    ):
        out.write(HEADER)
        school = -1
        next_school_at = 0
        local = 0
        for pupil in range(pupils):
            if pupil >= next_school_at:
                school += 1
                next_school_at = (school + 1) * pupils // SCHOOLS
                local = 0
                urn = f"{FIRST_URN + school}"
            upn = make_upn(LA_CODE, 2000 + school, 10 + local // 1000, local % 1000)
            local += 1
            given = rng.choice(GIVEN) + rng.choice(GIVEN_END)
            family = rng.choice(FAMILY) + rng.choice(FAMILY_END)
            year_group = rng.randint(1, 11)
            born = dt.date(start_year - 5 - year_group, 9, 1) + dt.timedelta(rng.randrange(365))
            sen = "N" if (u := rng.random()) < 0.85 else ("K" if u < 0.97 else "E")
            fsm = "Y" if rng.random() < 0.25 else "N"
            kind = rng.random()
            if kind < 0.04:  # severely absent
                attend, unauthorised_share = 0.2 + 0.25 * rng.random(), 0.7
            elif kind < 0.18:  # persistently absent
                attend, unauthorised_share = 0.8 + 0.09 * rng.random(), 0.4
            else:
                attend, unauthorised_share = 0.93 + 0.07 * rng.random(), 0.2
            part_time = rng.random() < 0.01  # a reduced timetable: absence recorded as C2
            fixed = f"{urn},{upn},{family},{given},{born.isoformat()},{year_group},"
            flags = f",{sen},{fsm}\n"
            lines = []
            typed_lines = []
            for start, end in dates:
                if written == rows:
                    break
                attended = min(10, max(0, round(10 * attend + 3 * (rng.random() - 0.5))))
                absent = 10 - attended
                unauthorised = 0 if part_time else round(absent * unauthorised_share)
                authorised = absent - unauthorised
                c2 = authorised if part_time else 0
                illness = 0 if part_time else authorised
                code_n = unauthorised // 2
                lines.append(
                    f"{fixed}{start},{end},10,{attended},{authorised},{unauthorised},"
                    f"{c2},{illness},{code_n}{flags}"
                )
                if typed is not None and school_ids is not None:
                    codes = ", ".join(
                        f'"{code}": {n}'
                        for code, n in (("C2", c2), ("I", illness), ("N", code_n))
                        if n
                    )
                    typed_lines.append(
                        f"{first_pupil_id + pupil}\t{school_ids[school]}\t{start}\t{end}\t10\t"
                        f"{attended}\t{authorised}\t{unauthorised}\t{{{codes}}}\t\\N\t\\N\n"
                    )
                written += 1
            out.writelines(lines)
            if typed_lines:
                typed_out.writelines(typed_lines)
    return pupils


# (a) COPY into a copy of the attendance table ---------------------------------------------------


def time_copy(typed: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE attendance_attendancerecord INCLUDING ALL)")
    try:
        raw = connection.connection
        started = time.monotonic()
        with (
            transaction.atomic(),
            raw.cursor() as cursor,
            cursor.copy(f"COPY {SCRATCH} ({TYPED_COLUMNS}) FROM STDIN") as copy,
            typed.open("rb") as source,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        seconds = time.monotonic() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    return seconds


# (b) the import, as the command line runs it ------------------------------------------------------


def import_file(path: Path, user: User) -> tuple[float, int, AttendanceImport]:
    """Run manage.py import_attendance in a child process: wall seconds, peak RSS in KB, record.

    The seconds leave out what the command does once the import has committed (bringing the
    dashboards' attendance summaries up to date), which it reports and this prints."""
    env = {**os.environ, "ATTENDANCE_IMPORT_MAX_BYTES": str(1 << 40)}
    command = [sys.executable, str(ROOT / "manage.py"), "import_attendance", str(path)]
    with tempfile.TemporaryFile() as output:
        started = time.monotonic()
        child = subprocess.Popen(  # noqa: S603 - our own command line
            [*command, "--user", EMAIL], cwd=ROOT, env=env, stdout=output, stderr=output
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        output.seek(0)
        printed = output.read().decode(errors="replace")
        if child.returncode:
            raise SystemExit(
                f"bench_import: the import failed ({child.returncode}):\n" + printed[-5000:]
            )
    for line in printed.splitlines():
        if SUMMARIES in line:
            after = float(line.split(SUMMARIES)[1].split()[0])
            say(f"  (then {SUMMARIES.lower()} {after:.1f} s, not counted)")
            seconds -= after
    record = AttendanceImport.objects.filter(created_by=user).latest("pk")
    return seconds, int(usage.ru_maxrss), record


def describe(record: AttendanceImport) -> str:
    counts = record.counts
    return (
        f"{counts.get('new_pupils', 0):,} new pupils; records new {counts.get('records_new', 0):,}"
        f", corrected {counts.get('records_corrected', 0):,}"
        f", unchanged {counts.get('records_unchanged', 0):,}"
        f"; newly in the queue {counts.get('newly_in_queue', 0):,}"
    )


def bench_import(user: User, school_ids: list[int], work: Path) -> None:
    start_year, periods = weeks(dt.date.today())  # noqa: DTZ011 - the server's date, as imports
    csv_path, typed_path = work / "attendance-1m.csv", work / "attendance-1m.typed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM schools_pupil")
        first_id = int(cursor.fetchone()[0])
    started = time.monotonic()
    pupils = generate(
        csv_path,
        ROWS,
        start_year,
        periods,
        typed=typed_path,
        school_ids=school_ids,
        first_pupil_id=first_id,
    )
    say(
        f"File: {ROWS:,} rows ({pupils:,} pupils × {len(periods)} weeks from "
        f"{periods[0][0]:%d %b %Y}, {SCHOOLS} schools, "
        f"{csv_path.stat().st_size / 1e6:,.0f} MB), generated in {time.monotonic() - started:.0f} s"
    )

    copy_seconds = time_copy(typed_path)
    say(f"COPY into a copy of the attendance table: {rate(ROWS, copy_seconds)}")

    seconds, peak_kb, record = import_file(csv_path, user)
    if record.status != AttendanceImport.Status.IMPORTED:
        raise SystemExit(f"bench_import: the import ended {record.status}: {record.failure}")
    say(
        f"Full import (manage.py import_attendance): {rate(ROWS, seconds)}, peak memory "
        f"{peak_kb / 1024:,.0f} MB"
    )
    say(f"  {describe(record)}")
    share = copy_seconds / seconds
    say(
        f"  The full import reaches {share:.0%} of the COPY rate "
        f"(goal: at least 50%: {'met' if share >= 0.5 else 'not met'})"
    )

    again, _, record = import_file(csv_path, user)
    say(f"Re-import of the same unchanged file: {rate(ROWS, again)}")
    say(f"  {describe(record)}")
    say(
        f"  {'At least as fast as' if again <= seconds else 'Slower than'} the first import "
        f"({again / seconds:.0%} of its time)"
    )


# 9 million rows: peak memory -------------------------------------------------------------------


def bench_import_9m(user: User, work: Path) -> None:
    start_year, periods = weeks(dt.date.today())  # noqa: DTZ011
    path = work / "attendance-9m.csv"
    started = time.monotonic()
    pupils = generate(path, ROWS_9M, start_year, periods)
    say(
        f"File: {ROWS_9M:,} rows ({pupils:,} pupils × {len(periods)} weeks, "
        f"{path.stat().st_size / 1e6:,.0f} MB), generated in {time.monotonic() - started:.0f} s"
    )
    seconds, peak_kb, record = import_file(path, user)
    say(f"Full import of {rate(ROWS_9M, seconds)}")
    say(f"  Peak memory of the import process: {peak_kb / 1024:,.0f} MB (goal: under 300 MB)")
    say(f"  {describe(record)}")
    path.unlink()


# 9 million pupils: derived figures and the queue ------------------------------------------------


def bench_refresh_all(today: dt.date) -> None:
    year = current_start_year(today)
    first = dt.date(year, 9, 1)
    while first.weekday() >= 5:
        first += dt.timedelta(days=1)
    last = today - dt.timedelta(days=1)
    while last.weekday() >= 5:
        last -= dt.timedelta(days=1)
    with transaction.atomic(), connection.cursor() as cursor:
        checks.create_functions(cursor)
        cursor.execute("SELECT count(*) FROM schools_pupil")
        pupils = int(cursor.fetchone()[0])
        # Pupils without a record this year get one, year to date; rolled back at the end. The
        # pupils are listed first: an INSERT whose own NOT EXISTS reads the table it fills, planned
        # when that table was empty, rescans it for every pupil.
        started = time.monotonic()
        params = {"first": first, "last": last, "year_start": dt.date(year, 9, 1)}
        cursor.execute(
            """
            CREATE TEMP TABLE bench_missing ON COMMIT DROP AS
            SELECT p.id, p.current_school_id FROM schools_pupil p
            WHERE p.current_school_id IS NOT NULL AND NOT EXISTS (
                SELECT FROM attendance_attendancerecord a
                WHERE a.pupil_id = p.id AND a.period_end >= %(year_start)s)
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO attendance_attendancerecord (pupil_id, school_id, period_start,
                period_end, possible_sessions, attended_sessions, authorised_absence,
                unauthorised_absence, code_counts)
            SELECT id, current_school_id, %(first)s, %(last)s, possible, attended,
                (possible - attended) / 2, possible - attended - (possible - attended) / 2, '{}'
            FROM (
                SELECT m.id, m.current_school_id, f.possible,
                    f.possible * CASE WHEN h < 40 THEN 20 + h / 2 WHEN h < 180 THEN 80 + h %% 10
                        ELSE 90 + h %% 11 END / 100 AS attended
                FROM bench_missing m
                CROSS JOIN (SELECT 2 * pg_temp.weekdays(%(first)s, %(last)s) AS possible) f
                CROSS JOIN LATERAL (SELECT (m.id * 2654435761) %% 1000 AS h) x
                ORDER BY m.id
            ) s
            """,
            params,
        )
        added = int(cursor.rowcount)
        cursor.execute("ANALYZE attendance_attendancerecord")
        if added:
            say(
                f"  ({added:,} year-to-date records added for the measurement in "
                f"{time.monotonic() - started:.0f} s; rolled back afterwards)"
            )
        started = time.monotonic()
        refreshed = derived.refresh(
            cursor,
            affected=f"(SELECT id AS pupil_id, {int(year)} AS start_year FROM schools_pupil)",  # noqa: S608
            today=today,
        )
        refresh_seconds = time.monotonic() - started
        started = time.monotonic()
        in_queue = queue_members(year).count()
        queue_seconds = time.monotonic() - started
        transaction.set_rollback(True)
    say(
        f"Refresh of the derived figures for {pupils:,} pupils: {refreshed:,} pupil-years in "
        f"{refresh_seconds:.1f} s"
    )
    say(f"  Counting the queue: {in_queue:,} pupils in {queue_seconds:.1f} s")
    say(f"  Together: {refresh_seconds + queue_seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE attendance_attendancerecord, attendance_pupilattendance")


def flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default) not in {"", "0", "no", "false"}


def main() -> None:
    database = check_database()
    say(f"Database {database}; PostgreSQL work_mem and friends as configured (stock here)")
    user, school_ids = ensure_user_and_schools()
    clean_up(user)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as work:
            if flag("BENCH_IMPORT_1M", "1"):
                bench_import(user, school_ids, Path(work))
                clean_up(user)
            if flag("BENCH_IMPORT_9M"):
                bench_import_9m(user, Path(work))
                clean_up(user)
            else:
                say("Peak memory for 9,000,000 rows: skipped (set BENCH_IMPORT_9M=1; slow)")
    finally:
        clean_up(user)
        drop_schools()
    if flag("BENCH_REFRESH_9M"):
        bench_refresh_all(dt.date.today())  # noqa: DTZ011
    else:
        say("Refresh for every pupil: skipped (set BENCH_REFRESH_9M=1 after seeding national)")


if __name__ == "__main__":
    main()
