"""Termly report benchmark: the full LA report (board pack, CSV and a targeting support meeting
pack for every open school) at county scale, as the scheduled job makes it.

    DATABASE_NAME=attendance_tracker_bench python benchmarks/bench_termly.py
    BENCH_TERMLY_TERM=2026-27-autumn python benchmarks/bench_termly.py   # another term

Run by `make bench` (scripts/bench.sh) after county-scale seeding (400 schools). It generates a
version of the current term's report with `generate_termly_report` (reading the figures, laying
out the board pack in this process while worker processes render the packs, storing the
version) and reports the wall time, CPU time, this process's peak memory and the largest pack
worker's, and the machine's load (the figures are shared with whatever else runs on its two
cores). Files go to a temporary MEDIA_ROOT; the version is deleted afterwards. It refuses any
database but attendance_tracker_bench unless BENCH_TERMLY_DATABASE names another.
"""

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_tracker.settings")
os.environ.setdefault("DATABASE_NAME", "attendance_tracker_bench")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"

import django  # noqa: E402

django.setup()

import pgtrigger  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from reports import termly  # noqa: E402
from reports.models import TermlyReport  # noqa: E402
from schools.models import School, Term  # noqa: E402

DATABASE = os.environ.get("BENCH_TERMLY_DATABASE", "attendance_tracker_bench")
IMMUTABLE = "termly_report_is_immutable"  # the trigger of reports migration 0004


def say(line: str) -> None:
    sys.stdout.write(f"   {line}\n")
    sys.stdout.flush()


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KB on Linux


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def remove(report: TermlyReport) -> None:
    """Delete the benchmark's version. A stored version is immutable: the database refuses to
    delete one (reports migration 0004), so its trigger is switched off for this transaction
    only, in the benchmark's own database, as its history trigger is."""
    with (
        transaction.atomic(),
        pgtrigger.ignore("reports.TermlyReport:delete_delete"),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"ALTER TABLE reports_termlyreport DISABLE TRIGGER {IMMUTABLE}")
        TermlyReport.objects.filter(pk=report.pk).delete()
        cursor.execute(f"ALTER TABLE reports_termlyreport ENABLE TRIGGER {IMMUTABLE}")


def main() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if name != DATABASE:
        raise SystemExit(f"bench_termly: refusing to run in database {name!r}; use {DATABASE}.")
    slug = os.environ.get("BENCH_TERMLY_TERM")
    term = termly.term_from_slug(slug) if slug else Term.objects.current()
    if term is None:
        raise SystemExit("bench_termly: no such term; seed the database first (make bench does).")
    schools = School.objects.filter(is_open=True).count()
    say(f"{term}: {schools} open schools, {termly.pack_workers()} pack workers")
    # Here, not at import: the pack workers import this file again when they start.
    media = tempfile.mkdtemp(prefix="bench-termly-")
    settings.MEDIA_ROOT = media
    report = None
    try:
        load = os.getloadavg()[0]
        before = peak_mb(resource.RUSAGE_SELF)
        started, cpu = time.perf_counter(), cpu_seconds()
        report = termly.generate_termly_report(term=term)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        if report is None:
            raise SystemExit("bench_termly: no report was stored")
        packs = [pack["file"] for pack in report.figures["packs"]]
        files = [report.pdf.name, report.csv.name, *packs]
        size = sum(Path(media, name).stat().st_size for name in files)
        say(
            f"full termly report: {seconds:.1f} s wall ({cpu:.0f} s CPU over both cores), "
            f"board pack, CSV and {len(packs)} packs, {size / 1e6:.0f} MB of files; peak memory "
            f"{peak_mb(resource.RUSAGE_SELF):.0f} MB in this process (before {before:.0f} MB), "
            f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB in the largest pack worker; "
            f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
    finally:
        if report is not None:
            remove(report)
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
