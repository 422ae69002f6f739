"""Every measure of reports.md on a small world built by hand, its figures worked out by hand.

The world is the autumn term of 2025/26 (3 September to 19 December), reported on 10 January
2026, with Amberfield Primary (school A), Birchwood Academy (school B, secondary) and Cobble
Lane Primary (school C, no data). Each test says which pupils make its figures, and why.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test import override_settings

from attendance.models import AttendanceRecord, PupilAttendance
from cases.models import LeadProfessional, OtherPlan, TimelineEntry
from early_help_plans.models import (
    ActionItem,
    AspectScore,
    AuditedPlan,
    EarlyHelpPlan,
    PlanChild,
    QualityAudit,
    Review,
)
from reports import measures
from reports.measures import Filters
from reports.measures.definitions import ATTENDANCE_MEASURES
from schools.models import Enrolment, Pupil, School, Term
from tests.factories import (
    AcademicYearFactory,
    CaseFactory,
    LeadProfessionalFactory,
    LinkAssignmentFactory,
    LinkCallFactory,
    OtherPlanFactory,
    PupilFactory,
    ReducedTimetableFactory,
    SchoolFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 1, 10)
AUTUMN = "2025-26-autumn"
SPRING = "2025-26-spring"
YEAR = "2025-26"


@pytest.fixture
def terms():
    year = AcademicYearFactory(start_year=2025)
    return {
        "autumn": TermFactory(academic_year=year, name="autumn", starts_on=D(2025, 9, 3),
                              ends_on=D(2025, 12, 19)),
        "spring": TermFactory(academic_year=year, name="spring", starts_on=D(2026, 1, 5),
                              ends_on=D(2026, 3, 27)),
        "summer": TermFactory(academic_year=year, name="summer", starts_on=D(2026, 4, 13),
                              ends_on=D(2026, 7, 22)),
    }  # fmt: skip


@pytest.fixture
def school_c(db):
    return SchoolFactory(name="Cobble Lane Primary School")


def record(pupil, school, start, end, possible, attended, *, suspensions=None, c2=0):
    return AttendanceRecord.objects.create(
        pupil=pupil,
        school=school,
        period_start=start,
        period_end=end,
        possible_sessions=possible,
        attended_sessions=attended,
        authorised_absence=0,
        unauthorised_absence=possible - attended,
        suspensions=suspensions,
        code_counts={"C2": c2} if c2 else {},
    )


def moved(pupil, old, new, on):
    """The pupil left `old` the day before `on` and joined `new` that day."""
    Enrolment.objects.filter(pupil=pupil, school=old).update(ended_on=on - datetime.timedelta(1))
    Enrolment.objects.create(pupil=pupil, school=new, started_on=on)
    Pupil.objects.filter(pk=pupil.pk).update(current_school=new)


def figures(term, **kwargs):
    """The figures, checked against the same figures read from every pupil's records (the
    stored attendance summaries must never change an answer), and against measures 1–4
    computed alone (as a targeting support meeting pack computes the LA's)."""
    result = measures.compute(term, today=TODAY, **kwargs)
    assert result.rows == measures.compute(term, today=TODAY, from_summaries=False, **kwargs).rows
    alone = measures.compute(term, today=TODAY, attendance_only=True, **kwargs).rows
    full = {(r.measure, r.period, r.breakdown, r.key): r for r in result.rows}
    assert all(full[(r.measure, r.period, r.breakdown, r.key)] == r for r in alone)
    # Computed alone, a breakdown lists only the schools (or other groups) with records.
    assert {(r.measure, r.period) for r in alone if r.breakdown == "all"} == {
        (r.measure, r.period) for r in result.rows if r.measure in ATTENDANCE_MEASURES
    }
    return result


def cell(result, measure, period=AUTUMN, breakdown="all", key=""):
    row = result.get(measure, period, breakdown, str(key) if key != "" else "")
    assert row is not None, f"no row for {measure} {period} {breakdown} {key}"
    return row.numerator, row.denominator, row.value


def drill(term, measure, period=AUTUMN, **kwargs):
    """The pupils behind a count, checked against the same list read from every pupil's
    records."""
    found = []
    for from_summaries in (True, False):
        query, params = measures.drilldown_sql(term, measure=measure, period=period, today=TODAY,
                                               from_summaries=from_summaries, **kwargs)  # fmt: skip
        pupils = Pupil.objects.filter(pk__in=RawSQL(query, params))  # noqa: S611 - bound
        found.append(set(pupils.values_list("pk", flat=True)))
    assert found[0] == found[1]
    return found[0]


# 1–4: attendance --------------------------------------------------------------------------------


@pytest.fixture
def attendance_world(terms, school_a, school_b, school_c):
    """Pupil 1 at A all term: 20 possible, 2 missed (10%: persistently absent, not severely).
    Pupil 2 at A until 30 September (10 possible, 10 missed), then at B (10 possible, none
    missed): 20 possible, 10 missed across the LA (50%: severely absent)."""
    one = PupilFactory(current_school=school_a)
    record(one, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 10, suspensions=1)
    record(one, school_a, D(2025, 9, 15), D(2025, 9, 19), 10, 8, suspensions=0)
    two = PupilFactory(current_school=school_a)
    record(two, school_a, D(2025, 9, 22), D(2025, 9, 26), 10, 0)
    moved(two, school_a, school_b, D(2025, 10, 1))
    record(two, school_b, D(2025, 10, 6), D(2025, 10, 10), 10, 10)
    return {"one": one, "two": two}


def test_overall_absence_is_sessions_missed_over_possible_sessions(terms, attendance_world):
    result = figures(terms["autumn"])

    assert cell(result, "overall_absence") == (12, 40, Decimal("30.0"))


def test_a_pupil_who_moved_school_mid_term_counts_at_each_school_only_for_their_sessions_there(
    terms, attendance_world, school_a, school_b
):
    result = figures(terms["autumn"], breakdown="school")

    # A: pupil 1's 2 of 20 and pupil 2's 10 of 10; B: pupil 2's 0 of 10.
    assert cell(result, "overall_absence", breakdown="school", key=school_a.pk) == (
        12, 30, Decimal("40.0"))  # fmt: skip
    assert cell(result, "overall_absence", breakdown="school", key=school_b.pk) == (
        0, 10, Decimal("0.0"))  # fmt: skip
    # Pupil 2 is persistently and severely absent at A (all 10 missed) but not at B.
    assert cell(result, "persistent_absence", breakdown="school", key=school_a.pk)[:2] == (2, 2)
    assert cell(result, "persistent_absence", breakdown="school", key=school_b.pk)[:2] == (0, 1)
    assert cell(result, "severe_absence", breakdown="school", key=school_a.pk)[:2] == (1, 2)
    assert cell(result, "severe_absence", breakdown="school", key=school_b.pk)[:2] == (0, 1)


def test_persistent_and_severe_absence_count_each_pupil_once_across_the_la(terms, attendance_world):
    result = figures(terms["autumn"])

    # Pupil 1 missed 10% and pupil 2 50%: both persistently absent, pupil 2 severely.
    assert cell(result, "persistent_absence") == (2, 2, Decimal("100.0"))
    assert cell(result, "severe_absence") == (1, 2, Decimal("50.0"))


@override_settings(PERSISTENT_ABSENCE_THRESHOLD=12.5, SEVERE_ABSENCE_THRESHOLD=37.5)
def test_thresholds_that_are_not_whole_numbers_are_compared_exactly(terms, school_a):
    # 1 of 8 sessions missed is exactly 12.5%, 3 of 8 exactly 37.5%, 10 of 27 is 37.04%.
    for possible, attended in ((8, 7), (8, 5), (27, 17)):
        record(PupilFactory(current_school=school_a), school_a, D(2025, 9, 8), D(2025, 9, 26),
               possible, attended)  # fmt: skip

    result = figures(terms["autumn"])

    assert cell(result, "persistent_absence")[:2] == (3, 3)
    assert cell(result, "severe_absence")[:2] == (1, 3)  # 3 of 8, not 10 of 27
    assert cell(result, "severe_at_term_end")[0] == 1


def test_the_phase_breakdown_is_always_given_for_the_targets(terms, attendance_world):
    result = figures(terms["autumn"])

    # A and C are primary, B secondary.
    assert cell(result, "overall_absence", breakdown="phase", key="primary") == (
        12, 30, Decimal("40.0"))  # fmt: skip
    assert cell(result, "overall_absence", breakdown="phase", key="secondary") == (
        0, 10, Decimal("0.0"))  # fmt: skip


def test_suspensions_per_100_count_only_pupils_whose_records_carried_the_column(
    terms, attendance_world
):
    result = figures(terms["autumn"])

    # Pupil 1's records carried suspensions (1 and 0); pupil 2's did not.
    assert cell(result, "suspensions_per_100") == (1, 1, Decimal("100.00"))


def test_a_record_counts_in_the_term_in_which_its_period_ends(terms, school_a):
    pupil = PupilFactory(current_school=school_a)
    record(pupil, school_a, D(2025, 12, 15), D(2025, 12, 19), 10, 5)
    # Straddles the holiday: it ends in spring, so it counts wholly there.
    record(pupil, school_a, D(2025, 12, 22), D(2026, 1, 9), 10, 10)

    result = figures(terms["spring"])

    assert cell(result, "overall_absence") == (5, 10, Decimal("50.0"))
    assert cell(result, "overall_absence", period=SPRING) == (0, 10, Decimal("0.0"))
    assert cell(result, "overall_absence", period=YEAR) == (5, 20, Decimal("25.0"))


def test_a_pastoral_leads_school_counts_only_its_own_sessions(terms, attendance_world, school_b):
    result = figures(terms["autumn"], schools=[school_b.pk])

    assert cell(result, "overall_absence") == (0, 10, Decimal("0.0"))
    assert cell(result, "persistent_absence")[:2] == (0, 1)


def test_the_characteristic_filter_counts_only_pupils_with_it(terms, attendance_world):
    Pupil.objects.filter(pk=attendance_world["two"].pk).update(free_school_meals=True)

    result = figures(terms["autumn"], filters=Filters(characteristic="free_school_meals"))

    assert cell(result, "overall_absence") == (10, 20, Decimal("50.0"))


def test_drilling_into_persistent_absence_lists_the_pupils_counted(
    terms, attendance_world, school_b
):
    assert drill(terms["autumn"], "persistent_absence") == {
        attendance_world["one"].pk, attendance_world["two"].pk}  # fmt: skip
    assert drill(terms["autumn"], "persistent_absence", schools=[school_b.pk]) == set()


# 5: schools without data --------------------------------------------------------------------------


def test_schools_with_no_attendance_data_for_the_term_are_counted(
    terms, attendance_world, school_a, school_b, school_c
):
    result = figures(terms["autumn"], breakdown="school")

    assert cell(result, "schools_without_data")[:2] == (1, 3)  # C, of A, B and C
    latest = result.get("latest_data_to", AUTUMN, "school", str(school_b.pk))
    assert latest.value == "2025-10-10"
    assert result.get("latest_data_to", AUTUMN, "school", str(school_c.pk)).value is None


# 6–7: the severely absent at term end, and their lead professionals and plans -------------------


@pytest.fixture
def severe_world(terms, school_a, school_b, attendance_world, link_coordinator):
    """Severely absent at the end of autumn: pupil 2 (50%, at B since October) and pupil 4 (at
    B, year 9, EHC plan, never attended). Pupil 2 has an open case with a social worker as lead
    since 1 October and a child-in-need plan, and was discussed on a link call on 10 December;
    pupil 4 has nothing."""
    two = attendance_world["two"]
    Pupil.objects.filter(pk=two.pk).update(year_group="5")
    four = PupilFactory(current_school=school_b, year_group="9", sen_status="E")
    record(four, school_b, D(2025, 9, 8), D(2025, 9, 12), 10, 0)
    case = CaseFactory(
        pupil=two,
        opened_on=D(2025, 10, 1),
        lead_professional=LeadProfessionalFactory(kind=LeadProfessional.Kind.SOCIAL_WORKER),
        lead_professional_since=D(2025, 10, 1),
    )
    OtherPlanFactory(case=case, kind=OtherPlan.Kind.CHILD_IN_NEED, started_on=D(2025, 10, 15))
    call = LinkCallFactory(school=school_b, held_on=D(2025, 12, 10))
    call.discussions.create(pupil=two, note="Attending since the move")
    return {"two": two, "four": four, "case": case}


def test_severely_absent_pupils_at_term_end_are_counted_at_their_school_that_day(
    terms, severe_world, school_a, school_b
):
    result = figures(terms["autumn"], breakdown="school")

    assert cell(result, "severe_at_term_end")[0] == 2
    # Pupil 2's absence was at A, but on 19 December B holds the case.
    assert cell(result, "severe_at_term_end", breakdown="school", key=school_b.pk)[0] == 2
    assert cell(result, "severe_at_term_end", breakdown="school", key=school_a.pk)[0] == 0


def test_of_the_severely_absent_the_new_the_never_attending_the_ehcp_and_the_ages(
    terms, severe_world
):
    result = figures(terms["autumn"])

    assert cell(result, "newly_severe")[0] == 2  # no one was severely absent last year
    assert cell(result, "severe_no_attendance") == (1, 2, Decimal("50.0"))  # pupil 4
    assert cell(result, "severe_ehcp") == (1, 2, Decimal("50.0"))  # pupil 4
    assert cell(result, "severe_primary_age") == (1, 2, Decimal("50.0"))  # pupil 2, year 5
    assert cell(result, "severe_secondary_age") == (1, 2, Decimal("50.0"))  # pupil 4, year 9


def test_pupils_alike_in_everything_the_measures_read_are_each_counted(
    terms, severe_world, school_b
):
    """Pupil 5 is pupil 4's like: at B, year 9, EHC plan, never attended, nothing in place.
    LA-wide, where the severely absent are counted a group at a time, each of the two counts,
    as each does at B."""
    five = PupilFactory(current_school=school_b, year_group="9", sen_status="E")
    record(five, school_b, D(2025, 9, 8), D(2025, 9, 12), 10, 0)

    la, by_school = figures(terms["autumn"]), figures(terms["autumn"], breakdown="school")

    for measure, count in (
        ("severe_at_term_end", 3),
        ("severe_no_attendance", 2),
        ("severe_ehcp", 2),
        ("severe_secondary_age", 2),
        ("without_lead_or_plan", 2),
        ("not_discussed_14_days", 2),
    ):
        assert cell(la, measure)[0] == count, measure
        assert cell(by_school, measure, breakdown="school", key=school_b.pk)[0] == count, measure


def test_a_pupil_severe_last_year_and_again_is_not_newly_severe(terms, severe_world, school_b):
    PupilAttendance.objects.create(
        pupil=severe_world["four"], start_year=2024, school=school_b, possible_sessions=300,
        attended_sessions=100, attendance_rate=Decimal("33.33"), is_persistently_absent=True,
        is_severely_absent=True, latest_period_end=D(2025, 7, 18), recent_possible=40,
        recent_attended=10,
    )  # fmt: skip

    result = figures(terms["autumn"])

    assert cell(result, "newly_severe")[0] == 1
    assert drill(terms["autumn"], "newly_severe") == {severe_world["two"].pk}


def test_a_pupil_whose_attendance_recovers_is_no_longer_severe_next_term(
    terms, severe_world, school_b
):
    # Pupil 2 attends all 20 spring sessions: 10 missed of 40 this year (25%).
    record(severe_world["two"], school_b, D(2026, 1, 5), D(2026, 1, 9), 20, 20)

    result = figures(terms["spring"])

    assert cell(result, "severe_at_term_end", period=SPRING)[0] == 1  # pupil 4
    assert cell(result, "no_longer_severe", period=SPRING)[0] == 1  # pupil 2
    # Each period's cover is of those severely absent at its end: pupil 2's lead counts in
    # autumn, not in spring, when pupil 4 (with nothing in place) is severely absent alone.
    assert cell(result, "with_lead", period=AUTUMN)[:2] == (1, 2)
    assert cell(result, "with_lead", period=SPRING)[:2] == (0, 1)
    assert cell(result, "without_lead_or_plan", period=SPRING)[:2] == (1, 1)
    assert drill(terms["spring"], "no_longer_severe", period=SPRING) == {severe_world["two"].pk}


def test_lead_professionals_and_plans_of_the_severely_absent(terms, severe_world):
    result = figures(terms["autumn"])

    assert cell(result, "with_lead") == (1, 2, Decimal("50.0"))
    assert cell(result, "with_lead", breakdown="lead_professional_type", key="social_worker") == (
        1, 2, Decimal("50.0"))  # fmt: skip
    assert cell(result, "with_fehp") == (0, 2, Decimal("0.0"))
    assert cell(result, "with_plan") == (1, 2, Decimal("50.0"))
    assert cell(result, "with_plan", breakdown="plan_type", key="child_in_need")[0] == 1
    assert cell(result, "with_lead_and_plan") == (1, 2, Decimal("50.0"))
    assert cell(result, "without_lead_or_plan")[:2] == (1, 2)
    assert drill(terms["autumn"], "without_lead_or_plan") == {severe_world["four"].pk}
    # Pupil 2 was discussed on 10 December, within the 14 days to 19 December.
    assert cell(result, "not_discussed_14_days") == (1, 2, Decimal("50.0"))


def test_a_lead_professional_named_after_term_end_does_not_count_for_that_term(terms, severe_world):
    case = severe_world["case"]
    case.lead_professional_since = D(2026, 1, 6)
    case.save()

    result = figures(terms["autumn"])

    assert cell(result, "with_lead")[0] == 0


def test_an_active_family_early_help_plan_gives_a_lead_professional_and_a_plan(terms, severe_world):
    plan = _plan(agreed_on=D(2025, 11, 3))
    PlanChild.objects.create(plan=plan, pupil=severe_world["four"], plan_is_active=True)

    result = figures(terms["autumn"])

    assert cell(result, "with_fehp") == (1, 2, Decimal("50.0"))
    assert cell(result, "with_lead_and_plan") == (2, 2, Decimal("100.0"))
    assert cell(result, "with_plan", breakdown="plan_type", key="family_early_help_plan")[0] == 1


# 8: cases -----------------------------------------------------------------------------------------


def test_cases_open_opened_closed_and_stepped_up_in_the_term(terms, severe_world, school_a):
    closed = CaseFactory(
        pupil=PupilFactory(current_school=school_a),
        opened_on=D(2025, 9, 20),
        status="closed",
        closed_on=D(2025, 11, 5),
        closure_reason="outcomes_achieved",
    )
    CaseFactory(pupil=PupilFactory(current_school=school_a), opened_on=D(2026, 1, 6))  # spring
    TimelineEntry.objects.create(
        case=severe_world["case"], kind="stepped_up", occurred_on=D(2025, 11, 12),
        by=closed.opened_by, summary="Stepped up",
    )  # fmt: skip

    result = figures(terms["autumn"])

    assert cell(result, "cases_open")[0] == 1  # pupil 2's
    assert cell(result, "cases_opened")[0] == 2
    assert cell(result, "cases_closed")[0] == 1
    assert cell(result, "cases_closed", breakdown="case_closure_reason",
                key="outcomes_achieved")[0] == 1  # fmt: skip
    assert cell(result, "cases_open", breakdown="rag", key="red")[0] == 1
    assert cell(result, "cases_open", breakdown="tier", key="3")[0] == 1
    coordinator = severe_world["case"].link_coordinator_id
    assert cell(result, "cases_open", breakdown="case_link_coordinator", key=coordinator)[0] == 1
    assert cell(result, "step_ups")[0] == 1
    assert cell(result, "step_downs")[0] == 0


def test_cases_alike_in_everything_the_measures_read_are_each_counted(terms, school_a):
    """Two cases at A opened the same day by the same link co-ordinator, alike in RAG and tier,
    each stepped up on the same day. LA-wide, where cases are counted a group at a time, each
    of the two counts, as each does at A."""
    coordinator = UserFactory(is_link_coordinator=True)
    for _ in range(2):
        case = CaseFactory(pupil=PupilFactory(current_school=school_a), opened_on=D(2025, 10, 1),
                           opened_by=coordinator)  # fmt: skip
        TimelineEntry.objects.create(case=case, kind="stepped_up", occurred_on=D(2025, 11, 12),
                                     by=coordinator, summary="Stepped up")  # fmt: skip

    la, by_school = figures(terms["autumn"]), figures(terms["autumn"], breakdown="school")

    for measure, breakdown, key in (
        ("cases_open", "all", ""),
        ("cases_opened", "all", ""),
        ("cases_open", "rag", "red"),
        ("cases_open", "case_link_coordinator", coordinator.pk),
        ("step_ups", "all", ""),
    ):
        assert cell(la, measure, breakdown=breakdown, key=key)[0] == 2, (measure, breakdown)
    assert cell(by_school, "cases_open", breakdown="school", key=school_a.pk)[0] == 2
    assert cell(by_school, "step_ups", breakdown="school", key=school_a.pk)[0] == 2


# 9–13: Family Early Help Plans ------------------------------------------------------------------


def _plan(*, agreed_on, status="active", **fields):
    return EarlyHelpPlan.objects.create(
        family_name="the Specimen family",
        created_by=UserFactory(),
        status=status,
        consent_to_share=True,
        lead_professional=LeadProfessionalFactory(),
        agreed_on=agreed_on,
        **fields,
    )


def _review(plan, held_on, **fields):
    fields.setdefault("next_step", "continue")
    if fields["next_step"] == "continue":
        fields.setdefault("next_review_on", held_on + datetime.timedelta(42))
    review = Review.objects.create(plan=plan, held_on=held_on, recorded_by=UserFactory(),
                                   **fields)  # fmt: skip
    EarlyHelpPlan.objects.filter(pk=plan.pk).update(last_reviewed_on=held_on)
    return review


@pytest.fixture
def plan_world(terms, school_a, school_b):
    """Plan 1, for siblings at A and B, agreed 10 September: reviewed on 22 October (day 42: on
    time) and 4 December (day 43 after 22 October: late); the next falls due in spring.
    Plan 2, at A, agreed 1 September and never reviewed: due 13 October, 67 days overdue on 19
    December. Plan 3, at B, agreed 1 September, closed 20 November stepping up to social care,
    attendance 40% before and 60% at closure."""
    at_a, at_b = PupilFactory(current_school=school_a), PupilFactory(current_school=school_b)
    one = _plan(agreed_on=D(2025, 9, 10))
    for pupil in (at_a, at_b):
        PlanChild.objects.create(plan=one, pupil=pupil, plan_is_active=True)
    AspectScore.objects.create(plan=one, aspect="education", perspective="parent", score=3)
    _review(one, D(2025, 10, 22))
    late = _review(one, D(2025, 12, 4), lead_changed_on=D(2025, 12, 4),
                   new_lead_professional=LeadProfessionalFactory())  # fmt: skip
    AspectScore.objects.create(plan=one, review=late, aspect="education", perspective="parent",
                               score=6)  # fmt: skip
    ActionItem.objects.create(plan=one, aspect="education", action="Walk to school", readiness=2)
    ActionItem.objects.create(plan=one, aspect="health", action="See the GP", readiness=4)
    two = _plan(agreed_on=D(2025, 9, 1))
    PlanChild.objects.create(plan=two, pupil=PupilFactory(current_school=school_a),
                             plan_is_active=True)  # fmt: skip
    three = _plan(agreed_on=D(2025, 9, 1), status="closed", closed_on=D(2025, 11, 20),
                  closure_reason="stepped_up", attendance_before=Decimal("40.00"),
                  attendance_at_close=Decimal("60.00"))  # fmt: skip
    PlanChild.objects.create(plan=three, pupil=PupilFactory(current_school=school_b))
    _review(three, D(2025, 10, 13), next_step="step_up")
    audit = QualityAudit.objects.create(drawn_by=UserFactory(), sample_size=1, title="Autumn")
    AuditedPlan.objects.create(
        audit=audit, plan=one, grade="good",
        graded_at=datetime.datetime(2025, 11, 1, 10, tzinfo=datetime.UTC),
    )  # fmt: skip
    return {"one": one, "two": two, "three": three, "at_a": at_a, "at_b": at_b}


def test_plans_active_started_closed_and_stepped_up(terms, plan_world, school_a, school_b):
    result = figures(terms["autumn"], breakdown="school")

    assert cell(result, "plans_active")[0] == 2  # plans 1 and 2
    # Plan 1 covers a child at each school: once at each, once LA-wide.
    assert cell(result, "plans_active", breakdown="school", key=school_a.pk)[0] == 2
    assert cell(result, "plans_active", breakdown="school", key=school_b.pk)[0] == 1
    assert cell(result, "plans_started")[0] == 3
    assert cell(result, "plans_closed")[0] == 1
    assert cell(result, "plans_closed", breakdown="plan_closure_reason",
                key="stepped_up")[0] == 1  # fmt: skip
    assert cell(result, "plans_stepped_up")[0] == 1
    assert cell(result, "plan_lead_changes")[0] == 1


def test_plans_alike_in_everything_the_measures_read_are_each_counted(terms, school_a):
    """Two plans at A agreed on 10 September, each reviewed on time on 22 October with a new
    lead professional, each with an action at readiness 3, each audited as good on 1 November,
    each with education (parent) scored 2 at the start and 4 at the review, neither reviewed
    again (due 3 December). LA-wide, where plans, reviews, actions and aspect changes are
    counted a group at a time, each of the two counts, as each does at A."""
    audit = QualityAudit.objects.create(drawn_by=UserFactory(), sample_size=2, title="Autumn")
    for _ in range(2):
        plan = _plan(agreed_on=D(2025, 9, 10))
        PlanChild.objects.create(plan=plan, pupil=PupilFactory(current_school=school_a),
                                 plan_is_active=True)  # fmt: skip
        review = _review(plan, D(2025, 10, 22), lead_changed_on=D(2025, 10, 22),
                         new_lead_professional=LeadProfessionalFactory())  # fmt: skip
        for at, value in ((None, 2), (review, 4)):
            AspectScore.objects.create(plan=plan, review=at, aspect="education",
                                       perspective="parent", score=value)  # fmt: skip
        ActionItem.objects.create(plan=plan, aspect="education", action="Walk to school",
                                  readiness=3)  # fmt: skip
        graded = datetime.datetime(2025, 11, 1, 10, tzinfo=datetime.UTC)
        AuditedPlan.objects.create(audit=audit, plan=plan, grade="good", graded_at=graded)

    la, by_school = figures(terms["autumn"]), figures(terms["autumn"], breakdown="school")

    for measure, breakdown, key, count in (
        ("plans_active", "all", "", 2),
        ("plans_started", "all", "", 2),
        ("plans_overdue", "all", "", 2),
        ("reviews_due", "all", "", 4),
        ("reviews_on_time", "all", "", 2),
        ("plan_lead_changes", "all", "", 2),
        ("readiness", "readiness", "3", 2),
        ("plans_audited", "grade", "good", 2),
    ):
        assert cell(la, measure, breakdown=breakdown, key=key)[0] == count, measure
        assert cell(by_school, measure, breakdown="school", key=school_a.pk)[0] == count, measure
    # Both plans' education scores rose by 2: a mean of 4 over 2, however they are counted.
    for result in (la, by_school):
        assert cell(result, "aspect_change_parent", breakdown="aspect", key="education") == (
            4, 2, Decimal("2.0"))  # fmt: skip


def test_a_review_on_day_42_is_on_time_and_one_on_day_43_is_not(terms, plan_world):
    result = figures(terms["autumn"])

    # Due in autumn: plan 1 on 22 October (held that day) and 3 December (held on the 4th);
    # plan 2 on 13 October (never held); plan 3 on 13 October (held that day). Plan 1's next,
    # due 15 January, is spring's.
    assert cell(result, "reviews_due")[0] == 4
    assert cell(result, "reviews_on_time") == (2, 4, Decimal("50.0"))


def test_a_pupil_who_has_since_moved_counts_at_their_old_school_for_the_term_they_were_there(
    terms, school_a, school_b
):
    """A pupil at A all autumn, with a case opened and a plan agreed there, moved to B on 5
    January. A's autumn figures count the case and the plan, though A is no longer the pupil's
    school; B's do not, though it is. The plan's reviews fell due on 22 October (held that day)
    and 3 December (not held)."""
    pupil = PupilFactory(current_school=school_a)
    case = CaseFactory(pupil=pupil, opened_on=D(2025, 10, 1))
    TimelineEntry.objects.create(case=case, kind="stepped_up", occurred_on=D(2025, 11, 12),
                                 by=case.opened_by, summary="Stepped up")  # fmt: skip
    plan = _plan(agreed_on=D(2025, 9, 10))
    PlanChild.objects.create(plan=plan, pupil=pupil, plan_is_active=True)
    _review(plan, D(2025, 10, 22))
    moved(pupil, school_a, school_b, D(2026, 1, 5))

    at_a, at_b = (
        figures(terms["autumn"], schools=[school_a.pk]),
        figures(terms["autumn"], schools=[school_b.pk]),
    )

    for measure, count in (
        ("cases_open", 1),
        ("cases_opened", 1),
        ("step_ups", 1),
        ("plans_active", 1),
        ("reviews_due", 2),
        ("reviews_on_time", 1),
    ):
        assert (cell(at_a, measure)[0], cell(at_b, measure)[0]) == (count, 0), measure
    assert drill(terms["autumn"], "plans_active", schools=[school_a.pk]) == {pupil.pk}
    assert drill(terms["autumn"], "plans_active", schools=[school_b.pk]) == set()


def test_overdue_plans_at_term_end_and_the_median_days_overdue(terms, plan_world):
    result = figures(terms["autumn"])

    assert cell(result, "plans_overdue")[0] == 1  # plan 2
    assert cell(result, "days_overdue")[2] == Decimal("67.0")  # 13 October to 19 December
    assert drill(terms["autumn"], "plans_overdue") == set(
        plan_world["two"].children.values_list("pupil_id", flat=True))  # fmt: skip


def test_a_review_on_the_last_day_of_a_period_counts_by_that_day(terms, school_a):
    """Agreed on 1 November (a review due on 13 December), reviewed late on 19 December, the
    last day of autumn, and not again (the next due on 30 January). At autumn's end the plan is
    not overdue; at spring's end, 27 March, it is, by 56 days."""
    plan = _plan(agreed_on=D(2025, 11, 1))
    PlanChild.objects.create(plan=plan, pupil=PupilFactory(current_school=school_a),
                             plan_is_active=True)  # fmt: skip
    _review(plan, D(2025, 12, 19))

    spring = measures.compute(terms["spring"], today=D(2026, 3, 27))

    assert cell(spring, "plans_active", AUTUMN)[0] == 1
    assert cell(spring, "plans_overdue", AUTUMN)[0] == 0
    assert cell(spring, "plans_active", SPRING)[0] == 1
    assert cell(spring, "plans_overdue", SPRING)[0] == 1
    assert cell(spring, "days_overdue", SPRING)[2] == Decimal("56.0")


def test_the_impact_of_plans_closed_in_the_term(terms, plan_world):
    result = figures(terms["autumn"])

    assert cell(result, "impact_plans")[0] == 1
    assert cell(result, "impact_attendance_change") == (20, 1, Decimal("20.0"))
    assert cell(result, "impact_improved_10") == (1, 1, Decimal("100.0"))
    assert cell(result, "impact_no_longer_severe") == (1, 1, Decimal("100.0"))


def test_aspect_scores_readiness_and_audits(terms, plan_world):
    result = figures(terms["autumn"])

    assert cell(result, "aspect_change_parent", breakdown="aspect", key="education") == (
        3, 1, Decimal("3.0"))  # fmt: skip
    assert cell(result, "readiness") == (2, 2, Decimal("100.0"))
    assert cell(result, "readiness", breakdown="readiness", key="2") == (1, 2, Decimal("50.0"))
    assert cell(result, "readiness", breakdown="readiness", key="4") == (1, 2, Decimal("50.0"))
    assert cell(result, "plans_audited")[0] == 1
    assert cell(result, "plans_audited", breakdown="grade", key="good")[0] == 1


def test_an_aspect_counts_its_latest_score_by_each_period_end(terms, school_a):
    """Agreed in September scoring education 2 (parent) and health 5 (child); reviewed on 10
    November (education 4, health 7) and twice on 20 January: first education 5, then education
    9 with health not relevant. Autumn counts November's scores; spring counts the later of
    January's for education and, with no newer score, November's for health. Money (parent):
    1 at the start, 3 in November, 6 at a review on autumn's last day, which replaces November's
    that day: autumn and spring count only the 6."""
    plan = _plan(agreed_on=D(2025, 9, 1))
    PlanChild.objects.create(plan=plan, pupil=PupilFactory(current_school=school_a),
                             plan_is_active=True)  # fmt: skip

    def score(review, aspect, perspective, value):
        AspectScore.objects.create(
            plan=plan, review=review, aspect=aspect, perspective=perspective, score=value,
            not_relevant=value is None, not_relevant_reason="Moved on" if value is None else "",
        )  # fmt: skip

    score(None, "education", "parent", 2)
    score(None, "health", "child", 5)
    november = _review(plan, D(2025, 11, 10))
    score(november, "education", "parent", 4)
    score(november, "health", "child", 7)
    earlier, later = _review(plan, D(2026, 1, 20)), _review(plan, D(2026, 1, 20))
    score(earlier, "education", "parent", 5)
    score(later, "education", "parent", 9)
    score(later, "health", "child", None)
    score(None, "money", "parent", 1)
    score(november, "money", "parent", 3)
    score(_review(plan, terms["autumn"].ends_on), "money", "parent", 6)

    for scope in (None, [school_a.pk]):  # LA-wide, the scores are read whole; for a school, not
        autumn = figures(terms["autumn"], schools=scope)
        spring = measures.compute(terms["spring"], schools=scope, today=D(2026, 3, 27))
        assert cell(autumn, "aspect_change_parent", breakdown="aspect", key="education") == (
            2, 1, Decimal("2.0"))  # fmt: skip
        assert cell(autumn, "aspect_change_child", breakdown="aspect", key="health") == (
            2, 1, Decimal("2.0"))  # fmt: skip
        assert cell(spring, "aspect_change_parent", SPRING, "aspect", "education") == (
            7, 1, Decimal("7.0"))  # fmt: skip
        assert cell(spring, "aspect_change_child", SPRING, "aspect", "health") == (
            2, 1, Decimal("2.0"))  # fmt: skip
        for result, period in ((autumn, AUTUMN), (spring, SPRING)):
            assert cell(result, "aspect_change_parent", period, "aspect", "money") == (
                5, 1, Decimal("5.0"))  # fmt: skip


# 14–15: reduced timetables ---------------------------------------------------------------------


@pytest.fixture
def timetable_world(terms, school_a, school_b):
    """Pupil 8 at A: a timetable from 8 September, never ended, no return plan, with C2 sessions.
    Pupil 9 at B: one from 1 October to 1 November, back to full time. Pupil 10 at A: C2
    sessions and no timetable."""
    eight = PupilFactory(current_school=school_a)
    ReducedTimetableFactory(pupil=eight, started_on=D(2025, 9, 8), return_plan="")
    record(eight, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 8, c2=2)
    nine = PupilFactory(current_school=school_b)
    ReducedTimetableFactory(pupil=nine, started_on=D(2025, 10, 1), ended_on=D(2025, 11, 1),
                            returned_full_time=True)  # fmt: skip
    ten = PupilFactory(current_school=school_a)
    record(ten, school_a, D(2025, 9, 8), D(2025, 9, 12), 10, 6, c2=4)
    return {"eight": eight, "nine": nine, "ten": ten}


def test_reduced_timetables_started_running_and_ended(terms, timetable_world, school_a):
    result = figures(terms["autumn"], breakdown="school")

    assert cell(result, "rtt_started")[0] == 2
    assert cell(result, "rtt_on_at_end")[0] == 1  # pupil 8
    assert cell(result, "rtt_on_at_end", breakdown="school", key=school_a.pk)[0] == 1
    assert cell(result, "rtt_ended")[0] == 1
    assert cell(result, "rtt_ended_full_time") == (1, 1, Decimal("100.0"))
    assert cell(result, "rtt_over_6_weeks")[0] == 1
    assert cell(result, "rtt_over_6_weeks_no_return_plan")[0] == 1
    assert cell(result, "c2_without_rtt")[0] == 1
    assert drill(terms["autumn"], "c2_without_rtt") == {timetable_world["ten"].pk}


def test_reduced_timetables_count_each_pupil_once_and_alike_pupils_each(terms, school_a):
    """Pupil 1 at A: a timetable from 8 to 30 September (back to full time), then another from 6
    October, never ended, no return plan. Pupils 2 and 3 at A, alike: one each from 8 September,
    never ended, with a return plan. Counted LA-wide a group at a time, and a row each by school,
    the answers are the same: pupil 1 once, pupils 2 and 3 each."""
    one = PupilFactory(current_school=school_a)
    ReducedTimetableFactory(pupil=one, started_on=D(2025, 9, 8), ended_on=D(2025, 9, 30),
                            returned_full_time=True)  # fmt: skip
    ReducedTimetableFactory(pupil=one, started_on=D(2025, 10, 6), return_plan="")
    for _ in range(2):
        ReducedTimetableFactory(pupil=PupilFactory(current_school=school_a),
                                started_on=D(2025, 9, 8), return_plan="Back by Easter")  # fmt: skip

    for breakdown in ("", "school"):
        result = figures(terms["autumn"], breakdown=breakdown)
        assert cell(result, "rtt_started")[0] == 3
        assert cell(result, "rtt_on_at_end")[0] == 3
        assert cell(result, "rtt_ended")[0] == 1
        assert cell(result, "rtt_ended_full_time")[:2] == (1, 1)
        assert cell(result, "rtt_over_6_weeks")[0] == 3
        assert cell(result, "rtt_over_6_weeks_no_return_plan")[0] == 1


# Scope -----------------------------------------------------------------------------------------


def test_a_schools_figures_and_drilldowns_never_include_another_schools_pupils(
    terms, severe_world, timetable_world, school_a, school_b
):
    result = figures(terms["autumn"], schools=[school_a.pk])

    assert cell(result, "severe_at_term_end")[0] == 0  # both are at B on 19 December
    assert cell(result, "rtt_started")[0] == 1  # pupil 8's, not pupil 9's at B
    for measure in ("severe_at_term_end", "rtt_started", "cases_open"):
        pupils = drill(terms["autumn"], measure, schools=[school_a.pk])
        assert not Pupil.objects.filter(pk__in=pupils, current_school=school_b).exists()


def test_a_schools_attendance_drilldown_follows_its_sessions_even_after_a_move(
    terms, attendance_world, school_a
):
    # Pupil 2 missed all 10 sessions at A before moving: A's count includes them (the page
    # narrows the list to the pupils its viewer may see today).
    pupils = drill(terms["autumn"], "persistent_absence", schools=[school_a.pk])

    assert pupils == {attendance_world["one"].pk, attendance_world["two"].pk}


def test_the_link_coordinator_filter_counts_only_their_schools(terms, attendance_world, school_b):
    coordinator = LinkAssignmentFactory(school=school_b).user

    result = figures(terms["autumn"], filters=Filters(link_coordinator=str(coordinator.pk)))

    assert cell(result, "overall_absence") == (0, 10, Decimal("0.0"))


def test_the_figures_take_a_constant_number_of_queries(
    terms, severe_world, plan_world, timetable_world, django_assert_max_num_queries
):
    figures(terms["autumn"])  # brings the attendance summaries up to date

    with django_assert_max_num_queries(8):
        measures.compute(terms["autumn"], today=TODAY, breakdown="link_coordinator")


def test_every_row_has_the_csv_shape(terms, attendance_world):
    result = figures(terms["autumn"], breakdown="characteristic")

    assert {len(row) for row in result.rows} == {8}
    assert {row.period for row in result.rows} >= {AUTUMN, YEAR}
    assert all(row.measure in measures.BY_CODE for row in result.rows)


def test_the_figures_survive_a_round_trip_through_json(terms, attendance_world):
    result = figures(terms["autumn"])

    again = measures.Figures.from_json(result.to_json())

    assert again.rows == result.rows
    assert again.periods == result.periods


def test_no_school_in_scope_counts_nothing(terms, attendance_world):
    result = figures(terms["autumn"], schools=[])

    assert cell(result, "overall_absence") == (0, 0, None)


def test_a_closed_school_is_not_counted_as_without_data(terms, attendance_world, school_c):
    School.objects.filter(pk=school_c.pk).update(is_open=False)

    result = figures(terms["autumn"])

    assert cell(result, "schools_without_data")[:2] == (0, 2)


def test_the_term_in_progress_is_counted_so_far(terms, attendance_world):
    case = CaseFactory(pupil=attendance_world["one"], opened_on=D(2025, 9, 20))

    result = measures.compute(terms["autumn"], today=D(2025, 9, 30))

    assert result.period("term").as_of == D(2025, 9, 30)
    assert cell(result, "cases_open")[0] == 1
    case.opened_on = D(2025, 10, 1)
    case.save()
    assert cell(measures.compute(terms["autumn"], today=D(2025, 9, 30)), "cases_open")[0] == 0


def test_other_plan_kinds_are_labelled(terms, severe_world):
    result = figures(terms["autumn"])

    row = result.get("with_plan", AUTUMN, "plan_type", "child_in_need")
    assert row.breakdown_value == "Child in need plan"
    assert Term.objects.count() == 3


# Two connections ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrations' rows
def test_la_wide_figures_from_two_connections_are_those_from_one(
    terms, severe_world, plan_world, settings
):
    """Outside a transaction, LA-wide figures are computed in two halves side by side, on two
    connections reading one snapshot: the figures are exactly those of one statement."""
    assert not connection.in_atomic_block

    both = measures.compute(terms["autumn"], today=TODAY)
    settings.REPORTS_SIDE_BY_SIDE = False
    one = measures.compute(terms["autumn"], today=TODAY)

    assert both.rows == one.rows
    assert cell(both, "severe_at_term_end")[0] > 0
    assert cell(both, "plans_active")[0] > 0
