"""python manage.py import_attendance FILE [--dry-run] [--user EMAIL]"""

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from attendance.imports.run import run_import, sha256_of
from attendance.models import AttendanceImport, ImportProblem
from reports import summary

SHOWN_PROBLEMS = 50
SUMMARIES = "Dashboards' attendance summaries brought up to date in"
SUMMARY = (
    ("rows", "Rows"),
    ("schools", "Schools"),
    ("new_pupils", "New pupils"),
    ("changed_pupils", "Pupils whose details change"),
    ("moved_pupils", "Pupils who moved school"),
    ("records_new", "Attendance records: new"),
    ("records_corrected", "Attendance records: corrected"),
    ("records_unchanged", "Attendance records: unchanged"),
    ("newly_in_queue", "Newly in the identification queue"),
    ("newly_at_risk", "Newly at risk"),
)


class Command(BaseCommand):
    help = (
        "Check (--dry-run) or import a CSV or XLSX attendance file, all or nothing. Exits 0 when "
        "the file is accepted and 1, listing the errors, when it is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; store nothing.")
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="Who is importing: their schools limit what the file may hold. Needed unless "
            "there is exactly one administrator.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        size = path.stat().st_size
        if size > settings.ATTENDANCE_IMPORT_MAX_BYTES:
            raise CommandError(
                f"The file is {size:,} bytes: the most the service accepts is "
                f"{settings.ATTENDANCE_IMPORT_MAX_BYTES:,}. Split it by school or by term."
            )
        user = self._user(options["user"])
        record = AttendanceImport.objects.create(
            file_name=path.name,
            sha256=sha256_of(path),
            size_bytes=size,
            dry_run=options["dry_run"],
            created_by=user,
        )
        started = time.monotonic()
        result = run_import(record, path, on_progress=self._show_progress)
        if sys.stderr.isatty():
            self.stderr.write("")
        self._summarise(result, time.monotonic() - started)
        if result.status == AttendanceImport.Status.REFUSED:
            raise SystemExit(1)
        if result.status == AttendanceImport.Status.IMPORTED:
            started = time.monotonic()
            summary.refresh_stale()
            self.stdout.write(f"  {SUMMARIES} {time.monotonic() - started:.1f} s")

    def _user(self, email: str | None) -> User:
        if email:
            user = User.objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise CommandError(f"There is no active user with the email address {email}.")
            return user
        administrators = list(User.objects.filter(is_administrator=True, is_active=True)[:2])
        if len(administrators) != 1:
            raise CommandError("Say who is importing with --user EMAIL.")
        return administrators[0]

    def _show_progress(self, stage: str, fields: dict[str, Any]) -> None:
        rows = fields.get("rows_stored") or fields.get("rows_checked") or fields.get("rows_read")
        line = f"{stage}: {rows:,} rows" if rows else stage
        if sys.stderr.isatty():
            self.stderr.write(f"\r{line:<60}", ending="")
        else:
            self.stderr.write(line)

    def _summarise(self, record: AttendanceImport, seconds: float) -> None:
        kind = "Check" if record.dry_run else "Import"
        self.stdout.write(f"{kind} of {record.file_name}: {record.get_status_display()}")
        self.stdout.write(f"  SHA-256  {record.sha256}")
        for key, label in SUMMARY:
            if key in record.counts:
                self.stdout.write(f"  {label:<40} {record.counts[key]:>10,}")
        self.stdout.write(f"  Took {seconds:.1f} seconds")
        for problem in record.problems.exclude(kind=ImportProblem.Kind.ERROR)[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  {problem.get_kind_display()}: {_where(problem)}{problem.message}")
        errors = record.problems.filter(kind=ImportProblem.Kind.ERROR)
        if record.error_count:
            self.stderr.write(
                f"The file was refused: {record.error_count:,} errors. Nothing was stored."
            )
            for problem in errors[:SHOWN_PROBLEMS]:
                value = f" ({problem.value!r})" if problem.value else ""
                self.stderr.write(f"  {_where(problem)}{problem.message}{value}")
            if record.error_count > SHOWN_PROBLEMS:
                self.stderr.write(
                    f"  … and {record.error_count - SHOWN_PROBLEMS:,} more: see import "
                    f"{record.pk} in the service for them all."
                )


def _where(problem: ImportProblem) -> str:
    row = f"row {problem.row_number}" if problem.row_number else "file"
    column = f", {problem.column}" if problem.column else ""
    return f"{row}{column}: "
