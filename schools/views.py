from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attendance_tracker.access import acting_user, require_perm
from attendance_tracker.csv_export import csv_response
from attendance_tracker.paging import paginate
from audit.models import AccessLogEntry
from audit.selectors import pupil_history
from audit.services import record_access
from schools import services
from schools.forms import (
    AcademicYearForm,
    LinkCoordinatorForm,
    NewAcademicYearForm,
    NewPupilForm,
    PupilForm,
    PupilMoveForm,
    PupilSearchForm,
    SchoolForm,
    StaffMemberForm,
)
from schools.models import AcademicYear, Enrolment, LinkAssignment, Pupil, School, SchoolStaff

# Schools ---------------------------------------------------------------------------------------


@require_perm("schools.view_schools")
def school_list(request: HttpRequest) -> HttpResponse:
    schools = (
        School.objects.visible_to(acting_user(request))
        .annotate(pupil_count=Count("current_pupils"))
        .prefetch_related(
            Prefetch("link_assignments", LinkAssignment.objects.select_related("user"))
        )
        .order_by("name")
    )
    query = request.GET.get("q", "").strip()
    if query:
        schools = schools.filter(Q(name__icontains=query) | Q(urn=query))
    page = paginate(request, schools)
    return render(request, "schools/school_list.html", {"page": page, "query": query})


@require_perm("schools.view_schools")
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(School.objects.visible_to(acting_user(request)), pk=pk)
    context = {
        "school": school,
        "staff": school.staff_memberships.select_related("user").order_by("user__full_name"),
        "link_assignments": school.link_assignments.select_related("user"),
        "pupil_count": school.current_pupils.count(),
        "can_manage": request.user.has_perm("schools.manage_schools"),
    }
    return render(request, "schools/school_detail.html", context)


@require_perm("schools.manage_schools")
def school_create(request: HttpRequest) -> HttpResponse:
    form = SchoolForm(request.POST or None)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        school = services.create_school(by=acting_user(request), **fields)
        messages.success(request, f"{school} was added.")
        return redirect(school)
    return render(request, "form_page.html", {"form": form, "title": "Add a school"})


@require_perm("schools.manage_schools")
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(School.objects.visible_to(acting_user(request)), pk=pk)
    form = SchoolForm(
        request.POST or None, instance=school, initial={"seen_version": school.version}
    )
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        try:
            services.update_school(
                school=school,
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"] or 0,
                **fields,
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The school’s details were saved.")
            return redirect(school)
    return render(
        request, "form_page.html", {"form": form, "title": f"Change {school}", "back": school}
    )


@require_perm("schools.manage_schools")
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(School.objects.visible_to(acting_user(request)), pk=pk)
    form = StaffMemberForm(request.POST or None)
    if form.is_valid():
        try:
            services.add_staff_member(
                school=school,
                user=form.cleaned_data["email"],
                job_role=form.cleaned_data["job_role"],
                by=acting_user(request),
            )
        except services.RuleBroken as refusal:
            form.add_error("email", str(refusal))
        else:
            messages.success(request, "The staff member was added.")
            return redirect(school)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Add a staff member to {school}", "back": school},
    )


@require_POST
@require_perm("schools.manage_schools")
def staff_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = get_object_or_404(SchoolStaff, pk=membership_pk, school_id=pk)
    services.remove_staff_member(membership=membership, by=acting_user(request))
    messages.success(request, f"{membership.user} is no longer a staff member here.")
    return redirect(membership.school)


@require_perm("schools.manage_schools")
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(School.objects.visible_to(acting_user(request)), pk=pk)
    form = LinkCoordinatorForm(request.POST or None)
    if form.is_valid():
        try:
            services.assign_link_coordinator(
                school=school, user=form.cleaned_data["user"], by=acting_user(request)
            )
        except services.RuleBroken as refusal:
            form.add_error("user", str(refusal))
        else:
            messages.success(request, "The link co-ordinator was assigned.")
            return redirect(school)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Assign a link co-ordinator to {school}", "back": school},
    )


@require_POST
@require_perm("schools.manage_schools")
def link_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = get_object_or_404(LinkAssignment, pk=assignment_pk, school_id=pk)
    services.unassign_link_coordinator(assignment=assignment, by=acting_user(request))
    messages.success(request, f"{assignment.user} is no longer this school’s link co-ordinator.")
    return redirect(assignment.school)


# Pupils ----------------------------------------------------------------------------------------


def _searched_pupils(request: HttpRequest) -> tuple[PupilSearchForm, "object"]:
    user = acting_user(request)
    form = PupilSearchForm(request.GET or None, schools=School.objects.visible_to(user))
    pupils = Pupil.objects.visible_to(user).select_related("current_school")
    if form.is_valid():
        pupils = pupils.search(form.cleaned_data["q"])
        if form.cleaned_data["school"]:
            pupils = pupils.filter(current_school=form.cleaned_data["school"])
    return form, pupils


@require_perm("schools.view_pupils")
def pupil_list(request: HttpRequest) -> HttpResponse:
    form, pupils = _searched_pupils(request)
    page = paginate(request, pupils)  # type: ignore[arg-type]
    return render(
        request,
        "schools/pupil_list.html",
        {
            "form": form,
            "page": page,
            "searched": bool(request.GET.get("q") or request.GET.get("school")),
            "can_add": request.user.has_perm("schools.change_pupils"),
            "can_export": request.user.has_perm("schools.export_pupils"),
            "export_query": request.GET.urlencode(),
        },
    )


@require_perm("schools.export_pupils")
def pupil_export(request: HttpRequest) -> HttpResponseBase:
    _, pupils = _searched_pupils(request)
    rows = list(
        pupils.values_list(  # type: ignore[attr-defined]
            "pk",
            "upn",
            "given_name",
            "family_name",
            "date_of_birth",
            "year_group",
            "current_school__urn",
            "current_school__name",
        )
    )
    record_access(
        request=request,
        action=AccessLogEntry.Action.EXPORT,
        pupil_ids=[row[0] for row in rows],
        description=f"Exported a list of {len(rows)} pupils (CSV)",
    )
    return csv_response(
        filename="pupils.csv",
        header=[
            "UPN",
            "Given name",
            "Family name",
            "Date of birth",
            "Year group",
            "School URN",
            "School",
        ],
        rows=(row[1:] for row in rows),
    )


def _pupil_in_scope(request: HttpRequest, pk: int, permission: str) -> Pupil:
    """Out of the user's scope: not found (404). In scope but not allowed: forbidden (403)."""
    pupil = get_object_or_404(Pupil.objects.visible_to(acting_user(request)), pk=pk)
    if not request.user.has_perm(permission, pupil):
        raise PermissionDenied
    return pupil


@require_perm("schools.view_pupils")
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = get_object_or_404(
        Pupil.objects.visible_to(acting_user(request)).select_related("current_school"), pk=pk
    )
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_PUPIL,
        pupil_ids=[pupil.pk],
        description="Viewed the pupil’s record",
    )
    context = {
        "pupil": pupil,
        "enrolments": Enrolment.objects.filter(pupil=pupil)
        .select_related("school")
        .order_by("-started_on"),
        "can_change": request.user.has_perm("schools.change_pupils"),
        "can_see_history": request.user.has_perm("schools.view_pupil_history"),
    }
    return render(request, "schools/pupil_detail.html", context)


@require_perm("schools.change_pupils")
def pupil_create(request: HttpRequest) -> HttpResponse:
    schools = School.objects.visible_to(acting_user(request)).filter(is_open=True)
    form = NewPupilForm(request.POST or None, schools=schools)
    if form.is_valid():
        fields = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in {"school", "started_on", "seen_version"}
        }
        try:
            pupil = services.create_pupil(
                by=acting_user(request),
                school=form.cleaned_data["school"],
                started_on=form.cleaned_data["started_on"],
                **fields,
            )
        except services.RuleBroken as refusal:
            form.add_error("upn", str(refusal))
        else:
            messages.success(request, f"{pupil} was added.")
            return redirect(pupil)
    return render(request, "form_page.html", {"form": form, "title": "Add a pupil"})


@require_perm("schools.view_pupils")
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_in_scope(request, pk, "schools.change_pupils")
    form = PupilForm(request.POST or None, instance=pupil, initial={"seen_version": pupil.version})
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "seen_version"}
        try:
            services.update_pupil(
                pupil=pupil,
                by=acting_user(request),
                seen_version=form.cleaned_data["seen_version"] or 0,
                **fields,
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The pupil’s details were saved.")
            return redirect("schools:pupil-detail", pk=pupil.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Change {pupil}’s details", "back": pupil},
    )


@require_perm("schools.view_pupils")
def pupil_move(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_in_scope(request, pk, "schools.change_pupils")
    form = PupilMoveForm(
        request.POST or None,
        schools=School.objects.filter(is_open=True),
        initial={"seen_version": pupil.version},
    )
    if form.is_valid():
        try:
            services.record_move(
                pupil=pupil,
                to_school=form.cleaned_data["to_school"],
                moved_on=form.cleaned_data["moved_on"],
                seen_version=form.cleaned_data["seen_version"],
                by=acting_user(request),
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"{pupil}’s move to {form.cleaned_data['to_school']} was recorded."
            )
            if Pupil.objects.visible_to(acting_user(request)).filter(pk=pupil.pk).exists():
                return redirect(pupil)
            return redirect("schools:pupil-list")
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Record a move for {pupil}", "back": pupil},
    )


@require_perm("schools.view_pupils")
def pupil_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = _pupil_in_scope(request, pk, "schools.view_pupil_history")
    record_access(
        request=request,
        action=AccessLogEntry.Action.VIEW_HISTORY,
        pupil_ids=[pupil.pk],
        description="Viewed the pupil’s history",
    )
    return render(
        request,
        "schools/pupil_history.html",
        {"pupil": pupil, "history": pupil_history(pupil=pupil)},
    )


# Term dates ------------------------------------------------------------------------------------


@require_perm("schools.manage_terms")
def term_list(request: HttpRequest) -> HttpResponse:
    years = AcademicYear.objects.prefetch_related("terms")
    return render(request, "schools/term_list.html", {"years": years})


@require_perm("schools.manage_terms")
def academic_year_create(request: HttpRequest) -> HttpResponse:
    form = NewAcademicYearForm(request.POST or None)
    if form.is_valid():
        try:
            services.save_academic_year(
                start_year=form.cleaned_data["start_year"],
                terms=form.term_dates(),
                by=acting_user(request),
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "The term dates were saved.")
            return redirect("schools:term-list")
    return render(request, "form_page.html", {"form": form, "title": "Add an academic year"})


@require_perm("schools.manage_terms")
def academic_year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    year = get_object_or_404(AcademicYear, pk=pk)
    initial = {}
    for term in year.terms.all():
        initial[f"{term.name}_starts_on"] = term.starts_on
        initial[f"{term.name}_ends_on"] = term.ends_on
    form = AcademicYearForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.save_academic_year(
                start_year=year.start_year, terms=form.term_dates(), by=acting_user(request)
            )
        except services.RuleBroken as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"The term dates for {year} were saved.")
            return redirect("schools:term-list")
    return render(request, "form_page.html", {"form": form, "title": f"Term dates for {year}"})
