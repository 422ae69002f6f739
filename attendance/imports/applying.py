"""Write a checked file: new and changed pupils, school moves, and attendance records.

Everything is set-based SQL from the typed staging table. A row whose figures equal the stored
ones is not rewritten, so importing the same file again writes nothing.
"""

from typing import Any

from attendance.imports.columns import FLAG_COLUMNS
from attendance.imports.derived import FIGURE_COLUMNS

FLAG_FIELDS = {
    "fsm": "free_school_meals",
    "eal": "english_additional_language",
    "cla": "looked_after",
    "cin": "child_in_need",
    "cp": "child_protection_plan",
    "young_carer": "young_carer",
}
assert set(FLAG_FIELDS) == set(FLAG_COLUMNS)  # noqa: S101 - import-time consistency check


# The history (pghistory) of the two inserts an import makes in bulk, new pupils and their first
# enrolments, is written set-based: the row triggers are skipped for those two statements (named
# in pgtrigger.ignore for the statement only) and the same event rows are inserted by one
# INSERT … SELECT from the rows just written, with the same context. A row trigger costs about
# 70 µs a row (two subtransactions and a context upsert each), 20 s for 143,000 new pupils.
BULK_HISTORY = {
    "schools_pupil": "schools_pupilevent",
    "schools_enrolment": "schools_enrolmentevent",
}


def _event_columns(cursor: Any, event_table: str) -> list[str]:
    """The tracked columns of a history table: every column but pghistory's own."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s AND column_name NOT LIKE 'pgh\\_%%' "
        "ORDER BY ordinal_position",
        [event_table],
    )
    return [row[0] for row in cursor.fetchall()]


def _insert_trigger(cursor: Any, table: str) -> str:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND tgname LIKE 'pgtrigger\\_insert\\_insert\\_%%'",
        [table],
    )
    return str(cursor.fetchone()[0])


def _insert_with_history(cursor: Any, table: str, insert: str, then: str) -> int:
    """Run `insert` (an INSERT … RETURNING *) with its history written set-based.

    `then` is a statement over the CTE `inserted` (the rows written); its rowcount is returned.
    """
    event_table = BULK_HISTORY[table]
    columns = _event_columns(cursor, event_table)
    trigger = _insert_trigger(cursor, table)
    cursor.execute("SELECT _pgh_attach_context()")  # the import's context, once
    context_id = cursor.fetchone()[0]
    cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
    ignored = cursor.fetchone()[0] or "{}"
    cursor.execute(
        "SELECT set_config('pgtrigger.ignore', array_append(%s::text[], %s)::text, true)",
        [ignored, trigger],
    )
    try:
        listed = ", ".join(f'"{column}"' for column in columns)
        cursor.execute(
            f"""
            WITH inserted AS ({insert}),
            history AS (
                INSERT INTO {event_table} ({listed}, pgh_context_id, pgh_created_at, pgh_label,
                    pgh_obj_id)
                SELECT {listed}, %(context)s, now(), 'insert', id FROM inserted
            )
            {then}
            """,
            {"context": context_id},
        )
        return int(cursor.rowcount)
    finally:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [ignored])


def _one(cursor: Any, query: str, params: dict[str, Any] | None = None) -> int:
    cursor.execute(query, params or {})
    row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def apply_rows(cursor: Any, *, import_id: int, present: list[str]) -> dict[str, int]:
    """Apply the typed staging rows; return the counts the summary shows."""
    params = {"import_id": import_id}
    # Pupils first, once per UPN; then every row with its pupil and school, in one pass (no
    # second pass over the rows to fill in the new pupils' ids).
    _latest_pupil_details(cursor, present)
    counts = {"new_pupils": _insert_new_pupils(cursor)}
    cursor.execute(
        """
        CREATE TEMP TABLE import_resolved ON COMMIT DROP AS
        SELECT t.row_number, l.pupil_id, s.id AS school_id, t.period_start, t.period_end,
            t.possible_sessions, t.attended_sessions, t.authorised_absence,
            t.unauthorised_absence, t.code_counts, t.suspensions, l.is_new AS is_new_pupil
        FROM import_typed t
        JOIN schools_school s ON s.urn = t.school_urn
        JOIN import_pupils l ON l.upn = t.upn
        """
    )
    cursor.execute("ANALYZE import_resolved")
    counts["changed_pupils"] = _update_changed_pupils(cursor, params)
    counts["moved_pupils"] = _record_moves(cursor)
    counts.update(_upsert_records(cursor, params))
    return counts


DETAILS = ("given_name", "family_name", "date_of_birth", "year_group", "sen", *FLAG_FIELDS)


def _latest_pupil_details(cursor: Any, present: list[str]) -> None:
    """Per UPN, the most recent value the file gives for each detail (empty cells ignored).

    Most files fill every detail on every row, so each UPN's latest row is taken in one sort;
    only the UPNs whose latest row leaves a detail empty are then looked at again, column by
    column. (Taking every column's latest value for every UPN cost a sort per column.)
    """
    details = ", ".join(f"t.{col}" for col in DETAILS)
    cursor.execute(
        f"""
        CREATE TEMP TABLE import_pupils ON COMMIT DROP AS
        SELECT l.*, p.id AS pupil_id, p.id IS NULL AS is_new
        FROM (
            SELECT DISTINCT ON (t.upn COLLATE "C") t.upn, s.id AS school_id,
                max(t.row_number) OVER latest_first AS row_number,
                {details}
            FROM import_typed t JOIN schools_school s ON s.urn = t.school_urn
            -- The window is ordered as DISTINCT ON needs, so one sort of the file serves both.
            WINDOW latest_first AS (PARTITION BY t.upn COLLATE "C"
                ORDER BY t.period_end DESC, t.row_number DESC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
            ORDER BY t.upn COLLATE "C", t.period_end DESC, t.row_number DESC
        ) l
        LEFT JOIN schools_pupil p ON p.upn = l.upn
        """
    )
    cursor.execute("ANALYZE import_pupils")
    latest = ",\n".join(
        f"(array_agg({col} ORDER BY period_end DESC, row_number DESC) "
        f"FILTER (WHERE {col} IS NOT NULL))[1] AS {col}"
        for col in DETAILS
        if col in present
    )
    given = [col for col in DETAILS if col in present]
    if not given:
        return
    filled = ", ".join(f"{col} = coalesce(l.{col}, f.{col})" for col in given)
    gaps = " OR ".join(f"{col} IS NULL" for col in given)
    cursor.execute(
        f"""
        UPDATE import_pupils l SET {filled}
        FROM (
            SELECT upn, {latest} FROM import_typed
            WHERE upn IN (SELECT upn FROM import_pupils WHERE {gaps})
            GROUP BY upn
        ) f
        WHERE f.upn = l.upn
        """
    )


def _insert_new_pupils(cursor: Any) -> int:
    flag_columns = ", ".join(FLAG_FIELDS.values())
    flag_values = ", ".join(f"coalesce(l.{col} = 'Y', false)" for col in FLAG_FIELDS)
    return _insert_with_history(
        cursor,
        "schools_pupil",
        f"""
        INSERT INTO schools_pupil (upn, given_name, family_name, date_of_birth, year_group,
            current_school_id, sen_status, {flag_columns}, youth_justice, exploitation_risk,
            version, created_at)
        SELECT l.upn, l.given_name, l.family_name, l.date_of_birth,
            coalesce(l.year_group, ''), l.school_id, coalesce(l.sen, 'N'), {flag_values},
            false, false, 1, now()
        FROM import_pupils l WHERE l.is_new
        RETURNING *
        """,
        "UPDATE import_pupils l SET pupil_id = i.id FROM inserted i WHERE l.upn = i.upn",
    )


def _update_changed_pupils(cursor: Any, params: dict[str, Any]) -> int:
    """Rule 5: a new name or year group updates the pupil and is listed as a change."""
    cursor.execute(
        """
        INSERT INTO attendance_importproblem
            (attendance_import_id, row_number, "column", value, message, kind)
        SELECT %(import_id)s, l.row_number, e.col, left(e.new, 200), e.msg, 'change'
        FROM import_pupils l JOIN schools_pupil p ON p.id = l.pupil_id
        CROSS JOIN LATERAL (VALUES
            ('given_name', l.given_name, p.given_name),
            ('family_name', l.family_name, p.family_name),
            ('year_group', l.year_group, p.year_group)
        ) AS c(col, new, old)
        CROSS JOIN LATERAL (SELECT c.col, c.new,
            'Pupil ' || p.upn || ': ' || replace(c.col, '_', ' ') || ' changes from “'
            || coalesce(nullif(c.old, ''), 'none') || '” to “' || c.new || '”' AS msg) AS e
        WHERE NOT l.is_new AND c.new IS NOT NULL AND c.new IS DISTINCT FROM c.old
        """,
        params,
    )
    pairs = [
        ("coalesce(l.given_name, p.given_name)", "p.given_name"),
        ("coalesce(l.family_name, p.family_name)", "p.family_name"),
        ("coalesce(l.year_group, p.year_group)", "p.year_group"),
        ("coalesce(l.sen, p.sen_status)", "p.sen_status"),
        *((f"coalesce(l.{c} = 'Y', p.{f})", f"p.{f}") for c, f in FLAG_FIELDS.items()),
    ]
    assignments = ", ".join(f"{old[2:]} = {new}" for new, old in pairs)
    cursor.execute(
        f"""
        UPDATE schools_pupil p SET {assignments}, version = p.version + 1
        FROM import_pupils l
        WHERE p.id = l.pupil_id AND NOT l.is_new
            AND ({", ".join(new for new, _ in pairs)})
            IS DISTINCT FROM ({", ".join(old for _, old in pairs)})
        """
    )
    return _one(
        cursor,
        """SELECT count(DISTINCT row_number) FROM attendance_importproblem
        WHERE attendance_import_id = %(import_id)s AND kind = 'change'""",
        params,
    )


def _record_moves(cursor: Any) -> int:
    """Rule 8: a pupil appearing under a new school moves there from that period's start."""
    cursor.execute(
        """
        CREATE TEMP TABLE import_moves ON COMMIT DROP AS
        SELECT l.pupil_id, l.school_id, min(r.period_start) AS moved_on
        FROM import_pupils l  -- school_id: the school of the pupil's latest row
        JOIN import_resolved r ON r.pupil_id = l.pupil_id AND r.school_id = l.school_id
        GROUP BY l.pupil_id, l.school_id
        """
    )
    cursor.execute(
        """
        UPDATE schools_enrolment e SET ended_on = m.moved_on - 1
        FROM import_moves m
        WHERE e.pupil_id = m.pupil_id AND e.ended_on IS NULL
            AND e.school_id <> m.school_id AND e.started_on < m.moved_on
        """
    )
    moved = int(cursor.rowcount)
    _insert_with_history(
        cursor,
        "schools_enrolment",
        """
        INSERT INTO schools_enrolment (pupil_id, school_id, started_on)
        SELECT m.pupil_id, m.school_id, m.moved_on FROM import_moves m
        WHERE NOT EXISTS (
            SELECT 1 FROM schools_enrolment e WHERE e.pupil_id = m.pupil_id AND e.ended_on IS NULL)
        RETURNING *
        """,
        "SELECT count(*) FROM inserted",
    )
    cursor.execute(
        """
        UPDATE schools_pupil p SET current_school_id = e.school_id, version = p.version + 1
        FROM import_moves m JOIN schools_enrolment e
            ON e.pupil_id = m.pupil_id AND e.ended_on IS NULL
        WHERE p.id = m.pupil_id AND p.current_school_id IS DISTINCT FROM e.school_id
        """
    )
    return moved


# What both inserts of records write, and the values they take from import_resolved (r).
RECORD_COLUMNS = (
    "pupil_id, school_id, period_start, period_end, possible_sessions, attended_sessions, "
    "authorised_absence, unauthorised_absence, code_counts, suspensions, imported_by_id"
)
RESOLVED_VALUES = (
    ", ".join(f"r.{column}" for column in RECORD_COLUMNS.split(", ") if column != "imported_by_id")
    + ", %(import_id)s"
)


def _upsert_records(cursor: Any, params: dict[str, Any]) -> dict[str, int]:
    # A pupil new in this import has no stored records: their rows go straight in, with no
    # look-up of stored figures and no ON CONFLICT, and all of them are written (so they need
    # not be listed in import_written: see WRITTEN_PUPILS).
    cursor.execute(
        f"""
        INSERT INTO attendance_attendancerecord ({RECORD_COLUMNS})
        SELECT {RESOLVED_VALUES} FROM import_resolved r
        WHERE r.is_new_pupil
        ORDER BY r.pupil_id, r.school_id, r.period_start, r.period_end  -- as the indexes
        """,
        params,
    )
    new_pupils_rows = int(cursor.rowcount)
    cursor.execute(
        "CREATE TEMP TABLE import_written (pupil_id bigint, inserted boolean) ON COMMIT DROP"
    )
    # A known pupil's row is new, a correction, or equal to what is stored (and left alone).
    cursor.execute(
        f"""
        WITH written AS (
            INSERT INTO attendance_attendancerecord AS a ({RECORD_COLUMNS})
            SELECT {RESOLVED_VALUES} FROM import_resolved r
            LEFT JOIN attendance_attendancerecord s
                ON s.pupil_id = r.pupil_id AND s.school_id = r.school_id
                AND s.period_start = r.period_start AND s.period_end = r.period_end
            WHERE NOT r.is_new_pupil
                AND (s.id IS NULL OR (s.possible_sessions, s.attended_sessions,
                    s.authorised_absence, s.unauthorised_absence, s.code_counts, s.suspensions)
                    IS DISTINCT FROM (r.possible_sessions, r.attended_sessions,
                    r.authorised_absence, r.unauthorised_absence, r.code_counts, r.suspensions))
            ORDER BY r.pupil_id, r.school_id, r.period_start, r.period_end
            ON CONFLICT (pupil_id, school_id, period_start, period_end) DO UPDATE SET
                possible_sessions = EXCLUDED.possible_sessions,
                attended_sessions = EXCLUDED.attended_sessions,
                authorised_absence = EXCLUDED.authorised_absence,
                unauthorised_absence = EXCLUDED.unauthorised_absence,
                code_counts = EXCLUDED.code_counts,
                suspensions = EXCLUDED.suspensions,
                imported_by_id = EXCLUDED.imported_by_id
            RETURNING a.pupil_id, (a.xmax = 0) AS inserted
        )
        INSERT INTO import_written SELECT pupil_id, inserted FROM written
        """,
        params,
    )
    cursor.execute(
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        "FROM import_written"
    )
    known_inserted, corrected = cursor.fetchone()
    inserted = new_pupils_rows + int(known_inserted)
    total = _one(cursor, "SELECT count(*) FROM import_resolved")
    return {
        "records_new": inserted,
        "records_corrected": int(corrected),
        "records_unchanged": total - inserted - int(corrected),
    }


# The rows of import_resolved whose pupil had a record written: every new pupil, and each known
# pupil listed in import_written.
WRITTEN_PUPILS = "r.is_new_pupil OR r.pupil_id IN (SELECT pupil_id FROM import_written)"

# The records of the pupils an import touched, for the derived figures. A pupil new in this import
# has no records but the file's, all written, so theirs are read from import_resolved rather than
# looked for among every stored record (a hash of the whole table: about 1 s for 3 million).
AFFECTED_RECORDS = f"""(
    SELECT {FIGURE_COLUMNS} FROM attendance_attendancerecord
    WHERE pupil_id IN (SELECT pupil_id FROM import_pupils WHERE NOT is_new)
    UNION ALL
    SELECT {FIGURE_COLUMNS} FROM import_resolved WHERE is_new_pupil
)"""
