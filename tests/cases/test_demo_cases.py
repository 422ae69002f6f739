"""`seed_demo` adds cases, contact logs, reduced timetables and link calls at every scale."""

import datetime as dt
import io
import itertools
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from accounts.models import User
from attendance.models import PupilAttendance
from attendance.selectors import queue_members
from cases import demo as cases_demo
from cases.link_call_selectors import chronically_absent_pupils, link_call_schools
from cases.models import (
    Case,
    CaseAction,
    CaseEvent,
    Contact,
    LeadProfessional,
    LinkCall,
    LinkCallDiscussion,
    OtherPlan,
    Rag,
    ReducedTimetable,
    ReducedTimetableEvent,
    TimelineEntry,
    TimelineEntryEvent,
)
from cases.timetable_selectors import timetables_without_c2, unregistered_c2, with_flags
from schools import demo
from schools.models import LinkAssignment, Pupil, School

pytestmark = pytest.mark.django_db

# A Wednesday in the autumn term of 2025/26, which began on Wednesday 3 September.
TODAY = dt.date(2025, 11, 26)
LAST_SCHOOL_DAY = dt.date(2025, 11, 25)
CASE_TABLES = [model._meta.db_table for model in cases_demo.MODELS]


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    demo.truncate()


def seed(*args: str, today: dt.date = TODAY) -> str:
    out = io.StringIO()
    with time_machine.travel(dt.datetime.combine(today, dt.time(9)), tick=False):
        call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[object]:
    """The cases and everything on them, without ids."""
    cases = Case.objects.order_by("pupil__upn", "opened_on").values_list(
        "pupil__upn",
        "status",
        "opened_on",
        "reason_opened",
        "rag",
        "tier",
        "lead_professional__name",
        "lead_professional_since",
        "attendance_at_opening",
        "closed_on",
        "closure_reason",
        "attendance_at_closure",
        "last_contact_on",
        "version",
        "link_coordinator__email",
    )
    timeline = TimelineEntry.objects.order_by(
        "case__pupil__upn", "case__opened_on", "recorded_at", "kind", "summary"
    ).values_list("case__pupil__upn", "kind", "occurred_on", "recorded_at", "summary", "detail")
    contacts = Contact.objects.order_by("case__pupil__upn", "contacted_on", "note").values_list(
        "case__pupil__upn", "kind", "contacted_on", "with_whom", "note", "by__email"
    )
    timetables = ReducedTimetable.objects.order_by("pupil__upn", "started_on").values_list(
        "pupil__upn", "school__urn", "started_on", "planned_end_on", "return_plan", "ended_on"
    )
    calls = LinkCall.objects.order_by("school__urn", "held_on").values_list(
        "school__urn", "held_on", "attendees", "link_coordinator__email"
    )
    return [*cases, *timeline, *contacts, *timetables, *calls]


def schema() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " ORDER BY 1, 2",
            [CASE_TABLES],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [CASE_TABLES],
        )
        rows += cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal ORDER BY 1, 2",
            [CASE_TABLES],
        )
        return rows + cursor.fetchall()


def test_the_demo_has_open_cases_of_every_rag_some_without_a_lead_and_some_closed() -> None:
    output = seed("--scale", "demo")

    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    assert {c.rag for c in open_cases} == {Rag.RED, Rag.AMBER, Rag.GREEN}
    assert open_cases.filter(lead_professional__isnull=True).exists()
    assert open_cases.filter(lead_professional__isnull=False).exists()
    assert {c.tier for c in Case.objects.all()} <= {2, 3, 4}
    closed = Case.objects.filter(status=Case.Status.CLOSED)
    assert closed.exists()
    for case in closed:
        assert case.closed_on >= case.opened_on
        assert case.closed_on <= LAST_SCHOOL_DAY
        assert case.closure_reason
        assert case.closure_outcome
        assert case.attendance_at_closure is not None
    # At most one open case per pupil (the database holds it too).
    assert not open_cases.values("pupil").annotate(n=Count("pk")).filter(n__gt=1).exists()

    rags = Counter(open_cases.values_list("rag", flat=True))
    assert (
        f"Open cases           {open_cases.count()} ({rags['red']} red, {rags['amber']} amber, "
        f"{rags['green']} green); "
        f"{open_cases.filter(lead_professional__isnull=True).count()} without a lead" in output
    )
    assert f"Closed cases         {closed.count()}\n" in output
    assert f"Contacts             {Contact.objects.count()}\n" in output
    assert f"Link calls           {LinkCall.objects.count()} this term" in output


def test_open_cases_follow_the_pupils_attendance_and_school() -> None:
    seed("--scale", "demo")

    figures = {f.pupil_id: f for f in PupilAttendance.objects.filter(start_year=2025)}
    coordinator = {a.school_id: a.user_id for a in LinkAssignment.objects.order_by("-pk")}
    for case in Case.objects.filter(status=Case.Status.OPEN).select_related("pupil"):
        year = figures[case.pupil_id]
        assert year.is_severely_absent
        assert year.severe_from_end < case.opened_on <= LAST_SCHOOL_DAY
        assert case.opened_on.weekday() < 5
        assert case.attendance_at_opening == year.attendance_rate
        assert case.link_coordinator_id == coordinator[case.pupil.current_school_id]
        assert case.opened_by_id == case.link_coordinator_id
        if case.lead_professional_id:
            assert case.opened_on <= case.lead_professional_since <= LAST_SCHOOL_DAY


def test_every_case_has_a_timeline_consistent_with_what_the_services_record() -> None:
    seed("--scale", "demo")

    for case in Case.objects.all():
        timeline = list(case.timeline.order_by("recorded_at", "pk"))
        kinds = Counter(e.kind for e in timeline)
        assert kinds[TimelineEntry.Kind.OPENED] == 1
        opened = timeline[0]  # recorded first, whatever the dates of what it records
        assert opened.kind == TimelineEntry.Kind.OPENED
        assert opened.summary == f"Case opened: {case.reason_opened}"
        assert opened.occurred_on == case.opened_on
        assert kinds[TimelineEntry.Kind.RAG] >= 1
        last_rag = [e for e in timeline if e.kind == TimelineEntry.Kind.RAG][-1]
        assert last_rag.summary.endswith(Rag(case.rag).label)
        contacts = list(case.contacts.all())
        assert kinds[TimelineEntry.Kind.CONTACT] == len(contacts)
        assert case.last_contact_on == max((c.contacted_on for c in contacts), default=None)
        for contact in contacts:
            assert case.opened_on <= contact.contacted_on <= (case.closed_on or LAST_SCHOOL_DAY)
        actions = list(case.actions.all())
        assert kinds[TimelineEntry.Kind.ACTION] == len(actions)
        assert kinds[TimelineEntry.Kind.ACTION_DONE] == sum(bool(a.completed_on) for a in actions)
        if case.lead_professional_id:
            lead = [e for e in timeline if e.kind == TimelineEntry.Kind.LEAD][-1]
            assert lead.summary.startswith(f"Lead professional: {case.lead_professional}")
            assert lead.occurred_on == case.lead_professional_since
        assert kinds[TimelineEntry.Kind.CLOSED] == (case.status == Case.Status.CLOSED)
        # Each write that bumps the version in cases.services is on the timeline once.
        bumped = (
            len(contacts)
            + len(actions)
            + kinds[TimelineEntry.Kind.ACTION_DONE]
            + kinds[TimelineEntry.Kind.OTHER_PLAN]
            + kinds[TimelineEntry.Kind.RAG]
            - 1
            + kinds[TimelineEntry.Kind.STEPPED_UP]
            + kinds[TimelineEntry.Kind.CLOSED]
            + max(0, kinds[TimelineEntry.Kind.LEAD] - 1)
            + (
                kinds[TimelineEntry.Kind.LEAD] == 1
                and case.lead_professional_since != case.opened_on
            )
        )
        assert case.version == 1 + bumped
        for entry in timeline:
            assert entry.occurred_on <= LAST_SCHOOL_DAY
            assert entry.recorded_at.date() <= LAST_SCHOOL_DAY


def test_the_early_help_worker_leads_open_cases_and_sees_those_pupils() -> None:
    seed("--scale", "demo")

    eli = User.objects.get(email="early.help@council.example")
    led = Case.objects.filter(status=Case.Status.OPEN, lead_professional__user=eli)
    assert led.count() >= 2
    assert LeadProfessional.objects.filter(user=eli).count() == 1
    visible = set(Pupil.objects.visible_to(eli).values_list("pk", flat=True))
    assert visible == set(led.values_list("pupil_id", flat=True))


def test_the_queue_keeps_some_pupils_and_contacts_are_of_every_kind() -> None:
    seed("--scale", "demo")

    assert queue_members(2025).exists()
    assert (
        queue_members(2025).count()
        < PupilAttendance.objects.filter(is_severely_absent=True).count()
    )
    # Contacts of most kinds even at the demo scale; every kind at a larger one (below).
    assert len(set(Contact.objects.values_list("kind", flat=True))) >= 3
    done = CaseAction.objects.filter(completed_on__isnull=False)
    overdue = CaseAction.objects.filter(completed_on__isnull=True, due_on__lt=TODAY)
    assert done.exists()
    assert overdue.exists() or CaseAction.objects.filter(due_on__gte=TODAY).exists()


def test_reduced_timetables_over_six_weeks_red_and_unregistered() -> None:
    seed("--scale", "demo")

    admin = User.objects.get(email="admin@council.example")
    flags = with_flags(ReducedTimetable.objects.all(), today=TODAY)
    assert flags.filter(flag_over_six_weeks=True).exists()
    assert flags.filter(flag_red=True).exists()
    assert ReducedTimetable.objects.filter(ended_on__isnull=False).exists()
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9)), tick=False):
        assert unregistered_c2(admin, today=TODAY).exists()
        assert timetables_without_c2(admin, today=TODAY).exists()
    for timetable in ReducedTimetable.objects.select_related("pupil"):
        assert timetable.started_on <= timetable.planned_end_on
        assert timetable.parents_agreed_on <= timetable.started_on
        assert 1 <= timetable.sessions_per_week <= 9
        # At the school the pupil was enrolled at when it started.
        assert timetable.pupil.enrolments.filter(
            school=timetable.school_id, started_on__lte=timetable.started_on
        ).exists()
        if timetable.ended_on:
            assert timetable.started_on <= timetable.ended_on <= LAST_SCHOOL_DAY
            assert timetable.returned_full_time is not None
        assert timetable.version == 1 + timetable.reviews.count() + bool(timetable.ended_on)


def test_recorded_timetables_start_at_or_before_the_first_c2_week() -> None:
    seed("--scale", "county", "--schools", "40", "--pupils", "6000", "--seed", "3")

    with_c2 = PupilAttendance.objects.filter(c2_sessions__gt=0)
    recorded = ReducedTimetable.objects.filter(pupil__in=with_c2.values("pupil"))
    assert 0.6 * with_c2.count() <= recorded.count() < with_c2.count()
    for timetable in recorded:
        first = (
            timetable.pupil.attendance_records.filter(code_counts__C2__gt=0)
            .order_by("period_start")
            .first()
        )
        assert timetable.started_on <= first.period_start
        assert timetable.school_id == first.school_id
    flags = with_flags(ReducedTimetable.objects.all(), today=TODAY)
    assert flags.filter(flag_past_planned_end=True).exists()
    assert flags.filter(flag_over_six_weeks=True, flag_red=False).exists()
    assert ReducedTimetable.objects.filter(returned_full_time=True).exists()
    assert ReducedTimetable.objects.filter(returned_full_time=False).exists()

    # A larger scale has every closure reason, kind of lead, kind of contact and plan.
    cases = Case.objects.all()
    closed = cases.filter(status=Case.Status.CLOSED).count()
    assert 0.1 * cases.count() <= closed <= 0.25 * cases.count()
    assert set(cases.exclude(closure_reason="").values_list("closure_reason", flat=True)) == set(
        Case.ClosureReason.values
    )
    assert set(LeadProfessional.objects.values_list("kind", flat=True)) == set(
        LeadProfessional.Kind.values
    )
    assert set(Contact.objects.values_list("kind", flat=True)) == set(Contact.Kind.values)
    plans = set(OtherPlan.objects.values_list("kind", flat=True))
    assert {OtherPlan.Kind.CHILD_IN_NEED, OtherPlan.Kind.SCHOOL_LED} <= plans
    assert OtherPlan.objects.filter(school_led_kind="Pastoral support plan").exists()
    open_cases = cases.filter(status=Case.Status.OPEN)
    tiers = Counter(open_cases.values_list("tier", flat=True))
    assert tiers[3] > max(tiers[2], tiers[4])
    assert tiers[4] > 0
    no_lead = open_cases.filter(lead_professional__isnull=True).count()
    assert 0.15 * open_cases.count() <= no_lead <= 0.35 * open_cases.count()
    # About 10% of open cases with no contact in the last 4 weeks.
    stale = open_cases.filter(last_contact_on__lt=TODAY - dt.timedelta(days=28)).count()
    stale += open_cases.filter(last_contact_on__isnull=True).count()
    assert 0.03 * open_cases.count() <= stale <= 0.2 * open_cases.count()


def test_link_calls_are_fortnightly_and_leave_some_pupils_and_schools_due() -> None:
    seed("--scale", "demo")

    admin = User.objects.get(email="admin@council.example")
    assigned = School.objects.filter(link_assignments__isnull=False).distinct()
    assert set(LinkCall.objects.values_list("school", flat=True)) <= set(
        assigned.values_list("pk", flat=True)
    )
    for school in assigned:
        days = list(school.link_calls.order_by("held_on").values_list("held_on", flat=True))
        assert days
        assert dt.date(2025, 9, 3) <= days[0] <= days[-1] <= LAST_SCHOOL_DAY
        assert all(12 <= (b - a).days <= 17 for a, b in itertools.pairwise(days))
        coordinator = school.link_assignments.order_by("assigned_on", "pk").first().user
        assert not school.link_calls.exclude(link_coordinator=coordinator).exists()
    schools = list(link_call_schools(admin, TODAY))
    assert any(s.is_due for s in schools)
    assert not all(s.is_due for s in schools)
    assert LinkCallDiscussion.objects.exists()
    not_recent = [
        p
        for school in School.objects.visible_to(admin)
        for p in chronically_absent_pupils(school, TODAY)
        if p.not_discussed_recently
    ]
    assert not_recent
    # A discussion of a pupil with an open case then is on the case's timeline.
    for discussion in LinkCallDiscussion.objects.select_related("call"):
        case = Case.objects.filter(pupil=discussion.pupil_id, status=Case.Status.OPEN).first()
        if case is not None and case.opened_on <= discussion.call.held_on:
            assert case.timeline.filter(
                kind=TimelineEntry.Kind.LINK_CALL,
                occurred_on=discussion.call.held_on,
                detail__startswith=discussion.note,
            ).exists()


def test_the_same_seed_gives_the_same_cases_and_another_seed_others() -> None:
    seed("--scale", "demo", "--seed", "7")
    first = snapshot()
    assert first
    seed("--scale", "demo", "--seed", "7", "--reset")
    assert snapshot() == first
    seed("--scale", "demo", "--seed", "8", "--reset")
    assert snapshot() != first


def test_the_load_writes_no_history_and_reset_empties_the_case_tables() -> None:
    before = schema()

    seed("--scale", "demo")

    assert schema() == before
    assert not CaseEvent.objects.exists()
    assert not TimelineEntryEvent.objects.exists()
    assert not ReducedTimetableEvent.objects.exists()
    # The triggers are back on: a change after the load is recorded.
    case = Case.objects.filter(status=Case.Status.OPEN).first()
    case.rag = Rag.RED if case.rag != Rag.RED else Rag.GREEN
    case.save()
    assert CaseEvent.objects.filter(pgh_obj=case, pgh_label="update").exists()
    cases = Case.objects.count()

    seed("--scale", "demo", "--reset")

    assert not CaseEvent.objects.exists()
    assert Case.objects.count() == cases
    assert Case.objects.order_by("pk").first().pk == 1
    assert set(CASE_TABLES) <= set(demo.reset_tables())
    assert {"cases_caseevent", "cases_timelineentryevent"} <= set(demo.reset_tables())


def test_year_to_date_records_still_give_cases_after_the_crossing() -> None:
    """At the national scale the one record's end is the last school day: a case opens once two
    weeks of the year would have shown the crossing."""
    seed("--scale", "national", "--schools", "8", "--pupils", "400")

    open_cases = Case.objects.filter(status=Case.Status.OPEN)
    assert open_cases.exists()
    for case in open_cases:
        year = PupilAttendance.objects.get(pupil=case.pupil_id)
        assert year.severe_from_start + dt.timedelta(days=13) < case.opened_on <= LAST_SCHOOL_DAY
    assert queue_members(2025).exists()


def test_no_school_day_over_yet_means_no_cases() -> None:
    output = seed("--scale", "demo", today=dt.date(2025, 9, 3))

    assert not Case.objects.exists()
    assert not LinkCall.objects.exists()
    assert "Open cases" not in output
