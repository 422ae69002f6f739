"""Schedule rule 3's overdue job and the weekly digest in django-celery-beat's tables.

Schedules live in the database so an administrator can change the time without a deploy; this
only creates them when missing, never overwriting a time someone has changed.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

SCHEDULES = [
    {
        "name": "Flag overdue plan reviews",
        "task": "early_help_plans.tasks.flag_overdue_reviews_task",
        "crontab": {"minute": "0", "hour": "6", "day_of_week": "*"},
        "description": "Rule 3: flag overdue plans and notify once per overdue period.",
    },
    {
        "name": "Weekly reviews-due digest",
        "task": "early_help_plans.tasks.weekly_review_digest_task",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "1"},
        "description": "Email each lead professional the reviews due in the next 7 days.",
    },
]


def create_schedules(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    crontab_schedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_tasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for schedule in SCHEDULES:
        crontab, _ = crontab_schedule.objects.get_or_create(
            **schedule["crontab"],
            day_of_month="*",
            month_of_year="*",
            timezone="Europe/London",
        )
        periodic_task.objects.get_or_create(
            name=schedule["name"],
            defaults={
                "task": schedule["task"],
                "crontab": crontab,
                "description": schedule["description"],
            },
        )
    # The beat scheduler reloads its schedule when this timestamp moves (signals don't run here).
    periodic_tasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_task.objects.filter(name__in=[s["name"] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("early_help_plans", "0002_notifications_and_digests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
