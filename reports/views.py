"""The dashboard, the pupils behind its figures, and the LA's targets."""

import dataclasses
import datetime

from django.contrib import messages
from django.db.models import DecimalField, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from accounts.models import User
from attendance.models import PupilAttendance
from attendance_tracker.access import acting_user, require_perm
from audit.models import AccessLogEntry
from audit.services import record_access
from reports import cache, measures, selectors, services, tasks
from reports.dashboard import figures_html
from reports.forms import DashboardForm, TargetsForm
from reports.keyset import keyset_page
from reports.measures.definitions import SPLITS
from schools.models import AcademicYear, Pupil, School, Term


@dataclasses.dataclass(frozen=True)
class Chosen:
    form: DashboardForm
    term: Term | None
    filters: measures.Filters
    breakdown: str
    schools: tuple[int, ...] | None  # the viewer's schools; None: the whole LA
    today: datetime.date

    def described(self) -> str:
        """The filters in words: "Secondary; Free school meals"."""
        fields = self.form.fields
        chosen = [
            ("phase", self.filters.phase),
            ("school", str(self.filters.school or "")),
            ("link_coordinator", self.filters.link_coordinator),
            ("characteristic", self.filters.characteristic),
        ]
        words = []
        for name, value in chosen:
            if not value:
                continue
            listed = dict(getattr(fields.get(name), "choices", ()))
            if value in listed:
                words.append(str(listed[value]))
            elif name == "school":  # typed as a URN: the list is too long to show
                words.append(School.objects.get(pk=int(value)).name)
            elif name == "link_coordinator" and value.isdigit():
                words.append(User.objects.get(pk=int(value)).full_name)
            else:
                words.append(value)
        return "; ".join(words)

    def drill_base(self) -> dict[str, str]:
        """The choices a drill-down keeps, as its query's parameters."""
        term = {"term": str(self.term.pk)} if self.term else {}
        return term | self.form.query(self.filters)


def _choices(request: HttpRequest) -> Chosen:
    """The viewer's schools, and the term, filters and breakdown they chose."""
    user = acting_user(request)
    today = timezone.localdate()
    visible = School.objects.visible_to(user)
    terms = (
        Term.objects.filter(
            starts_on__lte=today,
            academic_year__start_year__gte=AcademicYear.start_year_for(today) - 1,
        )
        .select_related("academic_year")
        .order_by("-starts_on")
    )
    form = DashboardForm(request.GET or None, schools=visible, terms=terms)
    term, filters, breakdown = form.choices()
    term = term or Term.objects.current(today)
    in_scope = selectors.dashboard_schools(user)
    schools = None if in_scope is None else tuple(in_scope.values_list("pk", flat=True))
    return Chosen(form, term, filters, breakdown, schools, today)


def _scope_label(schools: tuple[int, ...] | None) -> str:
    if schools is None:
        return "every school in the local authority"
    if len(schools) == 1:
        school = School.objects.filter(pk=schools[0]).values_list("name", flat=True).first()
        return school or "your school"
    return f"your {len(schools)} schools"


def _current_period(term: Term, today: datetime.date) -> dict[str, object]:
    """The heading's words for the term: its name, and whether it is still going on."""
    label = f"{term.get_name_display()} {term.academic_year}"
    return {"label": label, "so_far": today < term.ends_on, "as_of": min(today, term.ends_on)}


@require_perm("reports.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    chosen = _choices(request)
    term, schools, filters = chosen.term, chosen.schools, chosen.filters
    breakdown, today = chosen.breakdown, chosen.today
    if term is None:
        return render(request, "reports/no_terms.html")
    fresh_key = cache.key(
        term_id=term.pk,
        schools=schools,
        filters=filters,
        breakdown=breakdown,
        today=today,
        version=cache.data_version(),
    )
    latest_key = cache.latest_key(
        term_id=term.pk, schools=schools, filters=filters, breakdown=breakdown
    )

    def here() -> str:
        return figures_html(
            term, schools=schools, filters=filters, breakdown=breakdown, today=today,
            drill_base=chosen.drill_base(),
        )  # fmt: skip

    def start_working() -> None:
        tasks.dashboard_figures_task.delay(
            {
                "term_id": term.pk,
                "schools": None if schools is None else list(schools),
                "filters": dataclasses.asdict(filters),
                "breakdown": breakdown,
                "today": today.isoformat(),
                "drill_base": chosen.drill_base(),
                "fresh_key": fresh_key,
                "latest_key": latest_key,
            }
        )

    shown = cache.answer(fresh_key, latest_key, here, start_working)
    context = {
        "figures": mark_safe(shown.html) if shown.html is not None else None,  # noqa: S308 - ours
        "worked_out_at": shown.worked_out_at,
        "filters_form": chosen.form,
        "term": term,
        "current": _current_period(term, today),
        "scope": _scope_label(schools),
        "filtered": chosen.described(),
        "breakdown": breakdown,
        "can_see_targets": request.user.has_perm("reports.view_targets"),
    }
    return render(request, "reports/dashboard.html", context)


def _split(text: str) -> tuple[str, str]:
    dim, _, value = text.partition(":")
    return (dim, value) if dim in SPLITS else ("", "")


@require_perm("reports.view_dashboard")
def drilldown(request: HttpRequest) -> HttpResponse:
    """The pupils behind a count, narrowed to those the viewer may see today."""
    user = acting_user(request)
    chosen = _choices(request)
    term, schools, filters = chosen.term, chosen.schools, chosen.filters
    measure = measures.BY_CODE.get(request.GET.get("measure", ""))
    if term is None or measure is None or not measure.drilldown:
        raise Http404("There is no list of pupils behind that figure.")
    period = request.GET.get("period", "")
    split = _split(request.GET.get("split", ""))
    try:
        query, params = measures.drilldown_sql(
            term, measure=measure.code, period=period, schools=schools, filters=filters,
            split=split,
        )  # fmt: skip
        periods, _ = measures.periods_for(term)
    except ValueError as error:
        raise Http404("There is no list of pupils behind that figure.") from error
    year = AcademicYear.start_year_for(timezone.localdate())
    pupils = (
        Pupil.objects.visible_to(user)
        .filter(pk__in=RawSQL(query, params))  # noqa: S611 - the measures' SQL, values bound
        .select_related("current_school")
        .annotate(
            rate=Subquery(
                PupilAttendance.objects.filter(pupil=OuterRef("pk"), start_year=year).values(
                    "attendance_rate"
                )[:1],
                output_field=DecimalField(),
            )
        )
    )
    page = keyset_page(request, pupils)
    period_label = next(p.label for p in periods if p.code == period)
    split_label = ""
    if split[0]:
        split_label = SPLITS[split[0]][1].get(split[1], split[1]) or split[1]
    if page.rows:
        record_access(
            request=request,
            action=AccessLogEntry.Action.VIEW_PUPIL,
            pupil_ids=[pupil.pk for pupil in page.rows],
            description=f"Viewed the pupils behind a dashboard figure: {measure.label}, "
            f"{period_label}",
        )
    back = {k: v for k, v in request.GET.items() if k not in ("measure", "period", "split",
                                                               "after", "before")}  # fmt: skip
    return render(
        request,
        "reports/drilldown.html",
        {
            "measure": measure,
            "period_label": period_label,
            "split_label": split_label,
            "page": page,
            "filters_form": chosen.form,
            "back_query": "&".join(f"{k}={v}" for k, v in back.items()),
            "scope": _scope_label(schools),
            "filtered": chosen.described(),
        },
    )


# Targets ---------------------------------------------------------------------------------------


@require_perm("reports.view_targets")
def targets(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/targets.html",
        {
            "targets": selectors.targets(),
            "can_change": request.user.has_perm("reports.manage_targets"),
        },
    )


@require_perm("reports.manage_targets")
def targets_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.targets()
    form = TargetsForm(request.POST or None, targets=current)
    refusal = ""
    if form.is_valid():
        changes = [
            services.TargetChange(
                target_id=pk, seen_version=version, baseline=baseline, target=target
            )
            for pk, version, baseline, target in form.changes()
        ]
        try:
            saved = services.update_targets(changes=changes, by=acting_user(request))
        except services.TargetRuleBroken as refused:
            refusal = str(refused)
            # Show the figures as they are now, with their new versions, to change again.
            form = TargetsForm(targets=selectors.targets())
        else:
            messages.success(
                request,
                f"{len(saved)} target{'s were' if len(saved) != 1 else ' was'} changed."
                if saved
                else "Nothing was changed.",
            )
            return redirect("reports:targets")
    return render(request, "reports/targets_edit.html", {"form": form, "refusal": refusal})
