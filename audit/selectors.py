"""The history of a pupil's record: every change (database triggers) and every view or export."""

import dataclasses
import datetime
from typing import Any

from pghistory.models import Events

from accounts.models import User
from audit.models import AccessLogEntry
from schools.models import Pupil

VERBS = {"insert": "created", "update": "changed", "delete": "deleted"}


@dataclasses.dataclass(frozen=True)
class HistoryItem:
    at: datetime.datetime
    who: str
    what: str
    changes: list[tuple[str, Any, Any]]


def pupil_history(*, pupil: Pupil, limit: int = 500) -> list[HistoryItem]:
    """Changes to the pupil and to rows that refer to them, and who viewed or exported them.

    Newest first. Events written in one transaction share a timestamp, so ties keep their order.
    """
    events = list(Events.objects.references(pupil).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {int(uid) for e in events if (uid := (e.pgh_context or {}).get("user")) is not None}
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "full_name"))
    items = [
        HistoryItem(
            at=event.pgh_created_at,
            who=names.get(int((event.pgh_context or {}).get("user") or 0), "The system"),
            what=f"{_thing(event.pgh_obj_model)} {VERBS.get(event.pgh_label, event.pgh_label)}",
            changes=[
                (field, old, new)
                for field, (old, new) in sorted((event.pgh_diff or {}).items())
                if field not in {"version"}
            ],
        )
        for event in events
    ]
    entries = AccessLogEntry.objects.filter(pupil_ids__contains=[pupil.pk]).select_related("user")
    items += [
        HistoryItem(at=entry.at, who=str(entry.user), what=entry.description, changes=[])
        for entry in entries[:limit]
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _thing(model_label: str) -> str:
    name = model_label.rsplit(".", 1)[-1]
    return {"Pupil": "Pupil record", "Enrolment": "Enrolment"}.get(name, name)
