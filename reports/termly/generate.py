"""Generating a termly report: read once, write the documents, store a new version.

`generate_termly_report` reads every figure once (reports/measures), in one REPEATABLE READ
snapshot whose start is the data cut-off, writes the board pack, the CSV and, for the LA's report,
a targeting support meeting pack per open school (rendered by worker processes that read the
same exported snapshot), then stores them as a new version under a lock, so two generations at
once get versions n and n+1. Nothing ever changes a stored version: regenerating makes another.

The board pack never names a pupil. The packs do (as the targeting support meeting pack always
does), so they are downloaded only by the LA's staff who may see the school.
"""

import contextlib
import dataclasses
import datetime
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import django
import pghistory
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mass_mail
from django.db import connection, connections, transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML, Document

from accounts.models import User
from cases.pdf import StaticFilesOnly, render_pdf
from cases.pdf import _stylesheet as pdf_stylesheet
from reports import summary, targeting
from reports.measures import compute
from reports.models import Target, TermlyReport
from reports.termly.figures import (
    Snapshot,
    board_context,
    la_figures,
    school_figures,
    write_csv,
)
from schools.models import LinkAssignment, School, Term

SCHEDULED_JOB = "the scheduled termly report job"
# A pairwise lock key (namespace, term) for version numbers: "TR" in ASCII.
LOCK_NAMESPACE = 0x5452
SCHEDULE_LOCK = 0x5453  # one scheduled run per term at a time: "TS"


def pack_workers() -> int:
    """Processes rendering packs: WeasyPrint is single-threaded, so one per core (at most 2)."""
    default = min(2, os.cpu_count() or 1)
    return int(getattr(settings, "REPORT_PACK_WORKERS", default))


class TermlyReportError(Exception):
    """A report cannot be made as asked; the message is shown to the user."""


def _targets() -> list[dict[str, Any]]:
    return [
        {
            "measure": t.measure,
            "phase": t.phase,
            "label": t.label,
            "baseline": None if t.baseline is None else str(t.baseline),
            "baseline_label": t.baseline_label,
            "target": str(t.target),
            "lower_is_better": t.lower_is_better,
        }
        for t in Target.objects.order_by("measure", "phase")
    ]


def _schools(school: School | None) -> list[dict[str, Any]]:
    chosen = School.objects.filter(pk=school.pk) if school else School.objects.filter(is_open=True)
    coordinators: dict[int, list[str]] = {}
    assignments = LinkAssignment.objects.filter(school__in=chosen).order_by("user__full_name")
    for school_id, name in assignments.values_list("school_id", "user__full_name"):
        coordinators.setdefault(school_id, []).append(name)
    return [
        {
            "id": s.pk,
            "urn": s.urn,
            "name": s.name,
            "phase": s.get_phase_display(),
            "link_coordinators": coordinators.get(s.pk, []),
        }
        for s in chosen.order_by("name", "pk")
    ]


# Generation ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Producer:
    """Who a document names as having produced it (`full_name`, as the pack template reads)."""

    full_name: str


def _reader() -> User:
    """Who the packs are drawn up for: someone who sees every pupil, as a manager does.

    Never saved: it exists so the pack's own `visible_to` queries (reports/targeting.py) answer
    as they do for a manager, whether a manager or the scheduled job generates the report.
    """
    return User(full_name=SCHEDULED_JOB, is_manager=True, is_active=True)


@dataclasses.dataclass(frozen=True)
class PackJob:
    snapshot: str | None  # an exported PostgreSQL snapshot to read in, or None: this transaction
    database: str | None  # the database to connect to (a worker process), or None
    term_id: int
    school_ids: tuple[int, ...]
    out_dir: str
    produced_by: str
    produced_at: datetime.datetime
    on: datetime.date
    # Each school's figures against the LA's, from the figures the report itself computed.
    figures: dict[int, list[targeting.Figure]]


def render_packs(job: PackJob) -> list[dict[str, Any]]:
    """Render the targeting support meeting pack of each school, each to its own file.

    In a worker process this reads in the exporting transaction's snapshot, so every pack sees
    the same data as the figures did.
    """
    if job.database is not None:
        default = connections["default"]
        if default.settings_dict["NAME"] != job.database:
            default.close()
            default.settings_dict["NAME"] = job.database
    reader = _reader()
    out = []
    with transaction.atomic():
        if job.snapshot is not None:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [job.snapshot])
        term = Term.objects.select_related("academic_year").get(pk=job.term_id)
        for school in School.objects.filter(pk__in=job.school_ids).order_by("name", "pk"):
            pack = targeting.targeting_pack(
                school, term, reader, on=job.on, figures=job.figures[school.pk]
            )
            agreed: list[Any] = []
            hidden = 0
            if pack.meeting is not None:
                agreed, hidden = targeting.split_shown(
                    targeting.meeting_actions(pack.meeting, reader, in_pack=True)
                )
            pdf = render_pdf(
                "pdf/targeting_pack.html",
                {
                    "pack": pack,
                    "agreed": agreed,
                    "agreed_hidden": hidden,
                    "produced_by": Producer(job.produced_by),
                    "produced_at": job.produced_at,
                },
            )
            path = Path(job.out_dir) / f"{school.urn}.pdf"
            path.write_bytes(pdf)
            pupils = set(pack.pupil_ids) | {a.pupil_id for a in agreed if a.pupil_id}
            out.append(
                {
                    "school_id": school.pk,
                    "urn": school.urn,
                    "name": school.name,
                    "file": str(path),
                    "pupil_ids": sorted(pupils),
                }
            )
    return out


def _chunks(items: Sequence[int], size: int) -> Iterator[tuple[int, ...]]:
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])


@dataclasses.dataclass
class Built:
    """The documents of one generation, in a directory, before they are stored."""

    term: Term
    school: School | None
    produced_by: str
    data_cut_off: datetime.datetime
    snapshot: Snapshot
    version: int | None  # the version the board pack's cover names
    pdf: Path
    csv: Path

    def write_board_pack(self, version: int | None) -> None:
        self.version = version
        context = board_context(self.snapshot, suppress=True)
        context.update(
            {
                "term": self.term,
                "school": self.school,
                "version": version,
                "produced_by": self.produced_by,
                "data_cut_off": self.data_cut_off,
            }
        )
        write_board_pack(context, self.pdf)


SCHOOLS_PER_DOCUMENT = 50
FRONT_PAGES_GUESS = 12  # the cover, summary, charts, measures and breakdowns, at county scale


def _document(template: str, context: dict[str, Any], first_page: int, pages: int) -> Document:
    """Lay out one part of the board pack, numbered from `first_page` of `pages`."""
    stylesheet = pdf_stylesheet()
    fetcher = StaticFilesOnly(stylesheet.parent.parent)
    numbering = CSS(
        string=f"@page :first {{ counter-reset: page {first_page} }} "
        f'@page {{ @bottom-right {{ content: "Page " counter(page) " of {pages}"; }} }}'
    )
    html = HTML(
        string=render_to_string(template, context),
        base_url=stylesheet.parent.parent.as_uri() + "/",
        url_fetcher=fetcher,
    )
    return html.render(stylesheets=[CSS(filename=str(stylesheet), url_fetcher=fetcher), numbering])


def write_board_pack(context: dict[str, Any], path: Path) -> None:
    """The board pack, laid out in parts of SCHOOLS_PER_DOCUMENT schools and written as one PDF.

    WeasyPrint lays a long document out slower per page and holds all of it at once; in parts,
    each is laid out on its own and its page numbers continue the last part's. Each school's
    page is one page, so the total is known before the schools are laid out; if one overflows,
    the parts are numbered again.
    """
    pages = list(context.pop("school_pages"))
    front = {**context, "school_pages": []}
    expected = len(pages) + FRONT_PAGES_GUESS
    for _attempt in range(3):
        documents = [_document("pdf/board_pack.html", front, 1, expected)]
        if len(documents[0].pages) + len(pages) != expected:
            expected = len(documents[0].pages) + len(pages)
            documents = [_document("pdf/board_pack.html", front, 1, expected)]
        first = len(documents[0].pages) + 1
        for start in range(0, len(pages), SCHOOLS_PER_DOCUMENT):
            part = {**context, "school_pages": pages[start : start + SCHOOLS_PER_DOCUMENT],
                    "first_school": start}  # fmt: skip
            documents.append(_document("pdf/_board_schools.html", part, first, expected))
            first += len(documents[-1].pages)
        if first - 1 == expected:
            break
        expected = first - 1
    everything = [page for document in documents for page in document.pages]
    documents[0].copy(everything).write_pdf(path)


def _stem(term: Term, school: School | None, version: int | None = None) -> str:
    stem = f"termly-report-{term.slug}-{school.urn if school else 'la'}"
    return f"{stem}-v{version}" if version else stem


@contextlib.contextmanager
def _read_snapshot(exported: bool) -> Iterator[tuple[datetime.datetime, str | None]]:
    """One transaction reading one snapshot of the data: the cut-off and, if asked, its id for
    other processes. Inside a transaction already (tests), that transaction is the snapshot."""
    owns = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if not owns:
            yield timezone.now(), None
            return
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # The snapshot is taken at the transaction's first query: this one.
        cursor.execute("SELECT clock_timestamp()")
        cut_off = _one(cursor)
        snapshot_id = None
        if exported:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = _one(cursor)
        yield cut_off, snapshot_id


def _one(cursor: Any) -> Any:
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("PostgreSQL returned no row")
    return row[0]


def build_report(
    *,
    term: Term,
    school: School | None,
    produced_by: str,
    out_dir: Path,
    packs: bool,
    store: bool = True,
) -> Built:
    """Read the figures once and write the board pack, the CSV and (if asked) a pack per school
    into `out_dir`. Packs render in worker processes while this one renders the board pack."""
    workers = pack_workers() if packs else 0
    parallel = workers > 1 and not connection.in_atomic_block
    # The snapshot is read-only: bring the attendance summaries up to date before it.
    year = term.academic_year.start_year
    summary.ensure_fresh([year - 1, year])
    with _read_snapshot(exported=parallel) as (cut_off, snapshot_id):
        today = timezone.localdate(cut_off)
        figures = school_figures(term, school, today) if school else la_figures(term, today)
        la = compute(term, today=today) if school else figures
        # The LA's report (the one with packs) breaks its figures down by school: each pack
        # reads its school's from them.
        by_school = None if school else figures
        schools = _schools(school)
        snapshot = Snapshot(
            scope=TermlyReport.Scope.SCHOOL if school else TermlyReport.Scope.LA,
            school=schools[0] if school else None,
            figures=figures,
            la=la,
            targets=_targets(),
            schools=schools,
            packs=[],
        )
        pack_dir = out_dir / "packs"
        jobs = []
        if packs:
            pack_dir.mkdir(parents=True, exist_ok=True)
            ids = [s["id"] for s in schools]
            by_pk = School.objects.in_bulk(ids)
            size = max(1, min(10, len(ids) // max(workers, 1) // 4 or 1))
            jobs = [
                PackJob(
                    snapshot=snapshot_id,
                    database=connection.settings_dict["NAME"] if parallel else None,
                    term_id=term.pk,
                    school_ids=chunk,
                    out_dir=str(pack_dir),
                    produced_by=produced_by,
                    produced_at=cut_off,
                    on=min(term.ends_on, today),
                    figures={
                        pk: targeting.school_figures(
                            by_pk[pk], term, today=today, la=la, by_school=by_school
                        )
                        for pk in chunk
                    },
                )
                for chunk in _chunks(ids, size)
            ]
        stem = _stem(term, school)
        built = Built(
            term=term,
            school=school,
            produced_by=produced_by,
            data_cut_off=cut_off,
            snapshot=snapshot,
            version=None,
            pdf=out_dir / f"{stem}.pdf",
            csv=out_dir / f"{stem}.csv",
        )
        # The cover names the version; the number is taken when the report is stored, and if
        # another generation took this one first, the board pack is drawn again (_store).
        version = _next_version(term, school) if store else None
        if parallel:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                # A fresh interpreter (spawned: no connection is shared) sets Django up before
                # it unpickles anything of ours, which needs the app registry.
                initializer=django.setup,
            ) as pool:  # fmt: skip
                results = pool.map(render_packs, jobs)
                built.write_board_pack(version)
                snapshot.packs = [pack for chunk in results for pack in chunk]
        else:
            built.write_board_pack(version)
            snapshot.packs = [pack for job in jobs for pack in render_packs(job)]
        write_csv(figures, built.csv, school_scope=school is not None)
    return built


def _versions(term: Term, school: School | None) -> QuerySet[TermlyReport]:
    scope = TermlyReport.Scope.SCHOOL if school else TermlyReport.Scope.LA
    return TermlyReport.objects.filter(term=term, scope=scope, school=school)


def _next_version(term: Term, school: School | None) -> int:
    return (_versions(term, school).aggregate(top=Max("version"))["top"] or 0) + 1


def _store(built: Built, *, by: User | None, only_if_unscheduled: bool) -> TermlyReport | None:
    """Store the documents as the next version: numbered under a lock on the term, so two
    generations at once never take the same number. Nothing is stored if `only_if_unscheduled`
    and the scheduled job has already made this term's report."""
    term, school = built.term, built.school
    saved: list[str] = []
    try:
        with transaction.atomic(), pghistory.context(user=by.pk if by else None):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, term.pk])
            versions = _versions(term, school)
            if only_if_unscheduled and versions.filter(generated_by__isnull=True).exists():
                return None
            version = _next_version(term, school)
            if version != built.version:
                built.write_board_pack(version)
            stem = _stem(term, school, version)
            report = TermlyReport(
                term=term,
                scope=TermlyReport.Scope.SCHOOL if school else TermlyReport.Scope.LA,
                school=school,
                version=version,
                generated_at=timezone.now(),
                generated_by=by,
                data_cut_off=built.data_cut_off,
            )
            for field, path in ((report.pdf, built.pdf), (report.csv, built.csv)):
                with path.open("rb") as handle:
                    field.save(f"{stem}{path.suffix}", File(handle), save=False)
                saved.append(field.name or "")
            for pack in built.snapshot.packs:
                with Path(pack["file"]).open("rb") as handle:
                    name = default_storage.save(
                        f"termly-reports/{term.pk}/{stem}-packs/{pack['urn']}.pdf", File(handle)
                    )
                saved.append(name)
                pack["file"] = name
            report.figures = built.snapshot.to_json()
            report.save()
            return report
    except BaseException:
        for name in saved:
            if name:
                default_storage.delete(name)
        raise


def generate_termly_report(
    *,
    term: Term,
    school: School | None = None,
    by: User | None = None,
    only_if_unscheduled: bool = False,
) -> TermlyReport | None:
    """Generate and store a new version of the term's report (the LA's, or one school's).

    `by` is None for the scheduled job. The LA's report includes a targeting support meeting
    pack for each open school.
    """
    if by is not None and not by.is_manager:
        raise TermlyReportError("Only a manager can generate a termly report.")
    produced_by = by.full_name if by else SCHEDULED_JOB
    with tempfile.TemporaryDirectory(prefix="termly-report-") as workdir:
        built = build_report(
            term=term, school=school, produced_by=produced_by, out_dir=Path(workdir),
            packs=school is None,
        )  # fmt: skip
        return _store(built, by=by, only_if_unscheduled=only_if_unscheduled)


def generate_requested_report(*, term: Term, school: School | None, by: User) -> TermlyReport:
    """A manager's "Generate now": the new version, and an email to them with its link."""
    report = generate_termly_report(term=term, school=school, by=by)
    if report is None:  # only a scheduled generation can find nothing to do
        raise TermlyReportError("The report was not stored.")
    _email_link(report, [by])
    return report


def generate_scheduled_report(today: datetime.date) -> TermlyReport | None:
    """The daily job: once the latest term has ended, its LA report, once, with a link emailed
    to every active manager. A run that finds the term's scheduled version (or another run
    making it) does nothing; a manager's own versions do not count."""
    term = term_to_report(today)
    if term is None:
        return None
    scheduled = _versions(term, None).filter(generated_by__isnull=True)
    if scheduled.exists():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [SCHEDULE_LOCK, term.pk])
        if not _one(cursor):
            return None  # another worker is making it now
        try:
            report = generate_termly_report(term=term, only_if_unscheduled=True)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SCHEDULE_LOCK, term.pk])
    if report is not None:
        managers = User.objects.filter(is_active=True, is_manager=True).exclude(email="")
        _email_link(report, list(managers.order_by("pk")))
    return report


def _email_link(report: TermlyReport, recipients: Sequence[User]) -> None:
    """One email each: the report's term, version and link; never a pupil's name."""
    context = {
        "report": report,
        "link": settings.SITE_URL + report.get_absolute_url(),
        "generated_by": report.generated_by.full_name if report.generated_by else None,
    }
    subject = " ".join(render_to_string("reports/termly/email_subject.txt", context).split())
    body = render_to_string("reports/termly/email_body.txt", context)
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        for user in recipients
        if user.email
    ]
    send_mass_mail(messages, fail_silently=False)


def write_report_files(*, term: Term, school: School | None, out_dir: Path) -> tuple[Path, Path]:
    """The command line's report: the same PDF and CSV, written to a directory, not stored."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="termly-report-") as workdir:
        built = build_report(
            term=term, school=school, produced_by="the termly_report command",
            out_dir=Path(workdir), packs=False, store=False,
        )  # fmt: skip
        pdf = out_dir / built.pdf.name
        csv_path = out_dir / built.csv.name
        shutil.copyfile(built.pdf, pdf)
        shutil.copyfile(built.csv, csv_path)
    return pdf, csv_path


def term_to_report(today: datetime.date) -> Term | None:
    """The term the scheduled job reports on: the one that ended most recently (before today)."""
    return (
        Term.objects.select_related("academic_year")
        .filter(ends_on__lt=today)
        .order_by("-ends_on")
        .first()
    )
