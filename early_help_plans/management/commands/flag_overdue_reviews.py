"""`python manage.py flag_overdue_reviews [--date YYYY-MM-DD]`: the daily job's code, by hand."""

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from early_help_plans.overdue import flag_overdue_reviews


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Flag every overdue active plan and notify, once per overdue period (rule 3)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", type=_date, help="Run as if today were this date")

    def handle(self, *args: Any, **options: Any) -> None:
        result = flag_overdue_reviews(today=options["date"] or timezone.localdate())
        self.stdout.write(
            f"Flagged {result.flagged} overdue plans; sent {result.notifications} notifications "
            f"({result.emails} emails)."
        )
