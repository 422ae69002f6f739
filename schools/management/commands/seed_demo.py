"""Load deterministic, fictional demo data: `manage.py seed_demo --scale demo|city|county|national`.

Every demo user's password is `demo-password`: demo data only. The generation lives in
`schools.demo` (attendance in `attendance.demo`, cases in `cases.demo`); this command checks the
database and reports.
"""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools import demo


class Command(BaseCommand):
    help = (
        "Load fictional demo data: schools, pupils, enrolments, term dates, a user for every "
        f"role (password '{demo.DEMO_PASSWORD}', for demo data only) and attendance for the "
        "academic year so far: weekly records up to the last week already over, with the "
        "figures, identification queue and at-risk list they give; then cases (with contact logs "
        "and actions), reduced timetables and link calls for the severely absent, and Family Early "
        "Help Plans in every state for their families. At the national "
        "scale each pupil gets one year-to-date record instead (one per school for a pupil who "
        "moved), as "
        "weekly ones would be ~100 million rows; with no recent trend to see, the at-risk list "
        "is all but empty there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(demo.SCALES),
            default="demo",
            help="demo: 6 schools, 600 pupils; city: 60, 30,000; county: 400, 150,000; "
            "national: 22,000, 9 million (attendance year to date rather than weekly).",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        when_loaded = parser.add_mutually_exclusive_group()
        when_loaded.add_argument(
            "--reset",
            action="store_true",
            help="First empty the users, schools, pupils, attendance, cases, access log and "
            "history tables.",
        )
        when_loaded.add_argument(
            "--if-empty", action="store_true", help="Do nothing if there are schools already."
        )
        # For tests: a custom size at the chosen scale's local authorities.
        parser.add_argument("--schools", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--pupils", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        scale = demo.SCALES[options["scale"]].with_size(options["schools"], options["pupils"])
        if scale.schools < 2:
            raise CommandError("Demo data needs at least 2 schools.")
        if not options["reset"] and demo.database_has_data():
            if options["if_empty"]:
                self.stdout.write("Demo data already loaded")
                return
            raise CommandError(
                "The database already has schools or pupils. Use --reset to delete all users, "
                "schools, pupils, attendance, cases and history and load demo data instead, or "
                "--if-empty to leave existing data alone."
            )
        self.stderr.write(f"Loading {scale.name} demo data (seed {options['seed']})…")
        summary = demo.seed(scale, options["seed"], reset=options["reset"], log=self.stderr.write)
        self._report(summary)

    def _report(self, summary: demo.Summary) -> None:
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Loaded {summary.scale.name} demo data (seed {summary.seed}) "
                f"in {summary.seconds:.1f}s"
            )
        )
        rows = [
            ("Schools", f"{summary.schools:,} ({summary.open_schools:,} open)"),
            ("Pupils", f"{summary.pupils:,}"),
            (
                "Enrolments",
                f"{summary.enrolments:,} ({summary.earlier_enrolments:,} earlier, ended; "
                f"{summary.in_year_moves:,} moved this year)",
            ),
            ("Users", f"{summary.users:,}"),
            ("Link assignments", f"{summary.link_assignments:,}"),
            ("School staff", f"{summary.staff_memberships:,}"),
            ("Term dates", f"{summary.terms} terms in {', '.join(summary.academic_years)}"),
            *self._attendance_rows(summary),
            *self._case_rows(summary),
            *self._plan_rows(summary),
        ]
        for label, value in rows:
            write(f"  {label:<20} {value}")
        write("")
        write(f"Demo logins, all with password '{demo.DEMO_PASSWORD}' (demo data only):")
        width = max(len(u.email) for u in summary.logins)
        for user in summary.logins:
            write(f"  {user.email:<{width}}  {user.full_name:<17} {user.job_title}: {user.sees}")
        if summary.users > len(summary.logins):
            write(
                "  Also: link.coordinator2@council.example and so on; at city scale and above, "
                "pastoral.lead.<URN>@council.example for every school."
            )

    @staticmethod
    def _case_rows(summary: demo.Summary) -> list[tuple[str, str]]:
        cases = summary.cases
        if cases is None or not (cases.open or cases.closed or cases.timetables):
            return []
        rag = cases.open_by_rag
        return [
            (
                "Open cases",
                f"{cases.open:,} ({rag.get('red', 0):,} red, {rag.get('amber', 0):,} amber, "
                f"{rag.get('green', 0):,} green); {cases.without_lead:,} without a lead "
                "professional",
            ),
            ("Closed cases", f"{cases.closed:,}"),
            ("Contacts", f"{cases.contacts:,}"),
            (
                "Reduced timetables",
                f"{cases.running:,} running: {cases.over_six_weeks:,} over 6 weeks, "
                f"{cases.red:,} red (no return plan); {cases.unregistered_c2:,} "
                f"{_plural(cases.unregistered_c2, 'pupil')} with C2 sessions and no timetable "
                "recorded",
            ),
            (
                "Link calls",
                f"{cases.link_calls:,} this term; {cases.schools_due_a_call:,} "
                f"{_plural(cases.schools_due_a_call, 'school')} due a call",
            ),
        ]

    @staticmethod
    def _plan_rows(summary: demo.Summary) -> list[tuple[str, str]]:
        plans = summary.plans
        if plans is None or not (plans.active or plans.drafts or plans.closed):
            return []
        closed = plans.closed_by_reason
        share = round(100 * plans.covered / plans.open_cases) if plans.open_cases else 0
        families = _plural(plans.across_schools, "family", "families")
        return [
            (
                "Early help plans",
                f"{plans.active:,} active ({plans.overdue:,} overdue, {plans.late:,} with a late "
                f"review), {plans.drafts:,} {_plural(plans.drafts, 'draft')}, {plans.closed:,} "
                f"closed ({closed.get('stepped_up', 0):,} stepped up, "
                f"{closed.get('consent_withdrawn', 0):,} consent withdrawn, "
                f"{closed.get('moved_out', 0):,} moved out, {closed.get('universal', 0):,} "
                "universal services)",
            ),
            (
                "Plan coverage",
                f"{plans.covered:,} of {plans.open_cases:,} open cases ({share}%) have an active "
                f"plan; {plans.across_schools:,} {families} with children at two schools",
            ),
            (
                "Plan reviews",
                f"{plans.reviews:,}; {plans.audits:,} quality {_plural(plans.audits, 'audit')}, "
                f"{plans.graded:,} {_plural(plans.graded, 'plan')} graded",
            ),
        ]

    @staticmethod
    def _attendance_rows(summary: demo.Summary) -> list[tuple[str, str]]:
        attendance = summary.attendance
        if attendance is None:
            return []
        if not attendance.records:
            return [("Attendance records", "none: no school week of this year is over yet")]
        pupils = max(1, attendance.pupils)
        period = f"{attendance.first_day:%-d %b %Y} to {attendance.last_day:%-d %b %Y}"
        if attendance.weekly:
            kind = f"weekly, {period}"
        else:
            kind = f"one year to date per pupil and school (not weekly at this scale), {period}"

        def share(count: int) -> str:
            return f"{count:,} ({100 * count / pupils:.1f}%)"

        return [
            ("Attendance records", f"{attendance.records:,}, {kind}"),
            ("Persistently absent", share(attendance.persistently_absent)),
            (
                "Severely absent",
                f"{share(attendance.severely_absent)}; {attendance.reduced_timetables:,} "
                "mostly on a reduced timetable (C2)",
            ),
            ("In the queue", f"{attendance.in_queue:,} (identification queue)"),
            (
                "At risk",
                f"{attendance.at_risk:,}"
                + ("" if attendance.weekly else " (year-to-date records show no recent trend)"),
            ),
        ]


def _plural(count: int, word: str, words: str = "") -> str:
    return word if count == 1 else words or f"{word}s"
