"""Synthetic cases, contact logs, reduced timetables and link calls for the demo data.

`schools.demo.seed` calls `load` inside its transaction, after attendance (`attendance.demo`):
everything here follows from the year's figures (PupilAttendance).

- Cases: an open case for about three in four severely absent pupils, opened by their school's
  link co-ordinator on a school day after the period that took them over the line (with
  year-to-date records, as at the national scale, the crossing is taken as two weeks into the
  year: the one record's end is the last school day). The rest stay in the identification queue,
  those who crossed most recently first. RAG about 40% red, 40% amber, 20% green; tiers 2 to 4,
  mostly 3; a quarter with no lead professional, the rest led by the demo early help worker
  (early.help@council.example, a handful of cases), or invented social workers, school staff,
  early help workers and others; some with other plans in place (child in need, child
  protection, targeted early help, a school's pastoral support plan). About 15% of cases are
  closed, with every closure reason: earlier cases of pupils no longer severely absent, and
  last year's cases of some who are.
- Contact logs (every kind, 0 to 8 a case, up to the last school day before today; about 10% of
  open cases with none in the last 4 weeks) and actions (some done, some overdue).
- Reduced timetables for most pupils with C2 sessions, from at or before their first C2 week at
  the school they were at then (some left unrecorded, for the unregistered list): some over
  6 weeks, some of those with no return plan (red), some past their planned end, some ended;
  reviews; a few for pupils with no C2 session (flagged as such) and a few that ended last year.
- Link calls: each school's link co-ordinator calls it fortnightly over the term so far,
  discussing most of its chronically absent pupils; some schools have missed their last call,
  so are due one.

Timeline entries are the ones `cases.services` writes for the same story (opening, RAG, tier,
lead professional, contacts, actions, other plans, closure, reduced timetable notes and link
call discussions, with the same summaries), and each case's `version` counts the writes that
bump it there. Rows are written with COPY (`schools.demo.copy_rows`) inside `bulk_load`, with the
history triggers on insert disabled: the demo is not recorded as history. Deterministic for a
seed and a day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.db import connection, models
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from cases.link_call_selectors import DISCUSSION_CYCLE
from cases.models import (
    Case,
    CaseAction,
    Contact,
    LeadProfessional,
    LinkCall,
    LinkCallDiscussion,
    OtherPlan,
    Rag,
    ReducedTimetable,
    TimelineEntry,
    TimetableReview,
)
from cases.timetable_selectors import uncovered_c2_records, with_flags
from schools.demo import FAMILY_NAMES, GIVEN_NAMES, bulk_load, copy_rows, max_id, set_identity
from schools.models import LinkAssignment, School, SchoolStaff, Term

OPEN_SHARE = 0.75  # of the severely absent: the rest stay in the identification queue
CLOSED_SHARE = 0.15  # of all cases
RAG_SHARES = {Rag.RED: 0.4, Rag.AMBER: 0.4, Rag.GREEN: 0.2}
NO_LEAD_SHARE = 0.25
# Of the cases with a lead professional who is not the demo early help worker.
LEAD_SHARES = {
    LeadProfessional.Kind.SOCIAL_WORKER: 0.25,
    LeadProfessional.Kind.SCHOOL_STAFF: 0.35,
    LeadProfessional.Kind.EARLY_HELP_WORKER: 0.2,
    LeadProfessional.Kind.OTHER: 0.2,
}
EARLY_HELP_EMAIL = "early.help@council.example"
EARLY_HELP_CASES = (2, 12)  # the demo early help worker leads this many open cases, at least/most
EARLY_HELP_SHARE = 0.12  # of the cases with a lead, within those bounds
STALE_SHARE = 0.10  # of open cases: no contact in the last 4 weeks
UNREGISTERED_SHARE = 0.2  # of pupils with C2 sessions: no reduced timetable recorded
FOUR_WEEKS = dt.timedelta(days=28)
SIX_WEEKS = dt.timedelta(days=42)
CALL_CYCLE = dt.timedelta(days=14)
MISSED_LAST_CALL_SHARE = 0.15  # of schools: due a link call

MODELS: tuple[type[models.Model], ...] = (
    LeadProfessional,
    Case,
    TimelineEntry,
    Contact,
    CaseAction,
    OtherPlan,
    ReducedTimetable,
    TimetableReview,
    LinkCall,
    LinkCallDiscussion,
)
# Their history triggers on insert, off for the load (see schools.demo.bulk_load).
TRIGGERS = tuple(f"cases.{model.__name__}:insert_insert" for model in MODELS)
_CHUNK_LINES = 20_000

# ---------------------------------------------------------------------------------------------
# Words


REASONS_OPENED = (
    "Identified from the attendance import: {rate}% attendance this year.",
    "Identified from the attendance import: {rate}% this year. School reports anxiety about "
    "coming in.",
    "Identified from the attendance import: {rate}% this year; the school's own letters have "
    "had no reply.",
    "Identified from the attendance import: {rate}% this year. Known to early help last year.",
    "Raised by the school's attendance lead at the link call: {rate}% this year and falling.",
    "Identified from the attendance import: {rate}% this year; mostly unauthorised absence.",
)
RAG_WORSE = (
    "Attendance down again after half-term; mum not answering calls.",
    "No contact with the family for three weeks despite two home visits.",
    "New concerns shared by the school: {name} seen in town in school hours.",
)
RAG_BETTER = (
    "Engaging with the plan; attendance up over the last three weeks.",
    "{name} now in every morning; afternoons still hard.",
    "Family working well with the lead professional; keep under review.",
)
STEP_UP = (
    "Referral to the MASH accepted: a social worker is now allocated.",
    "Safeguarding concerns raised at the home visit; stepped up through the MASH.",
)
SCHOOL_LED_KINDS = ("Pastoral support plan", "Pastoral support plan", "Attendance support plan")

# Who each kind of contact was with, and what was said.
CONTACTS: dict[str, tuple[tuple[str, str], ...]] = {
    Contact.Kind.PHONE: (
        (
            "Mum",
            "Spoke to mum about mornings; agreed a wake-up plan and a text from school at 8:15.",
        ),
        ("Mum", "No answer; left a voicemail asking mum to call back."),
        ("Dad", "Dad says {name} is worried about PE; school to offer a quiet start instead."),
        ("Mum", "Mum says {name} has had a cold all week; asked her to ring school each morning."),
        ("Mum", "Checked in after the first week of the plan: {name} in four days out of five."),
        (
            "Mum",
            "Mum finding it hard to get {name} out of the house with the younger ones to drop off; "
            "talked about the breakfast club.",
        ),
        ("Step-dad", "Step-dad says mornings are better since the alarm clock; {name} agrees."),
        ("Gran (kinship carer)", "Gran is collecting {name} on Tuesdays now; happy with the plan."),
        (
            "School attendance lead",
            "Attendance lead: {name} came in late twice this week but stayed all day.",
        ),
    ),
    Contact.Kind.HOME_VISIT: (
        (
            "Mum and {name}",
            "Home visit with the attendance lead. {name} was up and dressed; talked about what "
            "makes Mondays hard.",
        ),
        ("Mum", "No one home; left a card with my number."),
        ("Mum and {name}", "Agreed with mum and {name} to try a phased return, mornings first."),
        (
            "Mum",
            "{name} did not want to talk today; mum says sleep is the main problem. Will bring "
            "the sleep leaflet next time.",
        ),
        (
            "Dad and {name}",
            "Visited with the school nurse. Headaches reviewed; GP appointment booked.",
        ),
        (
            "{name} and both parents",
            "House cold, no credit on the meter: referred to the household support fund.",
        ),
    ),
    Contact.Kind.MEETING: (
        (
            "Mum, head of year and SENCo",
            "Meeting at school. Agreed a support plan and a weekly check-in with a trusted adult.",
        ),
        (
            "Team around the family",
            "School nurse to see {name} about headaches; early help to support mum with routines.",
        ),
        (
            "Family and school",
            "Review meeting: {name}'s attendance up since the last meeting; keep the plan.",
        ),
        ("Mum and {name}", "Met at school; {name} showed us the quiet room to use at break."),
    ),
    Contact.Kind.LETTER: (
        ("Parents", "Sent the attendance concern letter (stage 1) with an invitation to meet."),
        ("Mum", "Letter confirming what we agreed at the meeting and the date of the next one."),
        ("Parents", "Letter inviting the family to an attendance support meeting next week."),
    ),
    Contact.Kind.EMAIL: (
        ("Mum", "Emailed mum the bus pass application and next week's timetable."),
        ("School SENCo", "SENCo: the EHC needs assessment request has gone in."),
        ("Social worker", "Social worker: {name} seen at home this week; no new concerns."),
        ("Head of year", "Head of year: {name} in every day this week, and on time."),
    ),
    Contact.Kind.OTHER: (
        ("Mum", "Text message reminder sent about Tuesday's meeting."),
        ("{name}", "Spoke to {name} at the school gate; says the new form group is better."),
        ("Mum", "Saw mum at the family hub drop-in; she will come to the meeting on Thursday."),
    ),
}
CONTACT_KINDS = (
    (Contact.Kind.PHONE, 0.34),
    (Contact.Kind.HOME_VISIT, 0.2),
    (Contact.Kind.MEETING, 0.14),
    (Contact.Kind.LETTER, 0.1),
    (Contact.Kind.EMAIL, 0.12),
    (Contact.Kind.OTHER, 0.1),
)
ACTIONS = (
    ("Send a text at 8:15 each morning to check {name} is up", "School attendance lead"),
    ("Book a home visit with mum", "{lead}"),
    ("Apply for a bus pass", "Mum"),
    ("Set up a morning meet-and-greet with a trusted adult", "Head of year"),
    ("Refer to the school nurse about headaches", "School"),
    ("Ring the GP to book an appointment for {name}", "Mum"),
    ("Refer to the Early Help hub", "Link co-ordinator"),
    ("Chase the CAMHS referral", "{lead}"),
    ("Share the new timetable with the family", "SENCo"),
    ("Try the breakfast club three days a week", "{name}"),
)
OUTCOMES = {
    Case.ClosureReason.OUTCOMES_ACHIEVED: "Attendance back above 90% for six weeks; the family "
    "and school agree support can end.",
    Case.ClosureReason.STEPPED_DOWN: "Attendance improving; school's pastoral team to carry on "
    "with the morning check-ins.",
    Case.ClosureReason.STEPPED_UP: "Accepted by children's social care through the MASH; the "
    "social worker now leads.",
    Case.ClosureReason.MOVED_OUT: "Family moved out of the area; the new local authority's "
    "attendance team has been sent the file.",
    Case.ClosureReason.LEFT_EDUCATION: "Parents chose elective home education; details passed "
    "to the EHE team.",
    Case.ClosureReason.CONSENT_WITHDRAWN: "Family withdrew consent to early help; school to "
    "follow its own attendance procedures.",
    Case.ClosureReason.TRANSFERRED: "Transferred to the family's lead professional in the "
    "youth justice service.",
    Case.ClosureReason.OTHER: "Pupil admitted to hospital for a long stay; the hospital school "
    "is providing education.",
}
TIMETABLE_REASONS = (
    "Anxiety-related school avoidance; a phased return agreed with CAMHS.",
    "Medical needs: recovering from an operation.",
    "Managed return after a period of suspensions.",
    "Awaiting a specialist placement named in the EHC plan; part-time in the meantime.",
    "Dysregulated in the afternoons; mornings only while a support plan is put in place.",
    "Returning after a long illness; building up stamina.",
)
RETURN_PLANS = (
    "Add a session a fortnight: full mornings first, then afternoons; full time by the end of "
    "term.",
    "Two more sessions after each review, if the mornings go well.",
    "Back to full time once the new support assistant starts; review every three weeks.",
    "Afternoons added one day at a time, agreed with mum and the SENCo at each review.",
)
REVIEW_OUTCOMES = (
    "Reviewed with mum and the SENCo: going well, one more session a week from Monday.",
    "Reviewed with the family: keep the timetable as it is for now.",
    "Reviewed: mornings going well; afternoons still too hard.",
)
RED_REVIEW_OUTCOMES = (
    "Reviewed: no return date agreed yet; school to ask the educational psychologist.",
    "Reviewed with mum: waiting for the CAMHS appointment before planning a return.",
)
CALL_NOTES = (
    "Attendance up slightly since the home visit; mum engaging.",
    "No change this fortnight; school letters unanswered.",
    "In every morning this week; afternoons still hard.",
    "New to the list; school already in touch with mum.",
    "Attendance down again; school worried about friendships.",
    "Reduced timetable going well; next review booked.",
)
CALL_ACTIONS = (
    "School to send a daily text at 8:30",
    "Link co-ordinator to chase the early help referral",
    "Attendance lead to book a meeting with the family",
    "Check the lead professional has seen the family",
    "Ask the SENCo about an EHC needs assessment",
    "",
    "",
)
OTHER_AGENCIES = (
    "School nursing service",
    "Youth justice service",
    "Young carers service",
    "CAMHS",
    "Educational psychology service",
    "Virtual school",
)
AREAS = ("North", "South", "East", "West", "Central")


# ---------------------------------------------------------------------------------------------
# Writing rows


def _text(value: object) -> str:
    """A value as COPY text."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


class _Table:
    """COPY text for one table, spooled to a temporary file; ids given in order from its max."""

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]) -> None:
        self.name = model._meta.db_table
        self.columns = ("id", *columns)
        self.first = self.next = max_id(self.name) + 1
        self.file: TextIO = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self.lines: list[str] = []

    @property
    def count(self) -> int:
        return self.next - self.first

    def reserve(self) -> int:
        pk = self.next
        self.next += 1
        return pk

    def write(self, pk: int, *values: object) -> int:
        self.lines.append("\t".join((str(pk), *map(_text, values))) + "\n")
        if len(self.lines) >= _CHUNK_LINES:
            self.file.write("".join(self.lines))
            self.lines.clear()
        return pk

    def add(self, *values: object) -> int:
        return self.write(self.reserve(), *values)

    def copy(self) -> None:
        self.file.write("".join(self.lines))
        self.lines.clear()
        self.file.seek(0)
        copy_rows(self.name, self.columns, iter(lambda: self.file.read(1 << 20), ""))
        self.file.close()
        set_identity(self.name, self.next - 1)


def _tables() -> dict[str, _Table]:
    return {
        "lead": _Table(LeadProfessional, ("name", "agency", "phone", "email", "kind", "user_id")),
        "case": _Table(
            Case,
            (
                "status",
                "opened_on",
                "reason_opened",
                "rag",
                "tier",
                "lead_professional_since",
                "attendance_at_opening",
                "closed_on",
                "closure_reason",
                "closure_outcome",
                "attendance_at_closure",
                "last_contact_on",
                "version",
                "link_coordinator_id",
                "opened_by_id",
                "pupil_id",
                "lead_professional_id",
            ),
        ),
        "timeline": _Table(
            TimelineEntry,
            ("kind", "occurred_on", "recorded_at", "summary", "detail", "by_id", "case_id"),
        ),
        "contact": _Table(
            Contact, ("kind", "contacted_on", "with_whom", "note", "by_id", "case_id")
        ),
        "action": _Table(
            CaseAction, ("description", "owner", "due_on", "completed_on", "by_id", "case_id")
        ),
        "plan": _Table(OtherPlan, ("kind", "school_led_kind", "started_on", "ended_on", "case_id")),
        "timetable": _Table(
            ReducedTimetable,
            (
                "started_on",
                "planned_end_on",
                "sessions_per_week",
                "reason",
                "parents_agreed_on",
                "return_plan",
                "ended_on",
                "returned_full_time",
                "version",
                "created_by_id",
                "pupil_id",
                "school_id",
            ),
        ),
        "review": _Table(
            TimetableReview,
            ("reviewed_on", "outcome", "new_planned_end_on", "by_id", "timetable_id"),
        ),
        "call": _Table(LinkCall, ("held_on", "attendees", "link_coordinator_id", "school_id")),
        "discussion": _Table(LinkCallDiscussion, ("note", "action", "call_id", "pupil_id")),
    }


# ---------------------------------------------------------------------------------------------
# What the cases follow from


class _Days:
    """School days (weekdays in term) up to the last one before today, for picking dates."""

    def __init__(self, terms: Sequence[Term], today: dt.date) -> None:
        days = []
        for term in terms:
            day = term.starts_on
            while day <= term.ends_on and day < today:
                if day.weekday() < 5:
                    days.append(day.toordinal())
                day += dt.timedelta(days=1)
        self.ordinals = sorted(days)

    @property
    def last(self) -> dt.date | None:
        return dt.date.fromordinal(self.ordinals[-1]) if self.ordinals else None

    def pick(self, rng: random.Random, low: dt.date, high: dt.date) -> dt.date | None:
        """A school day from low to high inclusive, or None if there is none."""
        i = bisect.bisect_left(self.ordinals, low.toordinal())
        j = bisect.bisect_right(self.ordinals, high.toordinal())
        if i >= j:
            return None
        return dt.date.fromordinal(self.ordinals[i + int(rng.random() * (j - i))])

    def on_or_after(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_left(self.ordinals, day.toordinal())
        return dt.date.fromordinal(self.ordinals[i]) if i < len(self.ordinals) else None

    def on_or_before(self, day: dt.date) -> dt.date | None:
        i = bisect.bisect_right(self.ordinals, day.toordinal())
        return dt.date.fromordinal(self.ordinals[i - 1]) if i else None


@dataclass
class _Pupil:
    id: int
    name: str  # given name, for notes
    school: int  # current school
    rate: Decimal
    crossed: dt.date | None  # the end of the period that took them over the severe line
    possible: int
    attended: int
    child_in_need: bool
    child_protection: bool


@dataclass
class _C2Pupil:
    pupil: _Pupil
    school: int  # of the first record with C2 sessions
    first_c2: dt.date  # that record's start
    last_c2: dt.date  # the end of the last record with C2 sessions
    enrolled_on: dt.date  # the start of the enrolment at that school


@dataclass
class _Other:
    """A persistently (not severely) absent pupil with no C2 session."""

    pupil: _Pupil
    enrolled_on: dt.date  # the start of the current enrolment


_SEVERE = """
SELECT pa.pupil_id, p.given_name, p.current_school_id, pa.attendance_rate, pa.severe_from_start,
    pa.severe_from_end, pa.possible_sessions, pa.attended_sessions, p.child_in_need,
    p.child_protection_plan
FROM attendance_pupilattendance pa
JOIN schools_pupil p ON p.id = pa.pupil_id
WHERE pa.start_year = %(year)s AND pa.is_severely_absent AND p.current_school_id IS NOT NULL
ORDER BY pa.pupil_id
"""
_C2 = """
SELECT pa.pupil_id, first_c2.school_id, first_c2.period_start, last_c2.period_end,
    enrolment.started_on
FROM attendance_pupilattendance pa
JOIN LATERAL (
    SELECT a.school_id, a.period_start FROM attendance_attendancerecord a
    WHERE a.pupil_id = pa.pupil_id AND a.period_start >= %(year_start)s
        AND (a.code_counts ->> 'C2')::int > 0
    ORDER BY a.period_start LIMIT 1
) first_c2 ON true
JOIN LATERAL (
    SELECT max(a.period_end) AS period_end FROM attendance_attendancerecord a
    WHERE a.pupil_id = pa.pupil_id AND a.period_start >= %(year_start)s
        AND (a.code_counts ->> 'C2')::int > 0
) last_c2 ON true
JOIN LATERAL (
    SELECT e.started_on FROM schools_enrolment e
    WHERE e.pupil_id = pa.pupil_id AND e.school_id = first_c2.school_id
        AND e.started_on <= first_c2.period_start
    ORDER BY e.started_on DESC LIMIT 1
) enrolment ON true
WHERE pa.start_year = %(year)s AND pa.c2_sessions > 0
ORDER BY pa.pupil_id
"""
# A deterministic sample (a multiplicative hash of the id) of the persistently absent.
_OTHERS = """
SELECT pa.pupil_id, p.given_name, p.current_school_id, pa.attendance_rate, pa.possible_sessions,
    pa.attended_sessions, p.child_in_need, p.child_protection_plan, e.started_on
FROM attendance_pupilattendance pa
JOIN schools_pupil p ON p.id = pa.pupil_id
JOIN schools_enrolment e ON e.pupil_id = p.id AND e.school_id = p.current_school_id
    AND e.ended_on IS NULL
WHERE pa.start_year = %(year)s AND pa.is_persistently_absent AND NOT pa.is_severely_absent
    AND pa.c2_sessions = 0 AND pa.attendance_rate >= 60
ORDER BY (pa.pupil_id * 2654435761 + %(salt)s) %% 4294967291, pa.pupil_id
LIMIT %(limit)s
"""


@dataclass
class _World:
    today: dt.date
    start_year: int
    days: _Days
    last_day: dt.date  # the last school day before today
    first_day: dt.date  # the first school day of this academic year
    term: Term  # this academic year's current term (or the one that ended last)
    coordinator_of: dict[int, int]  # school -> user
    staff_of: dict[int, int]  # school -> a pastoral lead
    names: dict[int, str]  # user -> full name
    school_names: dict[int, str]
    fallback_user: int
    early_help_user: int | None
    severe: list[_Pupil]
    c2: list[_C2Pupil]
    others: list[_Other]

    @classmethod
    def read(cls, start_year: int, today: dt.date, salt: int) -> _World | None:
        terms = list(
            Term.objects.filter(academic_year__start_year__in=(start_year - 1, start_year))
            .select_related("academic_year")
            .order_by("starts_on")
        )
        this_year = [t for t in terms if t.academic_year.start_year == start_year]
        days = _Days(terms, today)
        started = [t for t in this_year if t.starts_on < today]
        last_day = days.last
        if not started or last_day is None or last_day < started[0].starts_on:
            return None
        users = dict(User.objects.values_list("pk", "full_name"))
        fallback = (
            User.objects.filter(is_administrator=True).order_by("pk").values_list("pk", flat=True)
        ).first() or min(users, default=None)
        if fallback is None:
            return None
        coordinator_of: dict[int, int] = {}
        for school, user in LinkAssignment.objects.order_by("assigned_on", "pk").values_list(
            "school_id", "user_id"
        ):
            coordinator_of.setdefault(school, user)
        staff_of: dict[int, int] = {}
        for school, user in (
            SchoolStaff.objects.filter(job_role=SchoolStaff.JobRole.PASTORAL_LEAD)
            .order_by("user_id")
            .values_list("school_id", "user_id")
        ):
            staff_of.setdefault(school, user)
        early_help = (
            User.objects.filter(email=EARLY_HELP_EMAIL).values_list("pk", flat=True).first()
        )
        with connection.cursor() as cursor:
            cursor.execute(_SEVERE, {"year": start_year})
            severe = [
                _Pupil(
                    pupil_id,
                    name,
                    school,
                    rate,
                    _crossing(severe_start, severe_end),
                    possible,
                    attended,
                    cin,
                    cp,
                )
                for (
                    pupil_id,
                    name,
                    school,
                    rate,
                    severe_start,
                    severe_end,
                    possible,
                    attended,
                    cin,
                    cp,
                ) in cursor.fetchall()
            ]
            by_id = {p.id: p for p in severe}
            cursor.execute(_C2, {"year": start_year, "year_start": dt.date(start_year, 9, 1)})
            c2 = [
                _C2Pupil(by_id[pupil_id], school, first, last, enrolled)
                for pupil_id, school, first, last, enrolled in cursor.fetchall()
                if pupil_id in by_id  # C2 only comes with severe absence in the demo
            ]
            cursor.execute(_OTHERS, {"year": start_year, "salt": salt, "limit": len(severe) + 30})
            others = [
                _Other(_Pupil(pid, name, school, rate, None, possible, attended, cin, cp), enrolled)
                for pid, name, school, rate, possible, attended, cin, cp, enrolled in (
                    cursor.fetchall()
                )
            ]
        return cls(
            today=today,
            start_year=start_year,
            days=days,
            last_day=last_day,
            first_day=days.on_or_after(this_year[0].starts_on) or this_year[0].starts_on,
            term=started[-1],
            coordinator_of=coordinator_of,
            staff_of=staff_of,
            names=users,
            school_names=dict(School.objects.values_list("pk", "name")),
            fallback_user=fallback,
            early_help_user=early_help,
            severe=severe,
            c2=c2,
            others=others,
        )

    def coordinator(self, school: int) -> int:
        return self.coordinator_of.get(school, self.fallback_user)


def _crossing(start: dt.date | None, end: dt.date | None) -> dt.date | None:
    """When the pupil crossed the line: the end of the period that did it, or, for a year-to-date
    record (longer than a fortnight), two weeks into it, when weekly data would have shown it."""
    if start is None or end is None:
        return None
    if (end - start).days > 14:
        return start + dt.timedelta(days=13)
    return end


# ---------------------------------------------------------------------------------------------
# Summary


@dataclass
class CasesSummary:
    open_by_rag: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    without_lead: int = 0
    contacts: int = 0
    timetables: int = 0
    running: int = 0
    over_six_weeks: int = 0
    red: int = 0
    unregistered_c2: int = 0
    link_calls: int = 0
    schools_due_a_call: int = 0
    seconds: float = 0.0

    @property
    def open(self) -> int:
        return sum(self.open_by_rag.values())

    def count_figures(self, today: dt.date) -> None:
        """As the caseload, timetable list and link call pages will show them."""
        open_cases = Case.objects.filter(status=Case.Status.OPEN)
        by_rag = dict(open_cases.values_list("rag").annotate(n=Count("pk")).order_by())
        self.open_by_rag = {rag.value: by_rag.get(rag.value, 0) for rag in Rag}
        self.closed = Case.objects.filter(status=Case.Status.CLOSED).count()
        self.without_lead = open_cases.filter(lead_professional__isnull=True).count()
        self.contacts = Contact.objects.count()
        flags = with_flags(ReducedTimetable.objects.all(), today=today).aggregate(
            total=Count("pk"),
            running=Count("pk", filter=Q(flag_running=True)),
            over=Count("pk", filter=Q(flag_over_six_weeks=True)),
            red=Count("pk", filter=Q(flag_red=True)),
        )
        self.timetables, self.running = flags["total"], flags["running"]
        self.over_six_weeks, self.red = flags["over"], flags["red"]
        self.link_calls = LinkCall.objects.count()
        admin = User.objects.filter(is_administrator=True, is_active=True).order_by("pk").first()
        if admin is not None:
            self.unregistered_c2 = (
                uncovered_c2_records(admin, today=today).values("pupil_id").distinct().count()
            )
        # As link_call_schools' `is_due`: no call in the 14 days to today.
        self.schools_due_a_call = (
            School.objects.filter(is_open=True, link_assignments__isnull=False)
            .exclude(link_calls__held_on__gt=today - DISCUSSION_CYCLE)
            .distinct()
            .count()
        )


# ---------------------------------------------------------------------------------------------
# Generation


def _counts(total: int, shares: Sequence[float]) -> list[int]:
    """total split in proportion to shares, summing exactly to total."""
    whole = sum(shares)
    out, cumulative, given = [], 0.0, 0
    for share in shares:
        cumulative += share
        upto = round(total * cumulative / whole)
        out.append(upto - given)
        given = upto
    return out


def _labels(rng: random.Random, total: int, shares: dict[Any, float]) -> list[Any]:
    """total labels in the proportions of shares, each present when total allows, shuffled."""
    counts = _counts(total, list(shares.values()))
    for i, count in enumerate(counts):  # at least one of each, taken from the largest
        if not count and total >= len(shares):
            counts[counts.index(max(counts))] -= 1
            counts[i] = 1
    labels = [label for label, count in zip(shares, counts, strict=True) for _ in range(count)]
    rng.shuffle(labels)
    return labels


@dataclass
class _Entry:
    kind: str
    occurred_on: dt.date
    by: int
    summary: str
    detail: str = ""
    recorded_on: dt.date | None = None  # when it was written, if later than occurred_on


@dataclass
class _Lead:
    pk: int
    kind: str
    shown: str  # as str(LeadProfessional)


class _Generator:
    def __init__(self, world: _World, rng: random.Random, tables: dict[str, _Table]) -> None:
        self.world, self.rng, self.t = world, rng, tables
        self.zone = timezone.get_current_timezone()
        # pupil -> (case, opened on, closed on, the minute its opening day's entries end)
        self.cases_of: dict[int, list[tuple[int, dt.date, dt.date | None, int]]] = defaultdict(list)
        self.pools: dict[object, list[_Lead]] = defaultdict(list)
        self.pool_size = 3
        self.red_over_six_weeks = 0  # recorded so far
        self.early_help: _Lead | None = None
        if world.early_help_user is not None:
            name = world.names[world.early_help_user]
            agency = "Early Help Service"
            pk = tables["lead"].add(
                name,
                agency,
                "01632 960118",
                EARLY_HELP_EMAIL,
                LeadProfessional.Kind.EARLY_HELP_WORKER,
                world.early_help_user,
            )
            self.early_help = _Lead(
                pk, LeadProfessional.Kind.EARLY_HELP_WORKER, f"{name} ({agency})"
            )

    # -- small helpers -----------------------------------------------------------------------

    def pick(self, low: dt.date, high: dt.date) -> dt.date | None:
        return self.world.days.pick(self.rng, low, high)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def person(self) -> tuple[str, str]:
        given, family = self.rng.choice(GIVEN_NAMES), self.rng.choice(FAMILY_NAMES)
        return f"{given} {family}", f"{given}.{family}".lower()

    def phone(self) -> str:
        if self.chance(0.5):
            return f"07700 900{self.rng.randrange(1000):03d}"  # Ofcom's drama numbers
        return f"01632 960{self.rng.randrange(1000):03d}"

    def external_lead(self, kind: str, school: int) -> _Lead:
        """An invented professional of the kind: most lead several cases."""
        key: object = (kind, school) if kind == LeadProfessional.Kind.SCHOOL_STAFF else kind
        pool = self.pools[key]
        size = 2 if kind == LeadProfessional.Kind.SCHOOL_STAFF else self.pool_size
        if pool and (len(pool) >= size or self.chance(0.5)):
            return self.rng.choice(pool)
        name, handle = self.person()
        area = self.rng.choice(AREAS)
        if kind == LeadProfessional.Kind.SOCIAL_WORKER:
            agency, domain = f"Children’s Social Care, {area} locality", "socialcare.example"
        elif kind == LeadProfessional.Kind.EARLY_HELP_WORKER:
            agency, domain = f"Early Help, {area} family support team", "earlyhelp.example"
        elif kind == LeadProfessional.Kind.SCHOOL_STAFF:
            agency, domain = self.world.school_names.get(school, ""), "schools.example"
        else:
            agency, domain = self.rng.choice(OTHER_AGENCIES), "partners.example"
        pk = self.t["lead"].add(name, agency, self.phone(), f"{handle}@{domain}", kind, None)
        lead = _Lead(pk, kind, f"{name} ({agency})" if agency else name)
        pool.append(lead)
        return lead

    def lead_for(self, label: str, school: int) -> _Lead:
        if label == "early_help_user" and self.early_help is not None:
            return self.early_help
        if label == "early_help_user":
            label = LeadProfessional.Kind.EARLY_HELP_WORKER
        return self.external_lead(label, school)

    # -- cases -------------------------------------------------------------------------------

    def cases(self) -> None:
        world, rng = self.world, self.rng
        severe = world.severe
        earliest = {p.id: self.earliest_opening(p) for p in severe}
        eligible = [p for p in severe if earliest[p.id] is not None]
        n_open = min(len(eligible), round(OPEN_SHARE * len(severe)))
        if len(severe) >= 2:
            n_open = min(n_open, len(severe) - 1)
        # Those who crossed the line in the last fortnight are likeliest still to be triaged.
        recent = world.last_day - dt.timedelta(days=10)

        def queue_order(p: _Pupil) -> float:
            first = earliest[p.id]
            return rng.random() + (1.0 if first is not None and first > recent else 0.0)

        chosen = sorted(sorted(eligible, key=queue_order)[:n_open], key=lambda p: p.id)
        # Closed cases (some from last year) whether or not any case can open yet.
        n_closed = max(2, round(n_open * CLOSED_SHARE / (1 - CLOSED_SHARE))) if severe else 0
        self.pool_size = max(3, (n_open + n_closed) // 20)

        rags = _labels(rng, n_open, RAG_SHARES)
        n_none = round(NO_LEAD_SHARE * n_open)
        led = n_open - n_none
        low, high = EARLY_HELP_CASES
        n_early_help = min(led, max(low, min(high, round(EARLY_HELP_SHARE * led))))
        leads: list[str | None] = [None] * n_none + ["early_help_user"] * n_early_help
        leads += _labels(rng, led - n_early_help, LEAD_SHARES)
        rng.shuffle(leads)
        openings = [self.opening_day(earliest[p.id]) for p in chosen]
        stale_candidates = [
            i for i, day in enumerate(openings) if day <= world.today - FOUR_WEEKS - dt.timedelta(2)
        ]
        stale = set(
            rng.sample(stale_candidates, min(len(stale_candidates), round(STALE_SHARE * n_open)))
        )
        for i, pupil in enumerate(chosen):
            self.case(
                pupil,
                opened=openings[i],
                until=world.last_day,
                rag=rags[i],
                lead=leads[i],
                stale=i in stale,
            )
        self.closed_cases(n_closed)

    def earliest_opening(self, pupil: _Pupil) -> dt.date | None:
        """The first school day a case could open: after the crossing, with 20 sessions known."""
        if pupil.crossed is None:
            return None
        low = max(pupil.crossed + dt.timedelta(days=1), self.world.first_day + dt.timedelta(13))
        day = self.world.days.on_or_after(low)
        return day if day is not None and day <= self.world.last_day else None

    def opening_day(self, earliest: dt.date | None) -> dt.date:
        assert earliest is not None  # noqa: S101 - chosen from the eligible
        delay = dt.timedelta(days=int(self.rng.expovariate(1 / 9)))
        day = self.world.days.on_or_after(earliest + delay)
        if day is None or day > self.world.last_day:
            day = self.pick(earliest, self.world.last_day) or earliest
        return day

    def closed_cases(self, count: int) -> None:
        """Cases closed with every reason: most for pupils no longer severely absent (opened
        last year), some last year's for pupils who are severely absent again."""
        world, rng = self.world, self.rng
        reasons = list(Case.ClosureReason)
        rng.shuffle(reasons)
        others = [o.pupil for o in world.others[: count - round(0.3 * count)]]
        again = rng.sample(world.severe, min(len(world.severe), count - len(others)))
        year = world.start_year
        last_year_from = dt.date(year - 1, 10, 1)
        for i, pupil in enumerate(sorted(others, key=lambda p: p.id) + again):
            reason = reasons[i % len(reasons)]
            if pupil.crossed is None:  # improved: the case may have closed this year
                opened = self.pick(last_year_from, min(dt.date(year, 6, 30), world.last_day))
                closed = opened and self.pick(opened + SIX_WEEKS, world.last_day)
            else:  # closed last year
                opened = self.pick(last_year_from, dt.date(year, 5, 22))
                closed = opened and self.pick(opened + FOUR_WEEKS, dt.date(year, 7, 17))
            if opened is None or not closed:
                continue
            at_opening = Decimal(rng.randrange(2000, 4900)) / 100
            if pupil.crossed is None and closed >= world.first_day + dt.timedelta(days=13):
                at_closure = pupil.rate
            elif pupil.crossed is None:
                at_closure = Decimal(rng.randrange(6000, 9200)) / 100
            else:
                at_closure = Decimal(rng.randrange(3000, 5500)) / 100
            rag = rng.choices(list(RAG_SHARES), weights=list(RAG_SHARES.values()))[0]
            lead: str | None = None
            if self.chance(0.85):
                lead = rng.choices(list(LEAD_SHARES), weights=list(LEAD_SHARES.values()))[0]
            self.case(
                pupil,
                opened=opened,
                until=closed,
                rag=rag,
                lead=lead,
                stale=False,
                closure=(reason, at_opening, at_closure),
            )

    def case(
        self,
        pupil: _Pupil,
        *,
        opened: dt.date,
        until: dt.date,
        rag: str,
        lead: str | None,
        stale: bool,
        closure: tuple[str, Decimal, Decimal] | None = None,
    ) -> None:
        """One case and everything on it, from `opened` to `until` (its closure, or the last
        school day for an open case)."""
        rng, world = self.rng, self.world
        case_id = self.t["case"].reserve()
        coordinator = world.coordinator(pupil.school)
        name = pupil.name
        entries: list[_Entry] = []
        version = 1
        at_opening = closure[1] if closure else pupil.rate
        reason = rng.choice(REASONS_OPENED).format(rate=at_opening)
        entries.append(
            _Entry(TimelineEntry.Kind.OPENED, opened, coordinator, f"Case opened: {reason}")
        )

        # RAG: some changed since the case opened.
        first_rag = rag
        rag_change = self.pick(opened + dt.timedelta(days=7), until) if self.chance(0.25) else None
        if rag_change is not None:
            first_rag = rng.choice([r for r in RAG_SHARES if r != rag])
        entries.append(
            _Entry(
                TimelineEntry.Kind.RAG,
                opened,
                coordinator,
                f"RAG rating set to {Rag(first_rag).label}",
            )
        )
        if rag_change is not None:
            worse = list(RAG_SHARES).index(Rag(rag)) < list(RAG_SHARES).index(Rag(first_rag))
            entries.append(
                _Entry(
                    TimelineEntry.Kind.RAG,
                    rag_change,
                    coordinator,
                    f"RAG rating changed from {Rag(first_rag).label} to {Rag(rag).label}",
                    rng.choice(RAG_WORSE if worse else RAG_BETTER).format(name=name),
                )
            )
            version += 1

        # Lead professional: at opening, later, or changed.
        lead_pk: int | None = None
        lead_since: dt.date | None = None
        lead_record: _Lead | None = None
        if lead is not None:
            lead_record = self.lead_for(lead, pupil.school)
            mode = rng.choices(("opening", "later", "changed"), weights=(0.6, 0.25, 0.15))[0]
            since = opened if mode == "opening" else self.pick(opened + dt.timedelta(1), until)
            since = since or opened
            was = ""
            if mode == "changed" and since > opened:
                kinds = [k for k in LEAD_SHARES if k != lead_record.kind]
                previous = self.external_lead(rng.choice(kinds), pupil.school)
                entries.append(self.lead_entry(previous, opened, coordinator, ""))
                was = f" (was {previous.shown})"
                version += 1
            elif since > opened:
                version += 1
            entries.append(self.lead_entry(lead_record, since, coordinator, was))
            lead_pk, lead_since = lead_record.pk, since

        # Tier and other plans.
        kind = lead_record.kind if lead_record else None
        tier, plans = self.tier_and_plans(pupil, kind)
        if tier == 4 and self.chance(0.4):
            stepped = self.pick(opened + dt.timedelta(days=5), until)
            if stepped is not None:
                entries.append(
                    _Entry(
                        TimelineEntry.Kind.STEPPED_UP,
                        stepped,
                        coordinator,
                        "Stepped up to children’s social care: tier 3 to tier 4",
                        rng.choice(STEP_UP),
                    )
                )
                version += 1
        for plan_kind, school_led in plans:
            version += self.other_plan(
                case_id, plan_kind, school_led, opened, until, coordinator, entries
            )

        # Contacts and actions.
        workers = [coordinator]
        if lead_record is not None and lead_record is self.early_help:
            workers.append(world.early_help_user or coordinator)
        contact_days = self.contact_days(opened, until, stale=stale, closed=closure is not None)
        last_contact = max(contact_days) if contact_days else None
        for day in contact_days:
            by = rng.choice(workers) if lead_since and day >= lead_since else coordinator
            self.contact(case_id, day, by, name, entries)
            version += 1
        lead_name = lead_record.shown.split(" (")[0] if lead_record else "Link co-ordinator"
        for _ in range(rng.choices((0, 1, 2, 3), weights=(0.15, 0.35, 0.3, 0.2))[0]):
            version += self.action(
                case_id,
                opened,
                until,
                contact_days,
                rng.choice(workers),
                name,
                lead_name,
                entries,
                closed=closure is not None,
            )

        status, closed_on, closure_reason, outcome, at_closure = (
            Case.Status.OPEN,
            None,
            "",
            "",
            None,
        )
        if closure is not None:
            status, closed_on, closure_reason = Case.Status.CLOSED, until, closure[0]
            outcome, at_closure = OUTCOMES[Case.ClosureReason(closure_reason)], closure[2]
            entries.append(
                _Entry(
                    TimelineEntry.Kind.CLOSED,
                    until,
                    coordinator,
                    f"Case closed: {Case.ClosureReason(closure_reason).label}",
                    outcome,
                )
            )
            version += 1

        self.t["case"].write(
            case_id,
            status,
            opened,
            reason,
            rag,
            tier,
            lead_since,
            at_opening,
            closed_on,
            closure_reason,
            outcome,
            at_closure,
            last_contact,
            version,
            coordinator,
            coordinator,
            pupil.id,
            lead_pk,
        )
        minutes = self.timeline(case_id, entries)
        self.cases_of[pupil.id].append((case_id, opened, closed_on, minutes[opened]))

    def lead_entry(self, lead: _Lead, on: dt.date, by: int, was: str) -> _Entry:
        label = LeadProfessional.Kind(lead.kind).label.lower()
        return _Entry(
            TimelineEntry.Kind.LEAD, on, by, f"Lead professional: {lead.shown}, {label}{was}"
        )

    def tier_and_plans(
        self, pupil: _Pupil, lead_kind: str | None
    ) -> tuple[int, list[tuple[str, str]]]:
        """The tier of need and the other plans in place, from the pupil's flags and the lead."""
        chance, rng = self.chance, self.rng
        kinds = LeadProfessional.Kind
        plans: list[tuple[str, str]] = []
        if pupil.child_protection:
            return 4, [(OtherPlan.Kind.CHILD_PROTECTION, "")]
        if pupil.child_in_need and chance(0.8):
            plans.append((OtherPlan.Kind.CHILD_IN_NEED, ""))
            return (4 if lead_kind == kinds.SOCIAL_WORKER else 3), plans
        if lead_kind == kinds.SOCIAL_WORKER:
            if chance(0.6):
                plans.append((OtherPlan.Kind.CHILD_IN_NEED, ""))
            return (4 if chance(0.7) else 3), plans
        if lead_kind == kinds.EARLY_HELP_WORKER:
            if chance(0.45):
                plans.append((OtherPlan.Kind.TARGETED_EARLY_HELP, ""))
            return 3, plans
        if lead_kind == kinds.SCHOOL_STAFF:
            if chance(0.55):
                plans.append((OtherPlan.Kind.SCHOOL_LED, rng.choice(SCHOOL_LED_KINDS)))
            return (2 if chance(0.5) else 3), plans
        if lead_kind == kinds.OTHER:
            if chance(0.25):
                plans.append((OtherPlan.Kind.SCHOOL_LED, rng.choice(SCHOOL_LED_KINDS)))
            return (2 if chance(0.4) else 3), plans
        return rng.choices((2, 3, 4), weights=(0.3, 0.6, 0.1))[0], plans

    def other_plan(
        self,
        case_id: int,
        kind: str,
        school_led: str,
        opened: dt.date,
        until: dt.date,
        by: int,
        entries: list[_Entry],
    ) -> int:
        """An other plan in place, as `add_other_plan` (and `end_other_plan`) record it: the
        writes that bumped the case's version."""
        statutory = kind in (OtherPlan.Kind.CHILD_PROTECTION, OtherPlan.Kind.CHILD_IN_NEED)
        if statutory and self.chance(0.6):  # in place before the case opened
            started = self.pick(opened - dt.timedelta(days=150), opened) or opened
        else:
            started = self.pick(opened, until) or opened
        ended = self.pick(started + dt.timedelta(days=28), until) if self.chance(0.12) else None
        self.t["plan"].add(kind, school_led, started, ended, case_id)
        shown = f"School-led plan ({school_led})" if school_led else OtherPlan.Kind(kind).label
        entries.append(
            _Entry(
                TimelineEntry.Kind.OTHER_PLAN, started, by, f"{shown} in place", recorded_on=opened
            )
        )
        if ended is None:
            return 1
        entries.append(_Entry(TimelineEntry.Kind.OTHER_PLAN, ended, by, f"{shown} ended"))
        return 2

    def contact_days(
        self, opened: dt.date, until: dt.date, *, stale: bool, closed: bool
    ) -> list[dt.date]:
        """0 to 8 contact dates from opening to `until`. An open case has one in the last four
        weeks unless it is `stale`, when it has none since."""
        rng = self.rng
        weeks = (until - opened).days // 7
        recent_from = self.world.today - FOUR_WEEKS + dt.timedelta(days=1)
        if stale:
            high = min(until, recent_from - dt.timedelta(days=1))
            count = rng.randint(0, min(3, 1 + weeks))
            days = [self.pick(opened, high) for _ in range(count)]
        else:
            count = rng.randint(1, max(1, min(8, 1 + weeks)))
            days = [self.pick(opened, until) for _ in range(count)]
            if not closed:
                days[0] = self.pick(max(opened, recent_from), until) or days[0]
        return sorted(d for d in days if d is not None)

    def contact(
        self, case_id: int, day: dt.date, by: int, name: str, entries: list[_Entry]
    ) -> None:
        rng = self.rng
        kinds, weights = zip(*CONTACT_KINDS, strict=True)
        kind = rng.choices(kinds, weights=weights)[0]
        with_whom, note = (text.format(name=name) for text in rng.choice(CONTACTS[kind]))
        self.t["contact"].add(kind, day, with_whom, note, by, case_id)
        label = Contact.Kind(kind).label
        entries.append(
            _Entry(TimelineEntry.Kind.CONTACT, day, by, f"{label} with {with_whom}", note)
        )

    def action(
        self,
        case_id: int,
        opened: dt.date,
        until: dt.date,
        contact_days: list[dt.date],
        by: int,
        name: str,
        lead_name: str,
        entries: list[_Entry],
        *,
        closed: bool,
    ) -> int:
        """An action agreed on the opening day or at a contact; some done, some overdue."""
        rng, today = self.rng, self.world.today
        agreed = rng.choice([opened, *contact_days])
        due = agreed + dt.timedelta(days=rng.randint(7, 35))
        description, owner = rng.choice(ACTIONS)
        description = description.format(name=name)
        owner = owner.format(name=name, lead=lead_name)
        if closed:
            done = self.pick(agreed, until) if rng.random() < 0.9 else None
        elif due < today:
            done = (
                self.pick(agreed, min(due + dt.timedelta(days=5), until))
                if self.chance(0.55)
                else None
            )
        else:
            done = self.pick(agreed, until) if self.chance(0.25) else None
        self.t["action"].add(description, owner, due, done, by, case_id)
        entries.append(
            _Entry(
                TimelineEntry.Kind.ACTION,
                agreed,
                by,
                f"Action for {owner} by {due:%d/%m/%Y}: {description}",
            )
        )
        if done is None:
            return 1
        entries.append(_Entry(TimelineEntry.Kind.ACTION_DONE, done, by, f"Done: {description}"))
        return 2

    def timeline(self, case_id: int, entries: list[_Entry]) -> dict[dt.date, int]:
        """The entries, recorded in order through each working day: the last minute of each."""
        entries.sort(key=lambda e: max(e.occurred_on, e.recorded_on or e.occurred_on))
        minutes: dict[dt.date, int] = {}
        for entry in entries:
            day = max(entry.occurred_on, entry.recorded_on or entry.occurred_on)
            at = minutes.get(day)
            at = (
                8 * 60 + 30 + self.rng.randrange(360)
                if at is None
                else at + 1 + self.rng.randrange(20)
            )
            minutes[day] = at
            self.write_entry(case_id, entry, day, at)
        return minutes

    def write_entry(self, case_id: int, entry: _Entry, day: dt.date, minute: int) -> None:
        recorded_at = dt.datetime.combine(
            day, dt.time(min(23, minute // 60), minute % 60), tzinfo=self.zone
        )
        self.t["timeline"].add(
            entry.kind,
            entry.occurred_on,
            recorded_at,
            entry.summary[:300],
            entry.detail,
            entry.by,
            case_id,
        )

    def note(
        self, pupil_id: int, kind: str, day: dt.date, by: int, summary: str, detail: str = ""
    ) -> None:
        """A note on the pupil's case open on the day, as `_note_on_open_case` finds it: after
        the opening day's entries, before the closing day's."""
        for case_id, opened, closed, opening_ends in self.cases_of.get(pupil_id, ()):
            if opened <= day and (closed is None or day < closed):
                minute = 13 * 60 + self.rng.randrange(240)
                if day == opened:
                    minute = opening_ends + 1 + self.rng.randrange(30)
                self.write_entry(case_id, _Entry(kind, day, by, summary, detail), day, minute)
                return

    # -- reduced timetables ------------------------------------------------------------------

    def timetables(self) -> None:
        world, rng = self.world, self.rng
        c2 = list(world.c2)
        rng.shuffle(c2)
        # At least one left unregistered, so that the list has content: with a single C2 pupil
        # (the demo scale, some days), the red timetable comes from one with no C2 below.
        unregistered = max(1, round(UNREGISTERED_SHARE * len(c2))) if c2 else 0
        recorded = sorted(c2[unregistered:], key=lambda c: c.pupil.id)
        # The first few cover every state; the rest in proportion.
        states = ["red", "reviewed", "ended", "past_end"][: len(recorded)]
        states += _labels(
            rng,
            len(recorded) - len(states),
            {"red": 0.22, "reviewed": 0.33, "past_end": 0.2, "ended": 0.15, "plan": 0.1},
        )
        for item, state in zip(recorded, states, strict=True):
            self.c2_timetable(item, state)
        # A few more: pupils with no C2 session (running, flagged), and last year's, ended.
        others = [o for o in world.others if o.pupil.id not in self.cases_of]
        n_no_c2 = max(2, round(0.03 * len(recorded)))
        n_last_year = max(1, round(0.15 * len(recorded)))
        for i, other in enumerate(others[:n_no_c2]):
            red = i == 0 and not self.red_over_six_weeks
            self.no_c2_timetable(other, since_term_start=i == 0, red=red)
        for other in others[n_no_c2 : n_no_c2 + n_last_year]:
            self.last_year_timetable(other)

    def created_by(self, school: int) -> int:
        world = self.world
        return world.staff_of.get(school) or world.coordinator(school)

    def sessions(self, pupil: _Pupil) -> int:
        share = pupil.attended / pupil.possible if pupil.possible else 0.5
        return max(1, min(8, round(10 * share + self.rng.uniform(-0.6, 0.6))))

    def c2_timetable(self, item: _C2Pupil, state: str) -> None:
        rng, world = self.rng, self.world
        pupil, today = item.pupil, world.today
        first = item.first_c2
        started = first
        if self.chance(0.3):  # agreed earlier, at the same school
            started = (
                self.pick(max(item.enrolled_on, first - dt.timedelta(days=70)), first) or first
            )
        planned_end = started + dt.timedelta(days=rng.choice((28, 42, 42, 56)))
        by = self.created_by(item.school)
        return_plan = "" if state == "red" else rng.choice(RETURN_PLANS)
        reviews: list[tuple[dt.date, str, dt.date | None]] = []
        ended_on: dt.date | None = None
        returned: bool | None = None
        if state in ("reviewed", "ended", "plan"):
            # Reviewed about when due, each setting a new planned end, until it is ahead.
            review = self.pick(planned_end - dt.timedelta(days=5), planned_end)
            while review is not None and len(reviews) < 4:
                new_end = review + dt.timedelta(days=rng.choice((28, 42)))
                reviews.append((review, rng.choice(REVIEW_OUTCOMES), new_end))
                planned_end = new_end
                if new_end >= today:
                    break
                review = self.pick(new_end - dt.timedelta(days=5), new_end)
            if planned_end < today and state != "ended":
                planned_end = today + dt.timedelta(days=rng.randint(7, 28))
                if reviews:
                    reviews[-1] = (reviews[-1][0], reviews[-1][1], planned_end)
        elif state == "red" and self.chance(0.5):
            review = self.pick(planned_end - dt.timedelta(days=5), planned_end)
            if review is not None:
                reviews.append((review, rng.choice(RED_REVIEW_OUTCOMES), None))
        if state == "ended":
            ended_on = self.pick(max(item.last_c2, started), world.last_day) or world.last_day
            ended_on = max(ended_on, started)
            reviews = [r for r in reviews if r[0] <= ended_on]
            returned = self.chance(0.65)
        self.write_timetable(
            pupil, item.school, started, planned_end, return_plan, ended_on, returned, by, reviews
        )

    def no_c2_timetable(self, other: _Other, *, since_term_start: bool, red: bool) -> None:
        """Recorded but with no C2 marks since: the cross-check flags it. From the start of
        term, or over the summer early in the year (and red, with no return plan, if asked), or
        from three to five weeks ago."""
        world = self.world
        if since_term_start:
            low = max(other.enrolled_on, world.first_day)
            started = self.pick(low, low + dt.timedelta(days=7))
            if low > world.today - SIX_WEEKS:  # early in the year: carried over the summer
                low = max(other.enrolled_on, world.today - dt.timedelta(days=120))
                started = self.pick(low, world.today - SIX_WEEKS - dt.timedelta(days=1)) or started
        else:
            low = max(other.enrolled_on, world.today - dt.timedelta(days=35))
            started = self.pick(low, world.today - dt.timedelta(days=15))
        if started is None or started > world.today - dt.timedelta(days=15):
            return
        planned_end = started + SIX_WEEKS
        by = self.created_by(other.pupil.school)
        plan = "" if red else self.rng.choice(RETURN_PLANS)
        self.write_timetable(
            other.pupil, other.pupil.school, started, planned_end, plan, None, None, by, []
        )

    def last_year_timetable(self, other: _Other) -> None:
        """A timetable that ended last year, mostly with a return to full time."""
        year = self.world.start_year
        low = max(other.enrolled_on, dt.date(year, 1, 5))
        started = self.pick(low, dt.date(year, 5, 15))
        if started is None:
            return
        planned_end = started + SIX_WEEKS
        ended = self.pick(started + dt.timedelta(days=21), dt.date(year, 7, 17)) or planned_end
        by = self.created_by(other.pupil.school)
        plan = self.rng.choice(RETURN_PLANS)
        reviews: list[tuple[dt.date, str, dt.date | None]] = []
        review = self.pick(planned_end - dt.timedelta(days=5), planned_end)
        if review is not None and review < ended:
            reviews.append((review, self.rng.choice(REVIEW_OUTCOMES), None))
        returned = self.chance(0.8)
        self.write_timetable(
            other.pupil,
            other.pupil.school,
            started,
            planned_end,
            plan,
            ended,
            returned,
            by,
            reviews,
        )

    def write_timetable(
        self,
        pupil: _Pupil,
        school: int,
        started: dt.date,
        planned_end: dt.date,
        return_plan: str,
        ended_on: dt.date | None,
        returned: bool | None,
        by: int,
        reviews: list[tuple[dt.date, str, dt.date | None]],
    ) -> None:
        """The timetable as `record_timetable`, `review_timetable` and `end_timetable` leave it,
        with their notes on a case open at the time."""
        rng = self.rng
        sessions = self.sessions(pupil)
        agreed = self.world.days.on_or_before(started - dt.timedelta(days=rng.randint(0, 6)))
        version = 1 + len(reviews) + (ended_on is not None)
        timetable_id = self.t["timetable"].add(
            started,
            max(planned_end, started),
            sessions,
            rng.choice(TIMETABLE_REASONS),
            agreed or started,
            return_plan,
            ended_on,
            returned,
            version,
            by,
            pupil.id,
            school,
        )
        today = self.world.today
        if not return_plan and ended_on is None and started <= today - SIX_WEEKS:
            self.red_over_six_weeks += 1
        note = TimelineEntry.Kind.NOTE
        self.note(
            pupil.id,
            note,
            started,
            by,
            f"Reduced timetable from {started:%d/%m/%Y}: {sessions} sessions a week",
        )
        for reviewed_on, outcome, new_end in reviews:
            self.t["review"].add(reviewed_on, outcome, new_end, by, timetable_id)
            self.note(pupil.id, note, reviewed_on, by, "Reduced timetable reviewed")
        if ended_on is not None:
            back = "back to full time" if returned else "not back to full time"
            self.note(pupil.id, note, ended_on, by, f"Reduced timetable ended: {back}")

    # -- link calls ----------------------------------------------------------------------------

    def link_calls(self) -> None:
        """Fortnightly calls over the term so far with every school that has a link co-ordinator,
        discussing most of its chronically absent pupils; some schools missed their last call."""
        world, rng = self.world, self.rng
        term = world.term
        end = min(term.ends_on, world.last_day)
        chronic: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
        for pupil in world.severe:
            since = pupil.crossed
            for _, opened, closed, _ in self.cases_of.get(pupil.id, ()):
                if closed is None:
                    since = min(since, opened) if since else opened
            if since is not None:
                chronic[pupil.school].append((pupil.id, since))
        schools = sorted(world.coordinator_of)
        if not schools:
            return
        missed = set(rng.sample(schools, max(1, round(MISSED_LAST_CALL_SHARE * len(schools)))))
        with_pupils = [school for school in schools if chronic.get(school)]
        if with_pupils and not missed.intersection(with_pupils):  # some pupils not discussed
            missed.add(rng.choice(with_pupils))
        today = world.today
        for school in schools:
            coordinator = world.coordinator_of[school]
            # The last call: in the last fortnight, or (missed since) the fortnight before.
            if school in missed:
                last = world.days.pick(rng, today - dt.timedelta(days=27), today - CALL_CYCLE)
            else:
                low = min(today - CALL_CYCLE + dt.timedelta(days=1), end - dt.timedelta(days=9))
                last = world.days.pick(rng, low, end)
            days: list[dt.date] = []
            day = last
            while day is not None and term.starts_on <= day <= end:
                days.append(day)
                back = CALL_CYCLE + dt.timedelta(days=rng.randint(-1, 1))
                day = world.days.on_or_before(day - back)
            days.reverse()
            attendees = self.attendees(school, coordinator)
            for i, held_on in enumerate(days):
                call_id = self.t["call"].add(held_on, attendees, coordinator, school)
                latest = i == len(days) - 1
                for pupil_id, since in chronic.get(school, ()):
                    if since > held_on or not self.chance(0.65 if latest else 0.85):
                        continue
                    note = rng.choice(CALL_NOTES)
                    action = rng.choice(CALL_ACTIONS)
                    self.t["discussion"].add(note, action, call_id, pupil_id)
                    text = f"{note} Action: {action}" if action else note
                    self.note(
                        pupil_id,
                        TimelineEntry.Kind.LINK_CALL,
                        held_on,
                        coordinator,
                        "Discussed on the link call",
                        text,
                    )

    def attendees(self, school: int, coordinator: int) -> str:
        names = self.world.names
        people = [f"{names.get(coordinator, 'Link co-ordinator')} (link co-ordinator)"]
        staff = self.world.staff_of.get(school)
        if staff is not None:
            people.append(f"{names[staff]} (pastoral lead)")
        else:
            people.append(f"{self.person()[0]} (attendance lead)")
        if self.chance(0.4):
            people.append(f"{self.person()[0]} (SENCo)")
        return "; ".join(people)


def load(
    *,
    seed: int,
    start_year: int,
    today: dt.date,
    log: Callable[[str], None] = lambda line: None,
) -> CasesSummary:
    """Write the cases, contacts, reduced timetables and link calls, then count them.

    Runs inside the caller's transaction, after attendance and its figures.
    """
    started = time.monotonic()
    summary = CasesSummary()
    world = _World.read(start_year, today, salt=seed)
    if world is None:  # no school day of this year is over yet
        return summary
    rng = random.Random(f"cases {seed}")  # noqa: S311 - synthetic data, reproducible by design
    tables: dict[str, _Table] = {}
    with bulk_load(tuple(model._meta.db_table for model in MODELS), TRIGGERS):
        tables = _tables()
        generator = _Generator(world, rng, tables)
        generator.cases()
        log(f"{tables['case'].count:,} cases")
        generator.timetables()
        generator.link_calls()
        log(f"{tables['call'].count:,} link calls; copying")
        for table in tables.values():
            table.copy()
        log("cases: indexes and foreign keys")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(t.name for t in tables.values()))
    summary.count_figures(today)
    summary.seconds = time.monotonic() - started
    return summary
