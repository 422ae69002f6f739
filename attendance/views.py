from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attendance import selectors, services, tasks
from attendance.forms import DismissForm, UploadForm
from attendance.imports import progress
from attendance.models import AttendanceImport, ImportProblem
from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.csv_export import csv_response
from attendance_tracker.paging import paginate
from schools.models import Pupil, School

PROBLEMS_ON_PAGE = 1000


@require_perm("attendance.import_attendance")
def import_start(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        record = services.store_upload(
            source=upload, file_name=upload.name, by=acting_user(request)
        )
        tasks.run_attendance_import.delay(record.pk)
        return redirect(record)
    return render(request, "attendance/import_start.html", {"form": form})


@require_perm("attendance.view_imports")
def import_list(request: HttpRequest) -> HttpResponse:
    imports = selectors.visible_imports(acting_user(request))
    return render(request, "attendance/import_list.html", {"page": paginate(request, imports)})


def _import_in_scope(request: HttpRequest, pk: int) -> AttendanceImport:
    return get_object_or_404(selectors.visible_imports(acting_user(request)), pk=pk)


@require_perm("attendance.view_imports")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _import_in_scope(request, pk)
    problems = record.problems.all()
    errors = list(problems.filter(kind=ImportProblem.Kind.ERROR)[:PROBLEMS_ON_PAGE])
    confirmed = AttendanceImport.objects.filter(checked_import=record).first()
    context = {
        "record": record,
        "progress": progress.read(record.pk) if not record.is_finished else {},
        "errors": errors,
        "more_errors": max(0, record.error_count - len(errors)),
        "warnings": problems.filter(kind=ImportProblem.Kind.WARNING)[:PROBLEMS_ON_PAGE],
        "changes": problems.filter(kind=ImportProblem.Kind.CHANGE)[:PROBLEMS_ON_PAGE],
        "confirmed": confirmed,
        "can_import": (
            record.status == AttendanceImport.Status.CHECKED
            and confirmed is None
            and request.user.has_perm("attendance.import_attendance")
        ),
    }
    return render(request, "attendance/import_detail.html", context)


@require_perm("attendance.view_imports")
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    record = _import_in_scope(request, pk)
    return JsonResponse(
        {"status": record.status, "finished": record.is_finished, **progress.read(record.pk)}
    )


@require_POST
@require_perm("attendance.import_attendance")
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    checked = _import_in_scope(request, pk)
    try:
        record = services.confirm_import(checked=checked, by=acting_user(request))
    except services.RuleBroken as refusal:
        messages.error(request, str(refusal))
        return redirect(checked)
    tasks.run_attendance_import.delay(record.pk)
    return redirect(record)


@require_perm("attendance.view_imports")
def import_problems_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    record = _import_in_scope(request, pk)
    rows = record.problems.order_by("row_number", "pk").values_list(
        "row_number", "column", "value", "message", "kind"
    )
    return csv_response(
        filename=f"import-{record.pk}-problems.csv",
        header=["row", "column", "value", "problem", "kind"],
        rows=rows.iterator(),
    )


def _school_filter(request: HttpRequest) -> tuple[School | None, object]:
    schools = School.objects.visible_to(acting_user(request)).order_by("name")
    school = None
    if request.GET.get("school", "").isdigit():
        school = schools.filter(pk=request.GET["school"]).first()
    return school, schools


@require_perm("attendance.view_queue")
def queue(request: HttpRequest) -> HttpResponse:
    school, schools = _school_filter(request)
    members = selectors.identification_queue(acting_user(request), school=school)
    return render(
        request,
        "attendance/queue.html",
        {
            "page": paginate(request, members),
            "schools": schools,
            "school": school,
            "can_dismiss": request.user.has_perm("attendance.dismiss_from_queue"),
        },
    )


@require_perm("schools.view_pupils")
def dismiss(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = get_object_or_404(Pupil.objects.visible_to(acting_user(request)), pk=pupil_pk)
    if not request.user.has_perm("attendance.dismiss_from_queue"):
        raise PermissionDenied
    start_year = selectors.current_start_year()
    figures = selectors.pupil_attendance_year(pupil, start_year)
    form = DismissForm(request.POST or None)
    if form.is_valid():
        try:
            services.dismiss_from_queue(
                pupil=pupil,
                start_year=start_year,
                reason=form.cleaned_data["reason"],
                by=acting_user(request),
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{pupil} was removed from the identification queue.")
            return redirect("attendance:queue")
    return render(
        request, "attendance/dismiss.html", {"form": form, "pupil": pupil, "figures": figures}
    )


@require_perm("attendance.view_at_risk")
def at_risk(request: HttpRequest) -> HttpResponse:
    school, schools = _school_filter(request)
    pupils = selectors.at_risk_list(acting_user(request), school=school)
    return render(
        request,
        "attendance/at_risk.html",
        {"page": paginate(request, pupils), "schools": schools, "school": school},
    )
