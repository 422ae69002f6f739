"""Termly reports: the list of reports and their versions, generating one now, a version's page,
and its downloads.

A version is fetched through `termly.visible_termly_reports` (out of scope: 404). The LA's board
pack and CSV are for managers and administrators; a link co-ordinator opens the LA's versions for
their schools' packs; a school's own report is for everyone who works with the school. Every
download is served by a view that checks all that, logged in the access log, as an attachment
no cache keeps.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.forms import GovForm
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.services import record_access
from reports import dashboard, tasks, termly
from reports.measures import Figures
from reports.measures.definitions import SPLITS
from reports.models import TermlyReport
from schools.models import School, Term

VIEW = "reports.view_termly_reports"
LA_REPORT = "reports.download_la_termly_report"
PACKS = "reports.download_termly_packs"
GENERATE = "reports.generate_termly_report"


class GenerateForm(GovForm):
    submit_label = "Generate the report"

    term = forms.ModelChoiceField(
        label="Term",
        queryset=Term.objects.none(),
        empty_label=None,
        help_text="Terms that have started. A term still in progress is reported so far.",
    )
    school = forms.ModelChoiceField(
        label="Schools",
        queryset=School.objects.none(),
        required=False,
        empty_label="Every school: the LA’s board pack, with a pack for each school",
        help_text="Or one school’s own report, for the school to see.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = (  # type: ignore[attr-defined]
            Term.objects.filter(starts_on__lte=timezone.localdate())
            .select_related("academic_year")
            .order_by("-starts_on")
        )
        self.fields["school"].queryset = (  # type: ignore[attr-defined]
            School.objects.filter(is_open=True).order_by("name")
        )


def _reports(request: HttpRequest) -> QuerySet[TermlyReport]:
    # A version's figures run to megabytes: pages read only the parts they show.
    return (
        termly.visible_termly_reports(acting_user(request))
        .select_related("term__academic_year", "school", "generated_by")
        .defer("figures")
    )


def _report(request: HttpRequest, pk: int) -> TermlyReport:
    return get_object_or_404(_reports(request), pk=pk)


def _may_download(request: HttpRequest, report: TermlyReport) -> None:
    if report.scope == TermlyReport.Scope.LA and not request.user.has_perm(LA_REPORT):
        raise PermissionDenied


def _described(report: TermlyReport) -> str:
    scope = report.school.name if report.school else "the LA"
    return f"the {report.term} termly report for {scope}, version {report.version}"


@require_perm(VIEW)
def termly_list(request: HttpRequest) -> HttpResponse:
    """Every version the user may open, newest term first."""
    reports = _reports(request).order_by(
        "-term__starts_on", "scope", "school__name", "school_id", "-version"
    )
    return render(
        request,
        "reports/termly/list.html",
        {
            "page": paginate(request, reports),
            "can_generate": request.user.has_perm(GENERATE),
            "can_see_la": request.user.has_perm(LA_REPORT),
        },
    )


@require_perm(GENERATE)
def termly_generate(request: HttpRequest) -> HttpResponse:
    """Generate a report now: queued, since the LA's report with its packs takes minutes."""
    form = GenerateForm(request.POST or None)
    if form.is_valid():
        term, school = form.cleaned_data["term"], form.cleaned_data["school"]
        tasks.generate_termly_report_task.delay(
            term.pk, school.pk if school else None, acting_user(request).pk
        )
        scope = f"{school.name}’s report" if school else "The LA’s report"
        messages.success(
            request,
            f"{scope} for the {term} is being generated. It is listed here when it is ready "
            "(the LA’s, with a pack for each school, takes a few minutes), and you will get an "
            "email with a link.",
        )
        return redirect("reports:termly-list")
    return render(
        request,
        "reports/termly/generate.html",
        {"form": form, "title": "Generate a termly report now"},
    )


def _screen_figures(data: dict[str, Any], school_scope: bool) -> dict[str, Any]:
    """The stored figures the page shows: the LA's own and by phase (its schools, pupil
    characteristics and link co-ordinators are in the PDF and CSV)."""
    if school_scope:
        return data
    shown = {"all", "phase", *SPLITS}
    return {**data, "rows": [row for row in data["rows"] if row[1] in shown]}


@require_perm(VIEW)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version: who made it and when, its downloads, and its figures as stored (on screen
    small numbers are shown: they have not left the service)."""
    report = _report(request, pk)
    user = acting_user(request)
    stored = TermlyReport.objects.filter(pk=report.pk).values_list(
        "figures__figures", "figures__targets", "figures__packs"
    )
    data, targets, packs = stored.get()
    school_scope = report.scope == TermlyReport.Scope.SCHOOL
    figures = Figures.from_json(_screen_figures(data, school_scope))
    figures.breakdown = ""
    layout = dashboard.dashboard(figures, [termly.stored_target(t) for t in targets], None)
    visible_packs = []
    if packs and request.user.has_perm(PACKS):
        mine = set(School.objects.visible_to(user).values_list("pk", flat=True))
        visible_packs = [pack for pack in packs if pack["school_id"] in mine]
    return render(
        request,
        "reports/termly/detail.html",
        {
            **layout,
            "report": report,
            "may_download": school_scope or request.user.has_perm(LA_REPORT),
            "packs": visible_packs,
            "generated_by": report.generated_by.full_name
            if report.generated_by
            else "The scheduled job",
        },
    )


def _file(
    request: HttpRequest, field: FieldFile, *, filename: str, content_type: str
) -> FileResponse:
    if not field:
        raise Http404
    response = FileResponse(
        field.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    return response


@require_perm(VIEW)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = _report(request, pk)
    _may_download(request, report)
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=[],  # figures only: the board pack names no pupil
        description=f"Downloaded {_described(report)} (PDF)",
    )
    return _file(
        request, report.pdf, filename=_filename(report, "pdf"), content_type="application/pdf"
    )


@require_perm(VIEW)
def report_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    report = _report(request, pk)
    _may_download(request, report)
    record_access(
        request=request,
        action=AccessLogEntry.Action.EXPORT,
        pupil_ids=[],  # figures only
        description=f"Downloaded {_described(report)} (CSV)",
    )
    return _file(request, report.csv, filename=_filename(report, "csv"), content_type="text/csv")


def _filename(report: TermlyReport, suffix: str) -> str:
    scope = report.school.urn if report.school else "la"
    return f"termly-report-{report.term.slug}-{scope}-v{report.version}.{suffix}"


@require_perm(VIEW)
def report_pack(request: HttpRequest, pk: int, school_pk: int) -> HttpResponseBase:
    """One school's targeting support meeting pack, stored with the LA's version. It names
    pupils, so it is for the LA's staff who may see the school, and its pupils are logged."""
    report = _report(request, pk)
    school = get_object_or_404(School.objects.visible_to(acting_user(request)), pk=school_pk)
    if not request.user.has_perm(PACKS):
        raise PermissionDenied
    packs = TermlyReport.objects.filter(pk=report.pk).values_list("figures__packs", flat=True)
    pack = next((p for p in packs.get() or [] if p["school_id"] == school.pk), None)
    if pack is None:
        raise Http404
    record_access(
        request=request,
        action=AccessLogEntry.Action.DOWNLOAD,
        pupil_ids=pack["pupil_ids"],
        description=f"Downloaded {school.name}’s targeting support meeting pack from "
        f"{_described(report)}",
    )
    field = FieldFile(report, TermlyReport._meta.get_field("pdf"), pack["file"])
    return _file(
        request,
        field,
        filename=f"targeting-pack-{school.urn}-{report.term.slug}-v{report.version}.pdf",
        content_type="application/pdf",
    )
