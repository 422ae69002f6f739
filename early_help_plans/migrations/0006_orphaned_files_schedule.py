"""Schedule the daily removal of plan files left by uploads that did not complete.

As migration 0003: created only when missing, so an administrator's change of time stays.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

NAME = "Remove plan files left by incomplete uploads"


def create_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_schedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = crontab_schedule.objects.get_or_create(
        minute="15",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    periodic_task.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "early_help_plans.tasks.remove_orphaned_attachment_files_task",
            "crontab": crontab,
            "description": "Delete stored plan files that no attachment names, once a day old.",
        },
    )
    # The beat scheduler reloads its schedule when this timestamp moves (signals don't run here).
    periodic_tasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("early_help_plans", "0005_review_children_attendance"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
