"""Writes for the attendance app other than the import itself (attendance/imports/run.py)."""

import hashlib
import uuid
from pathlib import Path
from typing import IO

import pghistory
from django.conf import settings
from django.db import transaction

from accounts.models import User
from attendance.models import AttendanceImport, PupilAttendance, QueueDismissal
from attendance.selectors import queue_members
from schools.models import Pupil


class RuleBroken(Exception):
    """A rule refused the action; the message is shown to the user."""


def store_upload(*, source: IO[bytes], file_name: str, by: User) -> AttendanceImport:
    """Keep an uploaded file for the background job; the row records its name and SHA-256."""
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if file_name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return AttendanceImport.objects.create(
        file_name=Path(file_name).name[:255],
        sha256=digest.hexdigest(),
        size_bytes=size,
        stored_file=str(path),
        dry_run=True,
        created_by=by,
    )


def confirm_import(*, checked: AttendanceImport, by: User) -> AttendanceImport:
    """Import the file of a successful dry run."""
    if AttendanceImport.objects.filter(checked_import=checked).exists():
        raise RuleBroken("This file has already been imported.")
    if checked.status != AttendanceImport.Status.CHECKED or not checked.stored_file:
        raise RuleBroken("Only a file that was checked without errors can be imported.")
    return AttendanceImport.objects.create(
        file_name=checked.file_name,
        sha256=checked.sha256,
        size_bytes=checked.size_bytes,
        stored_file=checked.stored_file,
        dry_run=False,
        created_by=by,
        checked_import=checked,
    )


@transaction.atomic
def dismiss_from_queue(*, pupil: Pupil, start_year: int, reason: str, by: User) -> QueueDismissal:
    """Triage: this pupil needs no case now. They return only if their rate falls further."""
    figures = PupilAttendance.objects.filter(pupil=pupil, start_year=start_year).first()
    if figures is None or not queue_members(start_year).filter(pk=figures.pk).exists():
        raise RuleBroken(f"{pupil} is not in the identification queue.")
    with pghistory.context(user=by.pk):
        return QueueDismissal.objects.create(
            pupil=pupil,
            start_year=start_year,
            reason=reason,
            attendance_rate=figures.attendance_rate,
            dismissed_by=by,
        )
