"""Load deterministic, fictional demo data: `manage.py seed_demo --scale demo|city|county|national`.

Every demo user's password is `demo-password`: demo data only. The generation lives in
`schools.demo`; this command checks the database and reports.
"""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schools import demo


class Command(BaseCommand):
    help = (
        "Load fictional demo data: schools, pupils, enrolments, term dates and a user for every "
        f"role (password '{demo.DEMO_PASSWORD}', for demo data only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(demo.SCALES),
            default="demo",
            help="demo: 6 schools, 600 pupils; city: 60, 30,000; county: 400, 150,000; "
            "national: 22,000, 9 million.",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        when_loaded = parser.add_mutually_exclusive_group()
        when_loaded.add_argument(
            "--reset",
            action="store_true",
            help="First empty the users, schools, pupils, access log and history tables.",
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
                "schools, pupils and history and load demo data instead, or --if-empty to leave "
                "existing data alone."
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
                f"{summary.enrolments:,} ({summary.earlier_enrolments:,} earlier, ended)",
            ),
            ("Users", f"{summary.users:,}"),
            ("Link assignments", f"{summary.link_assignments:,}"),
            ("School staff", f"{summary.staff_memberships:,}"),
            ("Term dates", f"{summary.terms} terms in {', '.join(summary.academic_years)}"),
        ]
        for label, value in rows:
            write(f"  {label:<17} {value}")
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
