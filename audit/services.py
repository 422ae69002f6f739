from collections.abc import Iterable

from django.http import HttpRequest

from attendance_tracker.access import acting_user
from audit.models import AccessLogEntry


def record_access(
    *,
    request: HttpRequest,
    action: AccessLogEntry.Action,
    pupil_ids: Iterable[int],
    description: str,
) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        user=acting_user(request),
        action=action,
        pupil_ids=list(pupil_ids),
        description=description[:300],
        path=request.get_full_path()[:500],
    )
