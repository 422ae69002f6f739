"""The access log: who viewed or exported children's data, and when.

Changes are recorded by database triggers (django-pghistory) on each model; reads cannot be seen
by the database, so views record them here. The table is append-only: a trigger refuses any
UPDATE or DELETE, so not even a bug or a console session can rewrite it.
"""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone


class AccessLogEntry(models.Model):
    class Action(models.TextChoices):
        VIEW_PUPIL = "view_pupil", "Viewed pupil record"
        VIEW_HISTORY = "view_history", "Viewed pupil history"
        EXPORT = "export", "Exported"
        DOWNLOAD = "download", "Downloaded"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_log_entries"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    # The pupils whose data was shown: one for a pupil page, many for an export.
    pupil_ids = ArrayField(models.BigIntegerField(), default=list)
    description = models.CharField(max_length=300)
    path = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "access log entries"
        indexes = [GinIndex(fields=["pupil_ids"], name="access_log_pupil_ids")]
        triggers = [
            pgtrigger.Protect(
                name="access_log_is_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action}"
