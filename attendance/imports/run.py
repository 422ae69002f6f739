"""One import, start to finish, in one transaction: all or nothing.

A dry run does everything an import does, counts the outcome, and rolls the writes back, so
"Check file" reports exactly what "Import" will do.
"""

import datetime
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pghistory
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from attendance.imports import applying, checks, derived, progress
from attendance.imports.reading import FileRefused, HeaderRefused, Problem, load_file
from attendance.models import AttendanceImport, ImportProblem, PupilAttendance
from attendance.selectors import current_start_year, queue_members
from schools.models import School

TEMP_TABLES = (
    "import_rows",
    "import_dates",
    "import_typed",
    "import_upns",
    "import_resolved",
    "import_pupils",
    "import_moves",
    "import_written",
    "import_affected",
)
LOCK_KEY = 851_2024  # one import at a time: they touch shared pupils and derived figures
# The history triggers (pghistory, through pgtrigger) first read the setting pgtrigger.ignore;
# unset, reading it raises an error that each trigger call catches in a subtransaction. Rolling
# back a subtransaction scans the transaction's whole queue of pending trigger events, which an
# import fills (a foreign-key check for every row written), so a file of new pupils took
# quadratic time: 100 s to insert 143,000 pupils. An empty list ignores no trigger: every
# insert and change is still recorded, now in linear time. An outer pgtrigger.ignore is kept.
WORK_MEM = "256MB"  # for this transaction only; one import runs at a time
IGNORE_NO_TRIGGERS = (
    "SELECT set_config('pgtrigger.ignore', "
    "coalesce(nullif(current_setting('pgtrigger.ignore', true), ''), '{}'), true)"
)

Printer = Callable[[str, dict[str, Any]], None]


def importable_school_ids(user: User) -> list[int] | None:
    """None means any school (an administrator); otherwise the user's schools."""
    if user.is_administrator:
        return None
    return list(School.objects.visible_to(user).values_list("pk", flat=True))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_import(
    attendance_import: AttendanceImport,
    path: Path,
    *,
    today: datetime.date | None = None,
    on_progress: Printer | None = None,
) -> AttendanceImport:
    """Check (dry run) or import the file; the AttendanceImport row records the outcome."""
    today = today or timezone.localdate()
    record = attendance_import
    record.status = AttendanceImport.Status.RUNNING
    record.started_at = timezone.now()
    record.save(update_fields=["status", "started_at"])

    def tell(stage: str, **fields: Any) -> None:
        progress.report(record.pk, stage=stage, **fields)
        if on_progress:
            on_progress(stage, fields)

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(IGNORE_NO_TRIGGERS)
            # Sorts and hashes over a whole file's rows stay in memory rather than spill to disk.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            # Each statement here runs once over the file: compiling its expressions with LLVM
            # (1 to 2 s for the larger ones) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
            # The tables drop at commit; dropping them here too lets two imports share one
            # transaction (as they do inside a test).
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
            with pghistory.context(user=record.created_by_id, attendance_import=record.pk):
                outcome = _check_and_apply(cursor, record, path, today, tell)
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
    except HeaderRefused as refusal:
        _refuse(record, refusal.problems)
    except FileRefused as refusal:
        _refuse(record, [Problem(None, "", "", str(refusal))])
    except Exception as error:
        record.status = AttendanceImport.Status.FAILED
        record.failure = f"{type(error).__name__}: {error}"[:2000]
        record.finished_at = timezone.now()
        record.save()
        tell("failed")
        raise
    else:
        record.refresh_from_db()
        record.counts = outcome["counts"]
        record.school_ids = outcome["school_ids"]
        record.rows_total = outcome["rows"]
        record.rows_checked = outcome["rows"]
        record.rows_stored = outcome["rows"] if outcome["applied"] else 0
        record.error_count = outcome["errors"]
        if outcome["errors"]:
            record.status = AttendanceImport.Status.REFUSED
        elif record.dry_run:
            record.status = AttendanceImport.Status.CHECKED
        else:
            record.status = AttendanceImport.Status.IMPORTED
        record.finished_at = timezone.now()
        record.save()
        tell("finished", status=record.status)
    return record


def _refuse(record: AttendanceImport, problems: list[Problem]) -> None:
    ImportProblem.objects.bulk_create(
        ImportProblem(
            attendance_import=record,
            row_number=p.row_number,
            column=p.column[:100],
            value=p.value[:200],
            message=p.message[:500],
            kind=p.kind,
        )
        for p in problems
    )
    record.status = AttendanceImport.Status.REFUSED
    record.error_count = sum(1 for p in problems if p.kind == "error")
    record.finished_at = timezone.now()
    record.save()
    progress.report(record.pk, stage="finished", status=record.status)


def _check_and_apply(
    cursor: Any,
    record: AttendanceImport,
    path: Path,
    today: datetime.date,
    tell: Callable[..., None],
) -> dict[str, Any]:
    tell("reading", rows_read=0)
    checks.create_functions(cursor)
    loaded = load_file(cursor, path, on_progress=lambda n: tell("reading", rows_read=n))
    tell("checking", rows_total=loaded.rows, rows_read=loaded.rows)
    ImportProblem.objects.bulk_create(
        ImportProblem(
            attendance_import=record,
            row_number=p.row_number,
            column=p.column[:100],
            value=p.value[:200],
            message=p.message[:500],
            kind=p.kind,
        )
        for p in loaded.problems
    )
    checks.complete_staging(cursor, loaded.header.staging_columns, loaded.header.codes)
    checks.typed_table(cursor, loaded.header.codes)
    errors = checks.run_checks(
        cursor,
        import_id=record.pk,
        codes=loaded.header.codes,
        school_ids=importable_school_ids(record.created_by),
        today=today,
    )
    cursor.execute(
        "SELECT coalesce(array_agg(s.id) FILTER (WHERE s.id IS NOT NULL), '{}'), "
        "count(u.school_urn) FROM (SELECT DISTINCT school_urn FROM import_typed) u "
        "LEFT JOIN schools_school s ON s.urn = u.school_urn"
    )
    found, schools = cursor.fetchone()
    school_ids = sorted(found)
    outcome: dict[str, Any] = {
        "rows": loaded.rows,
        "errors": errors,
        "school_ids": school_ids,
        "applied": False,
        "counts": {"rows": loaded.rows, "schools": int(schools)},
    }
    if errors:
        return outcome
    tell("checked", rows_checked=loaded.rows)

    savepoint = transaction.savepoint()
    counts = applying.apply_rows(cursor, import_id=record.pk, present=loaded.header.staging_columns)
    tell("storing", rows_stored=loaded.rows)
    cursor.execute(
        f"""
        CREATE TEMP TABLE import_affected ON COMMIT DROP AS
        SELECT DISTINCT r.pupil_id, pg_temp.academic_year(r.period_start) AS start_year
        FROM import_resolved r
        WHERE {applying.WRITTEN_PUPILS}
        """
    )
    before = _flags(today)
    counts["pupils_refreshed"] = derived.refresh(
        cursor, affected="import_affected", today=today, records=applying.AFFECTED_RECORDS
    )
    after = _flags(today)
    counts["newly_in_queue"] = len(after["queue"] - before["queue"])
    counts["newly_at_risk"] = len(after["at_risk"] - before["at_risk"])
    outcome["counts"].update(counts)
    if record.dry_run:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
        outcome["applied"] = True
    return outcome


def _flags(today: datetime.date) -> dict[str, set[int]]:
    """Which affected pupils are in this year's identification queue and at-risk list now."""
    affected = RawSQL("SELECT pupil_id FROM import_affected", [])
    year = current_start_year(today)
    queue = queue_members(year).filter(pupil_id__in=affected)
    at_risk = PupilAttendance.objects.filter(
        start_year=year, is_at_risk=True, pupil_id__in=affected
    )
    return {
        "queue": set(queue.values_list("pupil_id", flat=True)),
        "at_risk": set(at_risk.values_list("pupil_id", flat=True)),
    }
