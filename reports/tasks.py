"""Celery tasks of termly reports; the daily one is scheduled by django-celery-beat (migration).

Tasks unpack ids and call reports/termly.py; the work and its rules are there.
"""

import datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from reports import cache, measures, summary, termly
from reports.dashboard import figures_html
from schools.models import School, Term


@shared_task
def generate_termly_report_task(term_id: int, school_id: int | None, user_id: int) -> int:
    """A manager's "Generate now": a new version, and an email to them with its link."""
    term = Term.objects.select_related("academic_year").get(pk=term_id)
    school = School.objects.get(pk=school_id) if school_id is not None else None
    user = User.objects.get(pk=user_id)
    return termly.generate_requested_report(term=term, school=school, by=user).pk


@shared_task
def scheduled_termly_report_task() -> int | None:
    """Daily: after a term's last day, its LA report once, and a link to every manager."""
    report = termly.generate_scheduled_report(timezone.localdate())
    return report.pk if report is not None else None


@shared_task
def refresh_attendance_summaries_task() -> list[int]:
    """After an import: the attendance summaries of the years it changed, so that the next page
    view finds them up to date."""
    return summary.refresh_stale()


@shared_task
def dashboard_figures_task(choices: dict[str, Any]) -> None:
    """A dashboard's figures for the data as it is now, kept for the pages that asked for them
    (reports.cache.answer): too slow, at national scale, to work out while a page waits."""
    try:
        term = Term.objects.select_related("academic_year").get(pk=choices["term_id"])
        html = figures_html(
            term,
            schools=None if choices["schools"] is None else tuple(choices["schools"]),
            filters=measures.Filters(**choices["filters"]),
            breakdown=choices["breakdown"],
            today=datetime.date.fromisoformat(choices["today"]),
            drill_base=choices["drill_base"],
        )
        cache.store(choices["fresh_key"], choices["latest_key"], html)
    finally:
        cache.done_working(choices["latest_key"])
