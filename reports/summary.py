"""Attendance summaries: measures 1–4 kept per school, so that LA-wide figures never aggregate every
pupil's sessions on a page view.

Measures 1–4 judge each pupil on their sessions within the group counted (LA-wide, a phase, a
school…). A pupil who attended one school all year is judged the same in every group that holds
that school, so their figures can be added up per school in advance: AttendanceSummary holds, per
school, year, set of terms (each term, and each year to date) and characteristic, the counts of
those pupils. The few pupils at more than one school in the year (movers) are kept pupil by pupil
in AttendanceDetail and judged when counted, as are the pupils whose own figures other measures
need (severely absent by some term's end, or with C2 sessions).

Database triggers (reports migration 0005) mark a school's year stale whenever its records, or the
characteristics of a pupil with records there, change; `ensure_fresh` brings the stale schools up
to date (and rebuilds a year whose term dates, thresholds or characteristics have changed) before
the figures are read, so they always agree with the records. The import's task refreshes them as
soon as it has finished, so that a page view seldom has to.
"""

# ruff: noqa: S608 - the SQL is assembled from this module's own text, term numbers and the codes in
# definitions.py; every value is bound as a parameter.

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import InternalError, connection, transaction
from django.utils import timezone

from attendance.thresholds import sql_number
from reports.measures import sql
from reports.measures.definitions import CHARACTERISTICS
from schools.models import Term

LOCK_KEY = 851_2031  # one refresh at a time
TEMPORARY = ("summary_changed", "summary_touched", "summary_pupils", "summary_pst", "summary_ps")
VERSION = 1  # raise when what the summaries hold changes
READ_ONLY_TRANSACTION = "25006"


def term_sets(count: int) -> list[int]:
    """The sets of terms kept, as bits: each term alone, and each year to date."""
    singles = [1 << i for i in range(count)]
    prefixes = [(1 << (i + 1)) - 1 for i in range(count)]
    return sorted(set(singles + prefixes))


def windows_of(start_years: list[int]) -> dict[int, list[sql.Window]]:
    ends: dict[int, list[datetime.date]] = {year: [] for year in start_years}
    for year, ends_on in (
        Term.objects.filter(academic_year__start_year__in=start_years)
        .order_by("starts_on")
        .values_list("academic_year__start_year", "ends_on")
    ):
        ends[year].append(ends_on)
    return {year: sql.year_windows(year, each) for year, each in ends.items()}


def built_with(windows: list[sql.Window]) -> dict[str, Any]:
    characteristics = hashlib.sha256(json.dumps(CHARACTERISTICS, sort_keys=True).encode())
    return {
        "version": VERSION,
        "windows": [[w.lo.isoformat(), w.hi.isoformat()] for w in windows],
        "persistent": float(settings.PERSISTENT_ABSENCE_THRESHOLD),
        "severe": float(settings.SEVERE_ABSENCE_THRESHOLD),
        "characteristics": characteristics.hexdigest()[:16],
    }


def _is_current(cursor: Any, years: dict[int, dict[str, Any]]) -> bool:
    cursor.execute(
        """SELECT
            (SELECT count(*) FROM reports_attendancesummaryyear
             WHERE start_year = ANY(%(years)s) AND built_with = ANY(%(wanted)s::jsonb[])),
            EXISTS (SELECT 1 FROM reports_attendancesummarystale
                    WHERE start_year = ANY(%(years)s))""",
        {"years": list(years), "wanted": [json.dumps(b) for b in years.values()]},
    )
    built, stale = cursor.fetchone()
    return bool(built == len(years) and not stale)


def ensure_fresh(start_years: list[int]) -> bool:
    """Bring the summaries of these years up to date with the records (two small queries when
    they are; see the module's docstring). False if they are not and cannot be made so here: in
    a read-only transaction, such as a termly report's snapshot."""
    windows = windows_of(sorted(set(start_years)))
    wanted = {year: built_with(w) for year, w in windows.items() if w}
    if not wanted:
        return True
    with connection.cursor() as cursor:
        if _is_current(cursor, wanted):
            return True
    try:
        _refresh_years(windows, wanted)
    except InternalError as error:
        if getattr(error.__cause__, "sqlstate", None) == READ_ONLY_TRANSACTION:
            return False
        raise
    return True


def _refresh_years(windows: dict[int, list[sql.Window]], wanted: dict[int, dict[str, Any]]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        for year, built in wanted.items():
            cursor.execute(
                "SELECT built_with = %s::jsonb FROM reports_attendancesummaryyear "
                "WHERE start_year = %s",
                [json.dumps(built), year],
            )
            row = cursor.fetchone()
            cursor.execute(
                "DELETE FROM reports_attendancesummarystale WHERE start_year = %s "
                "RETURNING school_id",
                [year],
            )
            stale = sorted({r[0] for r in cursor.fetchall()})
            if row is None or not row[0]:
                refresh(cursor, windows[year], schools=None)
                cursor.execute(
                    """INSERT INTO reports_attendancesummaryyear (start_year, built_with, built_at)
                    VALUES (%s, %s, %s) ON CONFLICT (start_year) DO UPDATE
                    SET built_with = EXCLUDED.built_with, built_at = EXCLUDED.built_at""",
                    [year, json.dumps(built), timezone.now()],
                )
            elif stale:
                # Past a quarter of the schools, one pass over every record is quicker than
                # finding the stale schools' pupils and their other schools.
                cursor.execute("SELECT count(*) FROM schools_school")
                whole = len(stale) * 4 > cursor.fetchone()[0]
                refresh(cursor, windows[year], schools=None if whole else stale)


def _flags() -> str:
    return " + ".join(
        f"CASE WHEN {sql.characteristic_sql(code, 'p')} THEN {1 << i} ELSE 0 END"
        for i, code in enumerate(CHARACTERISTICS)
    )


def _codes(flags: str) -> str:
    cases = ", ".join(
        f"CASE WHEN {flags} & {1 << i} <> 0 THEN '{code}' END"
        for i, code in enumerate(CHARACTERISTICS)
    )
    return f"unnest(ARRAY[''::text, {cases}])"


def _in(terms: int, name: str, row: str = "") -> str:
    """The sum of a per-term column over a set of terms; NULL when every term's is NULL."""
    parts = [f"{row}{name}_{i}" for i in range(3) if terms & (1 << i)]
    if len(parts) == 1:
        return parts[0]
    return (
        f"CASE WHEN {' AND '.join(f'{p} IS NULL' for p in parts)} THEN NULL "
        f"ELSE {' + '.join(f'coalesce({p}, 0)' for p in parts)} END"
    )


def _over(terms: int, threshold: str, row: str = "") -> str:
    poss, att = _in(terms, "poss", row), _in(terms, "att", row)
    return f"coalesce(({poss}) > 0 AND (({poss}) - ({att})) * 100 >= {threshold} * ({poss}), false)"


def refresh(cursor: Any, windows: list[sql.Window], *, schools: list[int] | None) -> None:
    """Rebuild a year's summaries and details: for every school, or for the given schools and any
    other school their changed pupils attend."""
    year = windows[0].start_year
    lo, hi = datetime.date(year, 9, 1), datetime.date(year + 1, 8, 31)
    params: dict[str, Any] = {
        "year": year,
        "lo": lo,
        "hi": hi,
        "schools": schools or [],
        "persistent": sql_number(settings.PERSISTENT_ABSENCE_THRESHOLD),
        "severe": sql_number(settings.SEVERE_ABSENCE_THRESHOLD),
    }
    term = " ".join(
        f"WHEN r.period_end BETWEEN '{w.lo.isoformat()}'::date AND '{w.hi.isoformat()}'::date "
        f"THEN {w.ord}"
        for w in windows
    )
    for table in TEMPORARY:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
    if schools is None:
        pupils = ""
    else:
        # Pupils whose figures may have changed: those with records at the stale schools, or
        # kept in detail there before (their records there may be gone). Then every pupil of
        # every school they attend: those schools' summaries are rebuilt whole.
        cursor.execute(
            """CREATE TEMP TABLE summary_changed AS
            SELECT r.pupil_id FROM attendance_attendancerecord r
            WHERE r.school_id = ANY(%(schools)s) AND r.period_end BETWEEN %(lo)s AND %(hi)s
            UNION
            SELECT d.pupil_id FROM reports_attendancedetail d
            WHERE d.start_year = %(year)s AND d.school_id = ANY(%(schools)s)""",
            params,
        )
        cursor.execute(
            """CREATE TEMP TABLE summary_touched AS
            SELECT unnest(%(schools)s::bigint[]) AS school_id
            UNION
            SELECT r.school_id FROM attendance_attendancerecord r
            JOIN summary_changed USING (pupil_id)
            WHERE r.period_end BETWEEN %(lo)s AND %(hi)s
            UNION
            SELECT d.school_id FROM reports_attendancedetail d JOIN summary_changed USING (pupil_id)
            WHERE d.start_year = %(year)s""",
            params,
        )
        cursor.execute(
            """CREATE TEMP TABLE summary_pupils AS
            SELECT pupil_id FROM summary_changed
            UNION
            SELECT r.pupil_id FROM attendance_attendancerecord r
            JOIN summary_touched USING (school_id)
            WHERE r.period_end BETWEEN %(lo)s AND %(hi)s""",
            params,
        )
        cursor.execute("CREATE INDEX ON summary_pupils (pupil_id)")
        cursor.execute("ANALYZE summary_pupils")
        pupils = "JOIN summary_pupils USING (pupil_id)"
    cursor.execute(
        f"""CREATE TEMP TABLE summary_pst AS
        SELECT r.pupil_id, r.school_id, CASE {term} END AS term,
            sum(r.possible_sessions)::int AS poss, sum(r.attended_sessions)::int AS att,
            sum(r.suspensions)::int AS susp, count(r.suspensions)::int AS srec,
            sum(coalesce((r.code_counts ->> 'C2')::int, 0))::int AS c2
        FROM attendance_attendancerecord r {pupils}
        WHERE r.period_end BETWEEN %(lo)s AND %(hi)s AND r.period_start >= %(lo)s
            AND CASE {term} END IS NOT NULL
        GROUP BY 1, 2, 3""",
        params,
    )
    count = len(windows)
    wide = ", ".join(
        f"sum({name}) FILTER (WHERE term = {i}) AS {name}_{i}"
        for i in range(3)
        for name in ("poss", "att", "susp", "srec", "c2")
    )
    severe_by_some_end = " OR ".join(
        _over((1 << (i + 1)) - 1, "%(severe)s", "ps.") for i in range(count)
    )
    cursor.execute(
        f"""CREATE TEMP TABLE summary_ps AS
        SELECT x.*, count(*) OVER (PARTITION BY x.pupil_id) > 1 AS mover
        FROM (SELECT pupil_id, school_id, {wide} FROM summary_pst GROUP BY 1, 2) AS x""",
        params,
    )
    # Temporary tables have no statistics until analysed: without them the joins below are
    # planned for a handful of rows.
    cursor.execute("ANALYZE summary_pst")
    cursor.execute("ANALYZE summary_ps")
    mine = "" if schools is None else "AND pupil_id IN (SELECT pupil_id FROM summary_pupils)"
    cursor.execute(
        f"DELETE FROM reports_attendancedetail WHERE start_year = %(year)s {mine}", params
    )
    cursor.execute(
        f"""INSERT INTO reports_attendancedetail (start_year, term, pupil_id, school_id, mover,
            possible, attended, suspensions, suspension_records, c2)
        SELECT %(year)s, st.term, st.pupil_id, st.school_id, ps.mover, st.poss, st.att, st.susp,
            st.srec, st.c2
        FROM summary_pst st JOIN summary_ps ps USING (pupil_id, school_id)
        -- A pupil at one school has one row here, so the row's figures are the pupil's.
        WHERE ps.mover OR coalesce(ps.c2_0, 0) + coalesce(ps.c2_1, 0) + coalesce(ps.c2_2, 0) > 0
            OR {severe_by_some_end}""",
        params,
    )
    sets = term_sets(count)
    figures = []
    for t in sets:
        poss, att, susp, srec = (_in(t, n) for n in ("poss", "att", "susp", "srec"))
        figures.append(
            f"count({poss}) AS recorded_{t}, count(*) FILTER (WHERE ({poss}) > 0) AS pupils_{t}, "
            f"sum(({poss}) - ({att})) AS absent_{t}, sum({poss}) AS possible_{t}, "
            f"count(*) FILTER (WHERE {_over(t, '%(persistent)s')}) AS persistent_{t}, "
            f"count(*) FILTER (WHERE {_over(t, '%(severe)s')}) AS severe_{t}, "
            f"coalesce(sum({susp}) FILTER (WHERE ({srec}) > 0), 0) AS suspensions_{t}, "
            f"count(*) FILTER (WHERE ({srec}) > 0) AS suspended_{t}"
        )
    names = ("recorded", "pupils", "absent", "possible", "persistent", "severe", "suspensions",
             "suspended")  # fmt: skip
    values = ", ".join(f"({t}, {', '.join(f'g.{n}_{t}' for n in names)})" for t in sets)
    which = "" if schools is None else "AND school_id IN (SELECT school_id FROM summary_touched)"
    cursor.execute(
        f"DELETE FROM reports_attendancesummary WHERE start_year = %(year)s {which}", params
    )
    cursor.execute(
        f"""INSERT INTO reports_attendancesummary (start_year, school_id, terms, characteristic,
            {", ".join(names)})
        SELECT %(year)s, g.school_id, t.terms, c.code, {", ".join(f"sum(t.{n})" for n in names)}
        FROM (
            SELECT ps.school_id, {_flags()} AS flags, {", ".join(figures)}
            FROM summary_ps ps JOIN schools_pupil p ON p.id = ps.pupil_id
            WHERE NOT ps.mover {which.replace("AND school_id", "AND ps.school_id")}
            GROUP BY 1, 2
        ) AS g
        CROSS JOIN LATERAL (VALUES {values}) AS t(terms, {", ".join(names)})
        CROSS JOIN LATERAL {_codes("g.flags")} AS c(code)
        WHERE t.recorded > 0 AND c.code IS NOT NULL
        GROUP BY g.school_id, t.terms, c.code""",
        params,
    )
    for table in TEMPORARY:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")


def refresh_stale() -> list[int]:
    """Bring up to date every year with a stale school (after an import): the years done."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT start_year FROM reports_attendancesummarystale ORDER BY start_year"
        )
        years = [row[0] for row in cursor.fetchall()]
    if not years:
        return []
    # A year without terms is never reported on: its summaries are neither kept nor read.
    termed = [year for year, windows in windows_of(years).items() if windows]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reports_attendancesummarystale WHERE NOT start_year = ANY(%s)", [termed]
        )
    ensure_fresh(termed)
    return termed
