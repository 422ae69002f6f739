"""Every rule of the attendance-import spec, as set-based SQL over the staging table.

Row rules run in one pass (an array of every rule's message per row); rules across rows and
against stored data run as joins. Each failure becomes an ImportProblem naming the row, the column, the
value and the reason. Nothing here writes anything but problems.
"""

import datetime
from typing import Any

from attendance.codes import CODES, TOTAL_FOR_CATEGORY
from attendance.imports.columns import COLUMNS, COUNT_COLUMNS, FLAG_COLUMNS
from attendance.imports.reading import STAGING

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _char_value(position: int) -> str:
    char = f"substr(u, {position}, 1)"
    if position == 13:  # a temporary UPN has a letter here, valued by its place in ALPHABET
        return f"(CASE WHEN {char} ~ '[0-9]' THEN ascii({char}) - 48 ELSE strpos('{ALPHABET}', {char}) - 1 END)"
    return f"(ascii({char}) - 48)"


_UPN_SUM = " + ".join(f"{p} * {_char_value(p)}" for p in range(2, 14))

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pg_temp.safe_date(y int, m int, d int) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN y BETWEEN 1900 AND 2200 AND m BETWEEN 1 AND 12 AND d >= 1
        AND d <= extract(day FROM make_date(y, m, 1) + interval '1 month - 1 day')
        THEN make_date(y, m, d) END
$$;
CREATE OR REPLACE FUNCTION pg_temp.parse_date(v text) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN v ~ '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}$' THEN pg_temp.safe_date(
            split_part(v, '-', 1)::int, split_part(v, '-', 2)::int, split_part(v, '-', 3)::int)
        WHEN v ~ '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}$' THEN pg_temp.safe_date(
            split_part(v, '/', 3)::int, split_part(v, '/', 2)::int, split_part(v, '/', 1)::int)
    END
$$;
-- 1 to 7 of the digits 0-9 (what ^\\d{{1,7}}$ matches), tested without a regular expression: a
-- third of the time, and it runs for every count of every row.
CREATE OR REPLACE FUNCTION pg_temp.parse_count(v text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(v) BETWEEN 1 AND 7 AND ltrim(v, '0123456789') = '' THEN v::integer END
$$;
CREATE OR REPLACE FUNCTION pg_temp.upn_check_letter(u text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substr('{ALPHABET}', (({_UPN_SUM}) % 23) + 1, 1)
$$;
CREATE OR REPLACE FUNCTION pg_temp.academic_year(d date) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN extract(month FROM d) >= 9 THEN extract(year FROM d)::int
        ELSE extract(year FROM d)::int - 1 END
$$;
-- Weekdays from a to b inclusive, by arithmetic: f(n) counts weekdays in the first n days of a
-- Monday-started week sequence.
CREATE OR REPLACE FUNCTION pg_temp.weekdays(a date, b date) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN b < a THEN 0 ELSE
        ((b - a + 1) / 7) * 5
        + (((extract(isodow FROM a)::int - 1 + (b - a + 1) % 7) / 7) * 5
           + least((extract(isodow FROM a)::int - 1 + (b - a + 1) % 7) % 7, 5))
        - least(extract(isodow FROM a)::int - 1, 5)
    END
$$;
"""


def create_functions(cursor: Any) -> None:
    cursor.execute(FUNCTIONS)


def complete_staging(cursor: Any, present: list[str], codes: dict[str, str]) -> None:
    """Give the staging table every known column, so the checks need not ask which exist."""
    for column in COLUMNS:
        if column.name not in present:
            cursor.execute(f'ALTER TABLE {STAGING} ADD COLUMN "{column.name}" text')


def typed_table(cursor: Any, codes: dict[str, str]) -> None:
    """import_typed: the staging rows with dates and counts parsed (NULL where they cannot be)."""
    # {"C2": 4, "I": 1}: codes with a count above 0. Written as text and cast, which takes half
    # the time of jsonb_strip_nulls(jsonb_build_object(...)); the codes are our own names.
    code_pairs = ", ".join(
        f'\'"{code}":\' || nullif(pg_temp.parse_count(r."{column}"), 0)'
        for column, code in sorted(codes.items())
    )
    code_json = f"('{{' || concat_ws(',', {code_pairs}) || '}}')::jsonb" if codes else "'{}'::jsonb"
    flags = ", ".join(f'upper(r."{flag}") AS "{flag}"' for flag in FLAG_COLUMNS)
    # A file has few distinct dates (a handful of periods, a few thousand birthdays), and parsing
    # one is dearer than looking it up: each distinct text is parsed once.
    cursor.execute(
        f"""
        CREATE TEMP TABLE import_dates ON COMMIT DROP AS
        SELECT v AS text, pg_temp.parse_date(v) AS date
        FROM (SELECT DISTINCT unnest(ARRAY[period_start, period_end, date_of_birth]) AS v
              FROM {STAGING}) d
        WHERE v IS NOT NULL
        """
    )
    # With statistics the planner looks each row's three dates up in a hash of the few distinct
    # dates; without them it guessed the two tables' sizes wrong and sorted the whole file twice.
    cursor.execute("ANALYZE import_dates")
    cursor.execute(
        f"""
        CREATE TEMP TABLE import_typed ON COMMIT DROP AS
        SELECT r.row_number, r.school_urn, upper(r.upn) AS upn,
            r.family_name, r.given_name, born.date AS date_of_birth,
            upper(r.year_group) AS year_group,
            first_day.date AS period_start,
            last_day.date AS period_end,
            pg_temp.parse_count(r.possible_sessions) AS possible_sessions,
            pg_temp.parse_count(r.attended_sessions) AS attended_sessions,
            pg_temp.parse_count(r.authorised_absence) AS authorised_absence,
            pg_temp.parse_count(r.unauthorised_absence) AS unauthorised_absence,
            {code_json} AS code_counts,
            pg_temp.parse_count(r.suspensions) AS suspensions,
            upper(r.sen) AS sen, {flags}
        FROM {STAGING} r
        LEFT JOIN import_dates born ON born.text = r.date_of_birth
        LEFT JOIN import_dates first_day ON first_day.text = r.period_start
        LEFT JOIN import_dates last_day ON last_day.text = r.period_end
        """
    )
    cursor.execute("ANALYZE import_typed")


def _row_checks(codes: dict[str, str]) -> list[tuple[str, str, str]]:
    """(column, raw value expression, message expression or NULL) for each row rule."""
    year_groups = "'N1','N2','R'," + ",".join(f"'{n}'" for n in range(1, 15))
    checks = [
        (
            "school_urn",
            "r.school_urn",
            "CASE WHEN r.school_urn IS NULL THEN 'Enter the school’s URN' WHEN r.school_urn !~ '^\\d{6}$' THEN 'Enter a URN of exactly 6 digits' END",
        ),
        (
            "upn",
            "r.upn",
            "CASE WHEN r.upn IS NULL THEN 'Enter the pupil’s UPN' ELSE n.problem END",
        ),
        (
            "family_name",
            "r.family_name",
            "CASE WHEN length(r.family_name) > 100 THEN 'A family name must be 100 characters or fewer' END",
        ),
        (
            "given_name",
            "r.given_name",
            "CASE WHEN length(r.given_name) > 100 THEN 'A given name must be 100 characters or fewer' END",
        ),
        (
            "date_of_birth",
            "r.date_of_birth",
            "CASE WHEN r.date_of_birth IS NOT NULL AND t.date_of_birth IS NULL THEN 'Enter a real date of birth as YYYY-MM-DD or DD/MM/YYYY' WHEN t.date_of_birth > %(today)s THEN 'The date of birth is in the future' END",
        ),
        (
            "year_group",
            "r.year_group",
            f"CASE WHEN t.year_group IS NOT NULL AND t.year_group NOT IN ({year_groups}) THEN 'A year group is N1, N2, R or 1 to 14' END",
        ),
    ]
    for column, label in (("period_start", "first"), ("period_end", "last")):
        checks.append(
            (
                column,
                f"r.{column}",
                f"CASE WHEN r.{column} IS NULL THEN 'Enter the period’s {label} day' WHEN t.{column} IS NULL THEN 'Enter a real date as YYYY-MM-DD or DD/MM/YYYY' END",
            )
        )
    checks += [
        (
            "period_end",
            "r.period_end",
            "CASE WHEN t.period_end < t.period_start THEN 'The period ends before it starts' WHEN t.period_end > %(today)s THEN 'The period ends in the future: attendance can only be imported for days that have passed' WHEN pg_temp.academic_year(t.period_start) <> pg_temp.academic_year(t.period_end) THEN 'The period crosses 31 August: split it at the end of the academic year' END",
        ),
    ]
    for column in (*COUNT_COLUMNS, *codes, "suspensions"):
        required = column in COUNT_COLUMNS
        missing = (
            f"WHEN r.\"{column}\" IS NULL THEN 'Enter a number of sessions' " if required else ""
        )
        # import_typed holds each count parsed, except the codes (gathered into code_counts).
        parsed = f'pg_temp.parse_count(r."{column}")' if column in codes else f't."{column}"'
        checks.append(
            (
                column,
                f'r."{column}"',
                f"CASE {missing}WHEN r.\"{column}\" IS NOT NULL AND {parsed} IS NULL THEN 'Enter a whole number, 0 or more' END",
            )
        )
    checks += [
        (
            "possible_sessions",
            "r.possible_sessions",
            "CASE WHEN t.possible_sessions > 2 * pg_temp.weekdays(t.period_start, t.period_end) THEN 'More than two sessions a weekday: the period has ' || pg_temp.weekdays(t.period_start, t.period_end) || ' weekdays, so at most ' || 2 * pg_temp.weekdays(t.period_start, t.period_end) || ' possible sessions' END",
        ),
        (
            "possible_sessions",
            "r.possible_sessions",
            "CASE WHEN t.attended_sessions + t.authorised_absence + t.unauthorised_absence <> t.possible_sessions THEN 'Attended (' || t.attended_sessions || ') + authorised (' || t.authorised_absence || ') + unauthorised (' || t.unauthorised_absence || ') = ' || (t.attended_sessions + t.authorised_absence + t.unauthorised_absence) || ', not the ' || t.possible_sessions || ' possible sessions' END",
        ),
        (
            "sen",
            "r.sen",
            "CASE WHEN t.sen IS NOT NULL AND t.sen NOT IN ('N', 'K', 'E') THEN 'SEN status is N (none), K (SEN support) or E (EHC plan)' END",
        ),
    ]
    for flag in FLAG_COLUMNS:
        checks.append(
            (
                flag,
                f'r."{flag}"',
                f"CASE WHEN t.\"{flag}\" IS NOT NULL AND t.\"{flag}\" NOT IN ('Y', 'N') THEN 'Enter Y, N or leave it empty' END",
            )
        )
    by_total: dict[str, list[str]] = {}
    for column, code in codes.items():
        by_total.setdefault(TOTAL_FOR_CATEGORY[CODES[code]], []).append(column)
    for total, columns in sorted(by_total.items()):
        summed = " + ".join(f'coalesce(pg_temp.parse_count(r."{c}"), 0)' for c in columns)
        names = ", ".join(f"code_{codes[c]}" for c in columns)
        checks.append(
            (
                total,
                f'r."{total}"',
                f"CASE WHEN ({summed}) > t.\"{total}\" THEN 'The sessions in {names} add up to ' || ({summed}) || ', more than {total} (' || t.\"{total}\" || ')' END",
            )
        )
    return checks


# What each UPN in the file has, worked out once per UPN rather than once per row: the UPN's own
# problem (its length, shape and check letter), whether any of its rows gives a name and a date of
# birth, whether its rows disagree on the date of birth, and whether two of its periods might
# overlap or repeat. The last is a cheap sieve (any period starting on or before the latest end
# among the periods before it, or equal to the one before it): the exact checks of rules 6 and 7
# then look only at the UPNs it lets through, usually none. Sorting by UPN in the "C" collation
# is bytewise (a UPN is ASCII), and several times quicker than the database's default.
UPNS = f"""
CREATE TEMP TABLE import_upns ON COMMIT DROP AS
SELECT upn,
    CASE WHEN length(upn) <> 13 THEN 'A UPN is 13 characters; this has ' || length(upn)
        WHEN upn !~ '^[{ALPHABET}][0-9]{{11}}[0-9{ALPHABET}]$' THEN 'A UPN is a letter, 11 digits and a digit or letter (never I, O or S)'
        WHEN pg_temp.upn_check_letter(upn) <> substr(upn, 1, 1) THEN 'The UPN’s check letter is wrong: it should be ' || pg_temp.upn_check_letter(upn) || ', not ' || substr(upn, 1, 1) || '. Check the UPN was copied correctly'
    END AS problem,
    bool_or(family_name IS NOT NULL) AS has_family_name,
    bool_or(given_name IS NOT NULL) AS has_given_name,
    bool_or(date_of_birth IS NOT NULL) AS has_date_of_birth,
    coalesce(min(date_of_birth) <> max(date_of_birth), false) AS births_differ,
    coalesce(bool_or(previous_end >= period_start OR same_as_previous), false)
        AS periods_may_clash
FROM (
    SELECT upn, family_name, given_name, date_of_birth, period_start,
        max(period_end) OVER earlier AS previous_end,
        (period_start, period_end) = (lag(period_start) OVER ordered, lag(period_end) OVER ordered)
            AS same_as_previous
    FROM import_typed WHERE upn IS NOT NULL
    WINDOW ordered AS (PARTITION BY upn COLLATE "C" ORDER BY period_start, period_end),
        earlier AS (ordered ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
) t
GROUP BY upn
"""

INSERT_PROBLEM = """
INSERT INTO attendance_importproblem (attendance_import_id, row_number, "column", value, message, kind)
"""


def run_checks(
    cursor: Any,
    *,
    import_id: int,
    codes: dict[str, str],
    school_ids: list[int] | None,
    today: datetime.date,
) -> int:
    """Record every problem in the staged file; return how many errors were found."""
    params = {"import_id": import_id, "today": today, "school_ids": school_ids}
    cursor.execute(UPNS)
    cursor.execute("ANALYZE import_upns")
    row_checks = _row_checks(codes)
    columns = ", ".join(f"'{column}'" for column, _, _ in row_checks)
    values = ", ".join(value for _, value, _ in row_checks)
    messages = ",\n".join(message for _, _, message in row_checks)
    # Every rule's message for a row (NULL where it passes) is computed once, into one array;
    # only a row with a message is unnested into problems. OFFSET 0 keeps the array from being
    # copied into both places that read it. (A LATERAL VALUES list of the rules cost six times
    # as much: PostgreSQL prepares a VALUES row's expressions again for every row it joins.)
    cursor.execute(
        INSERT_PROBLEM
        + f"""
        SELECT %(import_id)s, r.row_number, e.col, left(coalesce(e.val, ''), 200), e.msg, 'error'
        FROM (
            SELECT r.*, ARRAY[{messages}] AS messages
            FROM {STAGING} r JOIN import_typed t USING (row_number)
            LEFT JOIN import_upns n ON n.upn = t.upn
            OFFSET 0
        ) r
        CROSS JOIN LATERAL unnest(ARRAY[{columns}], ARRAY[{values}], r.messages)
            AS e(col, val, msg)
        WHERE num_nonnulls(VARIADIC r.messages) > 0 AND e.msg IS NOT NULL
        """,
        params,
    )
    for statement in CROSS_ROW_CHECKS:
        if "%(school_ids)s" in statement and school_ids is None:
            continue  # an administrator may import for any school
        cursor.execute(INSERT_PROBLEM + statement, params)
    cursor.execute(
        "SELECT count(*) FROM attendance_importproblem WHERE attendance_import_id = %s AND kind = 'error'",
        [import_id],
    )
    return int(cursor.fetchone()[0])


CROSS_ROW_CHECKS = [
    # Rule 4: the school exists...
    """
    SELECT %(import_id)s, t.row_number, 'school_urn', t.school_urn,
        'There is no school with URN ' || t.school_urn || ' in the service', 'error'
    FROM import_typed t LEFT JOIN schools_school s ON s.urn = t.school_urn
    WHERE t.school_urn ~ '^\\d{6}$' AND s.id IS NULL
    """,
    # ...and the importing user may import for it.
    """
    SELECT %(import_id)s, t.row_number, 'school_urn', t.school_urn,
        'You cannot import for ' || s.name || ' (URN ' || s.urn || '): it is not one of your schools',
        'error'
    FROM import_typed t JOIN schools_school s ON s.urn = t.school_urn
    WHERE NOT (s.id = ANY(%(school_ids)s))
    """,
    # Rule 5: a known UPN whose date of birth differs is never merged into the other child.
    """
    SELECT %(import_id)s, t.row_number, 'date_of_birth', to_char(t.date_of_birth, 'YYYY-MM-DD'),
        'UPN ' || t.upn || ' belongs to a pupil born on ' || to_char(p.date_of_birth, 'DD/MM/YYYY')
        || ', not ' || to_char(t.date_of_birth, 'DD/MM/YYYY')
        || '. Two children must never be merged: check the UPN and the date of birth', 'error'
    FROM import_typed t JOIN schools_pupil p ON p.upn = t.upn
    WHERE t.date_of_birth IS NOT NULL AND p.date_of_birth <> t.date_of_birth
    """,
    # A pupil not yet known needs a name and a date of birth (on at least one of their rows).
    # What each UPN has is worked out once per UPN (import_upns); only the rows of a UPN that
    # lacks something are looked at.
    """
    SELECT %(import_id)s, t.row_number, e.col, '', e.msg, 'error'
    FROM import_upns n
    JOIN import_typed t ON t.upn = n.upn
    JOIN import_rows r USING (row_number)
    CROSS JOIN LATERAL (VALUES
        ('family_name', 'Enter the family name: this UPN is not known yet', n.has_family_name),
        ('given_name', 'Enter the given name: this UPN is not known yet', n.has_given_name),
        ('date_of_birth', 'Enter the date of birth: this UPN is not known yet',
            r.date_of_birth IS NOT NULL OR n.has_date_of_birth)
    ) AS e(col, msg, present)
    WHERE NOT (n.has_family_name AND n.has_given_name AND n.has_date_of_birth)
        AND NOT e.present AND n.upn ~ '^[A-Z][0-9]{11}[0-9A-Z]$'
        AND NOT EXISTS (SELECT 1 FROM schools_pupil p WHERE p.upn = n.upn)
    """,
    # One child, one date of birth, within the file too.
    """
    SELECT %(import_id)s, t.row_number, 'date_of_birth', to_char(t.date_of_birth, 'YYYY-MM-DD'),
        'UPN ' || t.upn || ' has a different date of birth on another row of this file', 'error'
    FROM import_upns n JOIN import_typed t ON t.upn = n.upn
    WHERE n.births_differ AND t.date_of_birth IS NOT NULL
    """,
    # Rule 6: the same UPN and period twice is an error on both rows.
    """
    SELECT %(import_id)s, t.row_number, 'upn', t.upn,
        'The same UPN and period are on rows ' || d.rows, 'error'
    FROM import_typed t JOIN (
        SELECT upn, period_start, period_end,
            string_agg(row_number::text, ', ' ORDER BY row_number) AS rows
        FROM import_typed
        WHERE period_start IS NOT NULL AND period_end IS NOT NULL
            AND upn IN (SELECT upn FROM import_upns WHERE periods_may_clash)
        GROUP BY upn, period_start, period_end HAVING count(*) > 1
    ) d USING (upn, period_start, period_end)
    """,
    # Rule 7: a period overlapping a different stored period would count sessions twice...
    """
    SELECT %(import_id)s, t.row_number, 'period_start', to_char(t.period_start, 'YYYY-MM-DD'),
        'This period overlaps the stored period ' || to_char(a.period_start, 'DD/MM/YYYY')
        || ' to ' || to_char(a.period_end, 'DD/MM/YYYY')
        || ' for this pupil at this school: sessions would be counted twice', 'error'
    FROM import_typed t
    JOIN schools_pupil p ON p.upn = t.upn
    JOIN schools_school s ON s.urn = t.school_urn
    JOIN attendance_attendancerecord a ON a.pupil_id = p.id AND a.school_id = s.id
        AND daterange(a.period_start, a.period_end, '[]') && daterange(t.period_start, t.period_end, '[]')
        AND (a.period_start, a.period_end) <> (t.period_start, t.period_end)
    WHERE t.period_start <= t.period_end
    """,
    # ...and so would two overlapping periods within the file.
    """
    SELECT %(import_id)s, t.row_number, 'period_start', to_char(t.period_start, 'YYYY-MM-DD'),
        'This period overlaps the one on row ' || o.row_number
        || ' for the same pupil and school: sessions would be counted twice', 'error'
    FROM import_upns n
    JOIN import_typed t ON t.upn = n.upn
    JOIN import_typed o
        ON o.upn = t.upn AND o.school_urn = t.school_urn AND o.row_number <> t.row_number
        AND (o.period_start, o.period_end) <> (t.period_start, t.period_end)
        AND daterange(o.period_start, o.period_end, '[]') && daterange(t.period_start, t.period_end, '[]')
    WHERE n.periods_may_clash AND t.period_start <= t.period_end AND o.period_start <= o.period_end
    """,
]
