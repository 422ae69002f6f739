"""python manage.py termly_report --term 2025-26-autumn [--school URN] [--output DIR]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import termly
from schools.models import School, Term


class Command(BaseCommand):
    help = (
        "Write a term's report, the PDF board pack (or one school's report) and the CSV of every "
        "figure, to a directory, as the service would make it now. Nothing is stored: to store a "
        "version that managers can download, use 'Generate a report now' on the Termly reports "
        "page. The files are OFFICIAL-SENSITIVE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--term", required=True, metavar="YYYY-YY-TERM", help="For example 2025-26-autumn."
        )
        parser.add_argument("--school", metavar="URN", help="One school's report, not the LA's.")
        parser.add_argument(
            "--output",
            metavar="DIR",
            type=Path,
            default=Path(),
            help="Where to write the files (default: the current directory).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        term = termly.term_from_slug(options["term"])
        if term is None:
            known = ", ".join(t.slug for t in Term.objects.select_related("academic_year"))
            raise CommandError(
                f"There is no term {options['term']!r}. Give it as YYYY-YY-autumn, "
                f"YYYY-YY-spring or YYYY-YY-summer; the terms with dates are: {known or 'none'}."
            )
        school = None
        if options["school"]:
            school = School.objects.filter(urn=options["school"].strip()).first()
            if school is None:
                raise CommandError(f"There is no school with URN {options['school']!r}.")
        pdf, csv = termly.write_report_files(term=term, school=school, out_dir=options["output"])
        scope = school.name if school else "the LA"
        self.stdout.write(f"The {term} report for {scope}:")
        self.stdout.write(f"  PDF: {pdf}")
        self.stdout.write(f"  CSV: {csv}")
