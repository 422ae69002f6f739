"""The termly report: a stored, immutable snapshot of a term's figures, its PDF board pack and CSV.

- figures.py: the figures as they may leave the service (small numbers) and laid out;
- generate.py: reading them once, writing the documents and storing a new version;
- here: the term a name means, and which versions a user may open.
"""

import re

from django.db.models import Q, QuerySet

from accounts.models import User
from reports.models import TermlyReport
from reports.termly.figures import (
    CSV_HEADER,
    SUPPRESSED,
    Snapshot,
    board_context,
    shown,
    stored_target,
    suppress_below,
)
from reports.termly.generate import (
    TermlyReportError,
    generate_requested_report,
    generate_scheduled_report,
    generate_termly_report,
    pack_workers,
    term_to_report,
    write_report_files,
)
from schools.models import School, Term, sees_every_school

__all__ = [
    "CSV_HEADER",
    "SUPPRESSED",
    "Snapshot",
    "TermlyReportError",
    "board_context",
    "generate_requested_report",
    "generate_scheduled_report",
    "generate_termly_report",
    "pack_workers",
    "shown",
    "stored_target",
    "suppress_below",
    "term_from_slug",
    "term_to_report",
    "visible_termly_reports",
    "write_report_files",
]

TERM_SLUG = re.compile(r"(?P<year>\d{4})-(?P<next>\d{2})-(?P<name>autumn|spring|summer)")


def term_from_slug(slug: str) -> Term | None:
    """2025-26-autumn → the autumn term of 2025/26, or None if there is no such term."""
    match = TERM_SLUG.fullmatch(slug.strip().lower())
    if match is None:
        return None
    year = int(match["year"])
    if int(match["next"]) != (year + 1) % 100:
        return None
    return (
        Term.objects.select_related("academic_year")
        .filter(academic_year__start_year=year, name=match["name"])
        .first()
    )


def visible_termly_reports(user: User) -> QuerySet[TermlyReport]:
    """Reports the user may open: every one for managers and administrators; the LA's reports
    (for their schools' packs) and their schools' reports for a link co-ordinator; their own
    school's for a pastoral lead."""
    reports = TermlyReport.objects.all()
    if not user.is_active:
        return reports.none()
    if sees_every_school(user):
        return reports
    own_schools = Q(scope=TermlyReport.Scope.SCHOOL, school__in=School.objects.visible_to(user))
    if user.is_link_coordinator:
        return reports.filter(own_schools | Q(scope=TermlyReport.Scope.LA))
    return reports.filter(own_schools)
