"""Year-to-date figures per pupil, recomputed for the pupils an import touched.

Stored in attendance_pupilattendance so that lists, the identification queue, the at-risk list
and dashboards read one row per pupil instead of aggregating raw records on every page.
"""

import datetime
from typing import Any

from django.conf import settings

from attendance.thresholds import sql_number
from schools.models import Term

REFRESH = """
WITH recs AS (
    SELECT a.pupil_id, af.start_year, a.school_id, a.period_start, a.period_end,
        a.possible_sessions AS p, a.attended_sessions AS att,
        coalesce((a.code_counts ->> 'C2')::int, 0) AS c2, coalesce(a.suspensions, 0) AS susp,
        sum(a.possible_sessions) OVER w AS cum_p, sum(a.attended_sessions) OVER w AS cum_a
    FROM {affected} af
    JOIN {records} a ON a.pupil_id = af.pupil_id
        AND a.period_start >= make_date(af.start_year, 9, 1)
        AND a.period_end <= make_date(af.start_year + 1, 8, 31)
    WINDOW w AS (PARTITION BY a.pupil_id, af.start_year
                 ORDER BY a.period_end, a.period_start ROWS UNBOUNDED PRECEDING)
), marked AS (
    SELECT *,
        cum_p > 0 AND cum_a * 100 <= (100 - %(severe)s) * cum_p AS severe_now,
        lag(cum_p > 0 AND cum_a * 100 <= (100 - %(severe)s) * cum_p) OVER w AS severe_before,
        max(period_end) OVER whole AS latest_end,
        last_value(school_id) OVER whole AS latest_school
    FROM recs
    -- The same order as recs, so one sort serves every window here and the grouping below.
    WINDOW w AS (PARTITION BY pupil_id, start_year ORDER BY period_end, period_start),
        whole AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), per_pupil AS (
    -- No aggregate here sorts its own input (array_agg(... ORDER BY ...) costs a sort per
    -- pupil): the latest school comes from the window above, and the latest period that
    -- crossed the line is the greatest [period_end, period_start] among those that did.
    SELECT pupil_id, start_year, sum(p) AS possible, sum(att) AS attended,
        max(period_end) AS latest_end,
        max(latest_school) AS school_id,
        (max(ARRAY[period_end, period_start])
            FILTER (WHERE severe_now AND NOT coalesce(severe_before, false)))[2] AS severe_start,
        (max(ARRAY[period_end, period_start])
            FILTER (WHERE severe_now AND NOT coalesce(severe_before, false)))[1] AS severe_end,
        coalesce(sum(p) FILTER (WHERE period_end > latest_end - %(recent_days)s), 0) AS recent_p,
        coalesce(sum(att) FILTER (WHERE period_end > latest_end - %(recent_days)s), 0) AS recent_a,
        sum(c2) AS c2, sum(susp) AS susp
    FROM marked GROUP BY pupil_id, start_year
), figures AS (
    SELECT pp.*,
        pp.possible > 0 AND pp.attended * 100 <= (100 - %(severe)s) * pp.possible AS severe,
        pp.possible > 0 AND pp.attended * 100 <= (100 - %(persistent)s) * pp.possible
            AS persistent,
        CASE WHEN pp.recent_p > 0 THEN 100.0 * pp.recent_a / pp.recent_p END AS recent_rate,
        -- Sessions left in the current term: two a weekday after the latest record (or today).
        CASE WHEN pp.start_year = %(term_year)s
            THEN 2 * pg_temp.weekdays(greatest(pp.latest_end + 1, %(today)s), %(term_end)s)
        END AS remaining
    FROM per_pupil pp
), projected AS (
    SELECT f.*,
        CASE WHEN f.remaining IS NOT NULL AND f.possible + f.remaining > 0
            THEN 100.0 * (f.attended + coalesce(f.recent_rate, 100.0 * f.attended
                / nullif(f.possible, 0), 100) / 100 * f.remaining) / (f.possible + f.remaining)
        END AS projection
    FROM figures f
)
INSERT INTO attendance_pupilattendance AS pa (pupil_id, start_year, school_id,
    possible_sessions, attended_sessions, attendance_rate, is_persistently_absent,
    is_severely_absent, latest_period_end, severe_from_start, severe_from_end, recent_possible,
    recent_attended, recent_rate, projected_rate, is_at_risk, c2_sessions, suspensions,
    refreshed_at)
SELECT pupil_id, start_year, school_id, possible, attended,
    CASE WHEN possible > 0 THEN round(100.0 * attended / possible, 2) ELSE 100 END,
    persistent, severe, latest_end,
    CASE WHEN severe THEN severe_start END, CASE WHEN severe THEN severe_end END,
    recent_p, recent_a, round(recent_rate, 2), round(projection, 2),
    NOT severe AND projection IS NOT NULL AND projection <= 100 - %(severe)s,
    c2, susp, now()
FROM projected
ON CONFLICT (pupil_id, start_year) DO UPDATE SET
    school_id = EXCLUDED.school_id,
    possible_sessions = EXCLUDED.possible_sessions,
    attended_sessions = EXCLUDED.attended_sessions,
    attendance_rate = EXCLUDED.attendance_rate,
    is_persistently_absent = EXCLUDED.is_persistently_absent,
    is_severely_absent = EXCLUDED.is_severely_absent,
    latest_period_end = EXCLUDED.latest_period_end,
    severe_from_start = CASE WHEN pa.is_severely_absent AND EXCLUDED.is_severely_absent
        THEN pa.severe_from_start ELSE EXCLUDED.severe_from_start END,
    severe_from_end = CASE WHEN pa.is_severely_absent AND EXCLUDED.is_severely_absent
        THEN pa.severe_from_end ELSE EXCLUDED.severe_from_end END,
    recent_possible = EXCLUDED.recent_possible,
    recent_attended = EXCLUDED.recent_attended,
    recent_rate = EXCLUDED.recent_rate,
    projected_rate = EXCLUDED.projected_rate,
    is_at_risk = EXCLUDED.is_at_risk,
    c2_sessions = EXCLUDED.c2_sessions,
    suspensions = EXCLUDED.suspensions,
    refreshed_at = EXCLUDED.refreshed_at
"""


RECORDS = "attendance_attendancerecord"
# The columns of a record the figures read: what a `records` subquery must give.
FIGURE_COLUMNS = (
    "pupil_id, school_id, period_start, period_end, possible_sessions, attended_sessions, "
    "code_counts, suspensions"
)


def refresh(
    cursor: Any, *, affected: str, today: datetime.date | None = None, records: str = RECORDS
) -> int:
    """Recompute the figures of the (pupil_id, start_year) pairs that `affected` names.

    `affected` is a table or a parenthesised subquery with those two columns. `records` is where
    their attendance records are read from: the stored records, or a parenthesised subquery
    giving the same rows with the columns the figures need.
    """
    today = today or datetime.date.today()  # noqa: DTZ011 - callers pass the local date
    term = Term.objects.current(today)
    cursor.execute(
        REFRESH.format(affected=affected, records=records),
        {
            "severe": sql_number(settings.SEVERE_ABSENCE_THRESHOLD),
            "persistent": sql_number(settings.PERSISTENT_ABSENCE_THRESHOLD),
            "recent_days": int(settings.AT_RISK_RECENT_DAYS),
            "today": today,
            "term_year": term.academic_year.start_year if term and term.ends_on >= today else None,
            "term_end": term.ends_on if term else today,
        },
    )
    return int(cursor.rowcount)
