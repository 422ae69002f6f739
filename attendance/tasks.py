import logging
from pathlib import Path

from celery import shared_task

from attendance.imports.run import run_import
from attendance.models import AttendanceImport
from reports import summary

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_attendance_import(import_id: int) -> str:
    """Check or import one stored file. The file is deleted once nothing more will read it."""
    record = AttendanceImport.objects.select_related("created_by").get(pk=import_id)
    path = Path(record.stored_file)
    run_import(record, path)
    record.refresh_from_db()
    if record.status == AttendanceImport.Status.IMPORTED:
        # The dashboards' attendance summaries, now rather than on the next page view (which
        # brings them up to date itself if this fails).
        try:
            summary.refresh_stale()
        except Exception:
            logger.exception("Bringing the attendance summaries up to date failed")
    if record.status != AttendanceImport.Status.CHECKED:
        path.unlink(missing_ok=True)
        AttendanceImport.objects.filter(stored_file=str(path)).update(stored_file="")
    return str(record.status)
