"""What each measure of the termly report is: its code, its number in reports.md, its label, and
how its value is made from its numerator and denominator.

The codes are what the CSV's `measure` column holds and what a Target names.
"""

import dataclasses
import enum

from cases.models import Case, LeadProfessional, OtherPlan, Rag, Tier
from early_help_plans.models import Aspect, EarlyHelpPlan, Grade, Readiness
from schools.models import School


class Kind(enum.StrEnum):
    RATE = "rate"  # numerator ÷ denominator, as a percentage
    COUNT = "count"  # a number of pupils, cases, plans…; the denominator, if any, for context
    PER_100 = "per_100"  # numerator ÷ denominator × 100
    MEAN = "mean"  # numerator is a sum over `denominator` items
    MEDIAN = "median"  # over `denominator` items
    DATE = "date"  # a date, in `value`


@dataclasses.dataclass(frozen=True)
class Measure:
    code: str
    number: int  # its section in reports.md
    label: str
    kind: Kind
    # For measures made of counted sets: the measure whose count is the denominator.
    denominator: str | None = None
    # Whether a count can be opened to the list of pupils behind it.
    drilldown: bool = False
    # Which way is better (None: neither, it is context).
    lower_is_better: bool | None = None
    unit: str = ""


M = Measure
# fmt: off
MEASURES: tuple[Measure, ...] = (
    # 1–5: attendance, from imported records.
    M("overall_absence", 1, "Overall absence rate", Kind.RATE, lower_is_better=True,
      unit="% of possible sessions missed"),
    M("persistent_absence", 2, "Persistent absence rate", Kind.RATE, drilldown=True,
      lower_is_better=True, unit="% of pupils missing 10% or more"),
    M("severe_absence", 3, "Severe absence rate", Kind.RATE, drilldown=True,
      lower_is_better=True, unit="% of pupils missing 50% or more"),
    M("suspensions_per_100", 4, "Suspensions per 100 pupils", Kind.PER_100, drilldown=True,
      lower_is_better=True, unit="suspensions per 100 pupils"),
    M("schools_without_data", 5, "Schools with no attendance data", Kind.COUNT,
      denominator="schools_in_scope", lower_is_better=True, unit="schools"),
    M("schools_in_scope", 5, "Open schools", Kind.COUNT, unit="schools"),
    M("latest_import_on", 5, "Latest attendance import", Kind.DATE),
    M("latest_data_to", 5, "Attendance data up to", Kind.DATE),
    # 6: severely absent pupils, year to date at term end.
    M("severe_at_term_end", 6, "Severely absent pupils at term end", Kind.COUNT, drilldown=True,
      lower_is_better=True, unit="pupils"),
    M("newly_severe", 6, "Newly severely absent this term", Kind.COUNT, drilldown=True,
      lower_is_better=True, unit="pupils"),
    M("no_longer_severe", 6, "No longer severely absent this term", Kind.COUNT, drilldown=True,
      lower_is_better=False, unit="pupils"),
    M("severe_no_attendance", 6, "Of them, did not attend at all in the term", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=True),
    M("severe_ehcp", 6, "Of them, with an EHC plan", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True),
    M("severe_primary_age", 6, "Of them, primary age (year 6 and below)", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True),
    M("severe_secondary_age", 6, "Of them, secondary age (year 7 and above)", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True),
    # 7: of the severely absent at term end.
    M("with_lead", 7, "With a named lead professional", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=False),
    M("with_fehp", 7, "With an active Family Early Help Plan", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=False),
    M("with_plan", 7, "With a plan of any kind", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=False),
    M("with_lead_and_plan", 7, "With a named lead professional and a plan", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=False),
    M("without_lead_or_plan", 7, "With neither a lead professional nor a plan", Kind.COUNT,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=True, unit="pupils"),
    M("not_discussed_14_days", 7, "Not discussed on a link call in the last 14 days", Kind.RATE,
      denominator="severe_at_term_end", drilldown=True, lower_is_better=True),
    # 8: cases.
    M("cases_open", 8, "Cases open at term end", Kind.COUNT, drilldown=True, unit="cases"),
    M("cases_opened", 8, "Cases opened in the term", Kind.COUNT, drilldown=True, unit="cases"),
    M("cases_closed", 8, "Cases closed in the term", Kind.COUNT, drilldown=True, unit="cases"),
    M("step_ups", 8, "Step-ups to children’s social care", Kind.COUNT, drilldown=True,
      unit="step-ups"),
    M("step_downs", 8, "Step-downs to universal services", Kind.COUNT, drilldown=True,
      unit="step-downs"),
    # 9: Family Early Help Plans.
    M("plans_active", 9, "Active plans at term end", Kind.COUNT, drilldown=True, unit="plans"),
    M("plans_started", 9, "Plans started in the term", Kind.COUNT, drilldown=True, unit="plans"),
    M("plans_closed", 9, "Plans closed in the term", Kind.COUNT, drilldown=True, unit="plans"),
    M("plans_stepped_up", 9, "Plans stepped up to children’s social care (MASH)", Kind.COUNT,
      drilldown=True, unit="plans"),
    M("plan_lead_changes", 9, "Changes of lead professional", Kind.COUNT, drilldown=True,
      unit="changes"),
    # 10: reviews.
    M("reviews_due", 10, "Reviews due in the term", Kind.COUNT, drilldown=True, unit="reviews"),
    M("reviews_on_time", 10, "Reviews held on time", Kind.RATE, denominator="reviews_due",
      drilldown=True, lower_is_better=False),
    M("plans_overdue", 10, "Plans overdue for review at term end", Kind.COUNT, drilldown=True,
      lower_is_better=True, unit="plans"),
    M("days_overdue", 10, "Median days overdue", Kind.MEDIAN, lower_is_better=True,
      unit="days"),
    # 11: impact of plans closed in the term.
    M("impact_plans", 11, "Plans closed with attendance before and after", Kind.COUNT,
      drilldown=True, unit="plans"),
    M("impact_attendance_change", 11, "Mean change in attendance", Kind.MEAN,
      lower_is_better=False, unit="percentage points"),
    M("impact_improved_10", 11, "Attendance improved by 10 points or more", Kind.RATE,
      denominator="impact_plans", drilldown=True, lower_is_better=False),
    M("impact_was_severe", 11, "Severely absent when the plan started", Kind.COUNT,
      drilldown=True, unit="plans"),
    M("impact_no_longer_severe", 11, "No longer severely absent at closure", Kind.RATE,
      denominator="impact_was_severe", drilldown=True, lower_is_better=False),
    # 12: aspects of life and readiness to change.
    M("aspect_change_parent", 12, "Change in aspect scores (parent or carer)", Kind.MEAN,
      lower_is_better=False, unit="points"),
    M("aspect_change_child", 12, "Change in aspect scores (child)", Kind.MEAN,
      lower_is_better=False, unit="points"),
    M("readiness", 12, "Readiness to change, across actions", Kind.RATE,
      denominator="readiness", unit="actions"),
    # 13: quality audits.
    M("plans_audited", 13, "Plans audited in the term", Kind.COUNT, drilldown=True,
      unit="plans"),
    # 14–15: reduced timetables.
    M("rtt_started", 14, "Pupils starting a reduced timetable", Kind.COUNT, drilldown=True,
      lower_is_better=True, unit="pupils"),
    M("rtt_on_at_end", 14, "Pupils on a reduced timetable at term end", Kind.COUNT,
      drilldown=True, lower_is_better=True, unit="pupils"),
    M("rtt_ended", 14, "Pupils whose reduced timetable ended", Kind.COUNT, drilldown=True,
      unit="pupils"),
    M("rtt_over_6_weeks", 15, "Running more than 6 weeks", Kind.COUNT, drilldown=True,
      lower_is_better=True, unit="pupils"),
    M("rtt_over_6_weeks_no_return_plan", 15, "More than 6 weeks with no return-to-full-time plan",
      Kind.COUNT, drilldown=True, lower_is_better=True, unit="pupils"),
    M("rtt_ended_full_time", 15, "Ended with a return to full time", Kind.RATE,
      denominator="rtt_ended", drilldown=True, lower_is_better=False),
    M("c2_without_rtt", 15, "Pupils with C2 sessions but no reduced timetable recorded",
      Kind.COUNT, drilldown=True, lower_is_better=True, unit="pupils"),
)
# fmt: on
BY_CODE = {measure.code: measure for measure in MEASURES}


# Measures computed from sessions in attendance records (per pupil and school), not counted sets.
ATTENDANCE_MEASURES = (
    "overall_absence",
    "persistent_absence",
    "severe_absence",
    "suspensions_per_100",
)


# The pupil characteristics reports break down by (reports.md), as SQL over a pupil row `p`.
# fmt: off
CHARACTERISTICS: dict[str, tuple[str, str]] = {
    "sen_support": ("SEN support", "{p}.sen_status = 'K'"),
    "ehc_plan": ("EHC plan", "{p}.sen_status = 'E'"),
    "free_school_meals": ("Free school meals", "{p}.free_school_meals"),
    "child_in_need": ("Child in need", "{p}.child_in_need"),
    "child_protection_plan": ("Child protection plan", "{p}.child_protection_plan"),
    "looked_after": ("Looked after", "{p}.looked_after"),
    "young_carer": ("Young carer", "{p}.young_carer"),
    "english_additional_language": ("English as an additional language",
                                    "{p}.english_additional_language"),
}
# fmt: on

# The breakdowns a user may choose; each is also a filter, so a drill-down from a breakdown's
# cell is the same page's filters plus that cell's own.
BREAKDOWNS = {
    "phase": "Phase",
    "school": "School",
    "link_coordinator": "Link co-ordinator",
    "characteristic": "Pupil characteristic",
}

PLAN_TYPES = {"family_early_help_plan": "Family Early Help Plan", **dict(OtherPlan.Kind.choices)}

# Labels of the values of the splits that some measures always carry (not chosen by the user).
SPLITS: dict[str, tuple[str, dict[str, str]]] = {
    "lead_professional_type": ("Lead professional type", dict(LeadProfessional.Kind.choices)),
    "plan_type": ("Plan type", PLAN_TYPES),
    "rag": ("RAG rating", dict(Rag.choices)),
    "tier": ("Tier of need", {str(value): label for value, label in Tier.choices}),
    "case_closure_reason": ("Closure reason", dict(Case.ClosureReason.choices)),
    "plan_closure_reason": ("Closure reason", dict(EarlyHelpPlan.ClosureReason.choices)),
    "aspect": ("Aspect of life", dict(Aspect.choices)),
    "readiness": ("Readiness to change", {str(k): v for k, v in Readiness.choices}),
    "grade": ("Grade", dict(Grade.choices)),
    "case_link_coordinator": ("Link co-ordinator of the case", {}),
}

PHASES = dict(School.Phase.choices)
NO_LINK_COORDINATOR = "No link co-ordinator"
