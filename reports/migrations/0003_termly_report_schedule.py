"""Schedule the termly report's daily job in django-celery-beat's tables.

The job runs every morning and generates a term's LA report only once the term's last day has
passed and the scheduled job has not made one yet (reports/termly.py), so a daily schedule
reports each term the day after it ends, whatever the term dates. Schedules live in the database
so an administrator can change the time without a deploy; this only creates it when missing.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

NAME = "Termly report after each term"


def create_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_schedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    # Early, before the working day and the 06:00 overdue job: the report takes minutes.
    crontab, _ = crontab_schedule.objects.get_or_create(
        minute="30",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    periodic_task.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "reports.tasks.scheduled_termly_report_task",
            "crontab": crontab,
            "description": "The day after a term's last day: its LA report, and a link to "
            "every manager. Other days it does nothing.",
        },
    )
    # The beat scheduler reloads its schedule when this timestamp moves (signals don't run here).
    periodic_tasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_seed_la_targets"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
