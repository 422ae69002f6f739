"""Synthetic Family Early Help Plans for the demo data: families, reviews, closures and audits.

`schools.demo.seed` calls `load` inside its transaction, after cases (`cases.demo`): the plans
follow from the open cases and the year's attendance.

- Families: an active plan for about 62% of open cases' pupils (the LA's target is every
  chronically absent child; the rest are the gap the caseload's "no plan" flag shows), led by the
  case's lead professional; about a third of those were agreed before the case opened (the family
  was known to early help already). Cases with no lead professional get a draft or nothing. Some
  families of persistently (not severely) absent pupils have plans too, in every state, so that
  each state is present even at the demo scale. About a fifth of families have a sibling at
  another school on the same plan: a pupil there, given the family's name (without history).
- States: drafts with some sections done; active plans reviewed on time, active with a late
  review (more than 42 days after the one before), and active and overdue now (due date passed
  with no review: the overdue job will flag them; none is flagged yet); closed for every reason:
  stepped up to children's social care at a review (the children's open cases move to tier 4,
  on their timelines, as `reviews._step_up_cases` records it), consent withdrawn (some with the
  lead professional's safeguarding decision, some still waiting for it), moved out of the city,
  and needs met by universal services (with a Maintaining Our Family Plan).
- Each agreed plan has consent (a few families did not agree to share: only the plan's author and
  lead professional may open those), signatories, the household, the agencies working with it,
  every aspect of family life scored by the parent or carer (or marked not relevant) and the
  relevant ones by the child, an action or "no action needed" for each relevant aspect with
  readiness to change, and the next review's date, time and venue. Reviews have invitees,
  re-scores that move over time, summaries, new actions and the attendance the service computes
  (`reviews.attendance_rate`, from the pupils' records in the 6-week windows). Closed plans store
  their impact as `reviews._close` does: attendance in the 6 weeks before agreement and before
  closure, and each aspect's first and last scores (`reviews.score_changes`' shape).
- Demo logins: the early help worker leads several plans; the demo pastoral lead wrote several at
  their school, one with a family that did not agree to share. The demo manager drew two quality
  audits, one graded in full and one in part.
- Notifications as the services leave them: plan closed (to the lead professional, the children's
  link co-ordinators and the author) and consent withdrawn (to the lead professional); those
  older than a week are read.

Not generated: attachments (files), reopened plans, Supporting Families records of closed plans
(deleted at closure, so only the date they were deleted), overdue notices (the job's to make).

Rows are written with COPY (`cases.demo._Table`) inside `bulk_load`, with the history triggers
disabled: the demo is not recorded as history. Each plan's `version` counts the writes that bump
it in the services. Deterministic for a seed and a day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.models import User
from cases.demo import EARLY_HELP_EMAIL, _Days, _labels, _Table
from cases.models import Case, LeadProfessional, Tier, TimelineEntry
from early_help_plans.models import (
    REVIEW_INTERVAL,
    ActionItem,
    Agency,
    Aspect,
    AspectScore,
    AuditedPlan,
    ConsentSignatory,
    EarlyHelpPlan,
    FamilyMember,
    Grade,
    MaintainingOurFamilyPlan,
    Notification,
    Perspective,
    PlanChild,
    QualityAudit,
    Review,
    ReviewInvitee,
    SupportingFamiliesRecord,
)
from schools.demo import FAMILY_NAMES, GIVEN_NAMES, bulk_load
from schools.models import LinkAssignment, School, SchoolStaff, Term

COVERED_SHARE = 0.62  # of open cases: the pupil is on an active plan
STEPPED_UP_SHARE = 0.04  # of open cases: the plan stepped up to social care at a review
CASE_WITHDRAWN_SHARE = 0.03  # of open cases: the family withdrew consent; the case goes on
CASE_DRAFT_SHARE = 0.08  # of open cases: a plan being drafted
# Of open cases' active plans: started whenever the family needed it since last spring, not
# from the case (linked to it only if started after it opened).
BEFORE_CASE_SHARE = 0.3
CASE_ACTIVE_STATES = {"on_time": 0.78, "overdue": 0.12, "late": 0.10}
OTHER_FAMILIES_SHARE = 0.5  # of open cases: families of persistently absent pupils, at least 12
# Their states: the first few cover every state, the rest in proportion.
OTHER_REQUIRED = (
    "on_time",
    "on_time",
    "late",
    "overdue",
    "consent_withdrawn",
    "consent_withdrawn",
    "moved_out",
    "universal",
    "draft",
)
OTHER_STATES = {
    "on_time": 0.28,
    "late": 0.1,
    "overdue": 0.1,
    "consent_withdrawn": 0.12,
    "moved_out": 0.1,
    "universal": 0.2,
    "draft": 0.1,
}
ACTIVE = ("on_time", "late", "overdue")
CLOSING_STATES = {
    "stepped_up": EarlyHelpPlan.ClosureReason.STEPPED_UP,
    "consent_withdrawn": EarlyHelpPlan.ClosureReason.CONSENT_WITHDRAWN,
    "moved_out": EarlyHelpPlan.ClosureReason.MOVED_OUT,
    "universal": EarlyHelpPlan.ClosureReason.UNIVERSAL,
}
SIBLING_SHARE = 0.2  # of families: a sibling at another school on the plan
NO_CONSENT_SHARE = 0.04  # of agreed plans: the family did not agree to share
SUPPORTING_FAMILIES_SHARE = 0.45  # of agreed plans: consent to share with Supporting Families
SAFEGUARDING_DECIDED_SHARE = 0.6  # of plans closed by consent withdrawn
EARLY_HELP_SHARE = 0.25  # of other families' plans: led by the demo early help worker
PASTORAL_LEAD_EMAIL = "pastoral.lead@council.example"
MANAGER_EMAIL = "manager@council.example"
PASTORAL_LEAD_PLANS = 4  # at least, at the demo pastoral lead's school, written by them
EARLY_HELP_PLANS = 4  # at least, led by the demo early help worker
READ_AFTER = dt.timedelta(days=7)  # notifications older than this are read
ONE_DAY = dt.timedelta(days=1)

# The tables written, by the generator's name for them: the plan tables, empty before the load
# (bulk_load drops and rebuilds their indexes), and a few rows in two of the cases' tables.
TABLES: dict[str, type[models.Model]] = {
    "plan": EarlyHelpPlan,
    "child": PlanChild,
    "member": FamilyMember,
    "signatory": ConsentSignatory,
    "agency": Agency,
    "review": Review,
    "invitee": ReviewInvitee,
    "score": AspectScore,
    "action": ActionItem,
    "maintaining": MaintainingOurFamilyPlan,
    "supporting": SupportingFamiliesRecord,
    "notification": Notification,
    "audit": QualityAudit,
    "audited": AuditedPlan,
    "lead": LeadProfessional,
    "timeline": TimelineEntry,
}
MODELS = tuple(m for m in TABLES.values() if m._meta.app_label == "early_help_plans")
_UNTRACKED = (SupportingFamiliesRecord, Notification)  # no history, by design (see the models)
# History triggers off for the load: inserts into the plan tables and the cases' new lead
# professional and timeline entries, and the updates of stepped-up cases and renamed siblings.
TRIGGERS = (
    *(f"early_help_plans.{m.__name__}:insert_insert" for m in MODELS if m not in _UNTRACKED),
    "cases.LeadProfessional:insert_insert",
    "cases.TimelineEntry:insert_insert",
    "cases.Case:update_update",
    "schools.Pupil:update_update",
)

# ---------------------------------------------------------------------------------------------
# Words

_A = Aspect
# Per aspect: what's working well, what could be better (with {name}, the eldest child).
ASPECT_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    _A.EDUCATION: (
        (
            "{name} likes the new form tutor and goes to breakfast club on Tuesdays.",
            "Mornings are calmer since the wake-up plan.",
            "{name} enjoys art and football at school.",
        ),
        (
            "{name} misses about half the week; mornings are a battle.",
            "Anxiety about going in, worst on Mondays.",
            "Falling behind after so much time off; worried about catching up.",
        ),
    ),
    _A.EARLY_YEARS: (
        ("The baby goes to the health visitor's clinic.", "Mum goes to the stay-and-play group."),
        ("Mum is expecting and tired; the school run is hard.", "The toddler's checks are late."),
    ),
    _A.HEALTH: (
        (
            "Registered with the GP and going to appointments.",
            "Sleeping better since screens go off at nine.",
        ),
        (
            "Headaches and stomach aches most school mornings.",
            "Waiting for a CAMHS appointment; low mood.",
        ),
    ),
    _A.RELATIONSHIPS: (
        (
            "Gran helps after school twice a week.",
            "{name} and mum talk more since the parenting course started.",
        ),
        (
            "Arguments at home over bedtimes and phones.",
            "The children fight a lot; mum feels worn out.",
        ),
    ),
    _A.HOUSING: (
        ("The landlord has fixed the heating.", "The family likes the area and the neighbours."),
        (
            "Damp in the children's bedroom; waiting for repairs.",
            "Overcrowded: three children share one room.",
        ),
    ),
    _A.BASIC_CARE: (
        ("The children have what they need for school most days.",),
        ("Uniform and shoes are too small; the washing machine is broken.",),
    ),
    _A.MONEY: (
        ("Universal Credit is sorted now.", "Mum has started a part-time job."),
        ("Rent arrears and debts; no credit on the meter some weeks.",),
    ),
    _A.SAFETY: (
        ("Mum knows who to call if things get hard.",),
        (
            "Worried about the older friends {name} spends time with.",
            "Mum's ex-partner still turns up at the house.",
        ),
    ),
    _A.DRUGS_ALCOHOL: (
        ("Dad is working with the recovery service.",),
        ("Drinking at weekends leads to rows.",),
    ),
    _A.OFFENDING: (
        ("No new incidents since the summer.",),
        ("{name} was cautioned for shoplifting in the spring.",),
    ),
}
NOT_RELEVANT: dict[str, str] = {
    _A.EARLY_YEARS: "No children under five and no one is expecting a baby.",
    _A.OFFENDING: "No one in the family is involved in offending.",
    _A.DRUGS_ALCOHOL: "Not a concern for this family.",
}
NOT_RELEVANT_OTHERWISE = "Not something the family needs help with at the moment."
# Aspects a family may need help with besides education, and how likely.
ASPECT_CHANCES = {
    _A.HEALTH: 0.6,
    _A.RELATIONSHIPS: 0.5,
    _A.MONEY: 0.4,
    _A.HOUSING: 0.3,
    _A.BASIC_CARE: 0.25,
    _A.SAFETY: 0.2,
    _A.DRUGS_ALCOHOL: 0.1,
    _A.OFFENDING: 0.1,
}
CHILD_ASPECTS = {
    _A.EDUCATION,
    _A.HEALTH,
    _A.RELATIONSHIPS,
    _A.HOUSING,
    _A.SAFETY,
    _A.OFFENDING,
}
PRACTITIONER_DISAGREES = (
    "School's view is that things are harder than this: {name} has missed most Mondays.",
    "I think this is more positive than it is; we agreed to look again at the review.",
)
CHANGED = {
    1: (
        "Better: {name} in most mornings now.",
        "Going better since the last review.",
        "Things are improving; the plan is helping.",
    ),
    0: ("About the same as last time.", "No real change yet."),
    -1: ("Harder again since the last review.", "Worse: a difficult few weeks."),
}
# Per aspect: the action, who will do it, the difference it should make.
ACTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    _A.EDUCATION: (
        (
            "Text from school at 8:15 to check {name} is up",
            "School attendance lead",
            "{name} in school on time every day",
        ),
        (
            "Meet-and-greet with a trusted adult at the gate",
            "Head of year",
            "{name} feels safe walking in",
        ),
        ("Breakfast club three days a week", "Mum and {name}", "Calmer mornings, in by 8:45"),
        (
            "Ask the SENCo to review {name}'s support plan",
            "Lead professional",
            "Lessons {name} can manage",
        ),
    ),
    _A.EARLY_YEARS: (
        ("Register the baby at the children's centre", "Mum", "Support with the baby"),
        (
            "Health visitor to visit after the birth",
            "Health visiting team",
            "The baby's checks done on time",
        ),
    ),
    _A.HEALTH: (
        ("Book a GP appointment about the headaches", "Mum", "Know what is causing them"),
        (
            "Referral to the school nurse for sleep advice",
            "Lead professional",
            "{name} asleep by ten",
        ),
        ("Chase the CAMHS referral", "Lead professional", "A date for the first appointment"),
    ),
    _A.RELATIONSHIPS: (
        ("Join the family hub's parenting course", "Mum", "Fewer arguments at bedtime"),
        ("One-to-one time each week for {name} and dad", "Dad", "{name} feels listened to"),
    ),
    _A.HOUSING: (
        ("Report the damp to the landlord in writing, with photos", "Mum", "Repairs booked"),
        ("Housing options appointment", "Lead professional", "On the list for a larger home"),
    ),
    _A.BASIC_CARE: (
        ("Apply to the uniform bank", "Lead professional", "Uniform and shoes that fit"),
        (
            "Grant application for a washing machine",
            "Lead professional",
            "Clean clothes for school every day",
        ),
    ),
    _A.MONEY: (
        (
            "Benefits check with the welfare rights service",
            "Mum",
            "Every payment the family is due",
        ),
        (
            "Household support fund application for energy",
            "Lead professional",
            "The meter topped up through the winter",
        ),
    ),
    _A.SAFETY: (
        (
            "Agree a plan for evenings out with {name}",
            "Mum and {name}",
            "Mum knows where {name} is",
        ),
        (
            "Referral to the domestic abuse support service",
            "Lead professional",
            "Mum has support and a safety plan",
        ),
    ),
    _A.DRUGS_ALCOHOL: (("Keep going to the recovery group", "Dad", "No drinking at home"),),
    _A.OFFENDING: (
        ("Fortnightly sessions with the youth justice worker", "{name}", "No further offences"),
    ),
}
# Per aspect: the service, whom it supports, how.
AGENCIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    _A.EDUCATION: (("Attendance support team", "{name}", "Fortnightly link calls with school"),),
    _A.EARLY_YEARS: (("Health visiting team", "Mum and the baby", "Checks and feeding support"),),
    _A.HEALTH: (
        ("School nursing service", "{name}", "Sleep and headache advice"),
        ("CAMHS", "{name}", "Assessment and support for low mood"),
    ),
    _A.RELATIONSHIPS: (("Family hub", "Mum and dad", "Parenting course"),),
    _A.HOUSING: (("Housing options team", "The family", "Repairs and a housing application"),),
    _A.BASIC_CARE: (("Uniform bank (voluntary group)", "The children", "Uniform and shoes"),),
    _A.MONEY: (("Welfare rights service", "Mum", "Benefits check and debt advice"),),
    _A.SAFETY: (("Domestic abuse support service", "Mum", "Safety planning and support"),),
    _A.DRUGS_ALCOHOL: (("Drug and alcohol recovery service", "Dad", "Weekly recovery group"),),
    _A.OFFENDING: (("Youth justice service", "{name}", "Fortnightly sessions"),),
}
TIER_REASONS = {
    2: "One agency (school) can meet the needs with the family; no other services involved yet.",
    3: "Needs across several aspects of family life: school, health and the family hub "
    "working together with the family.",
}
USEFUL_INFORMATION = (
    "Mum prefers texts to calls. Gran (maternal) is a significant adult and helps most days.",
    "Dad works nights: meetings after 2pm. Interpreter needed for mum (Polish).",
    "Preferred contact: mum's mobile. Dad lives elsewhere but sees the children at weekends.",
    "Mum is a carer for a grandparent. Meetings at home suit the family best.",
    "No interpreter needed. The family would rather meet at school than at home.",
)
VENUES = ("Family home", "{school}, meeting room", "Family hub", "Online (video call)")
REVIEW_TIMES = (dt.time(9, 30), dt.time(10, 0), dt.time(13, 30), dt.time(14, 0), dt.time(15, 45))
LATER_REVIEW_REASONS = (
    "The family is away over half-term; this is the first date everyone can make.",
    "Waiting for the CAMHS assessment, due the week before.",
)
FAMILY_SUMMARIES = {
    "better": (
        "Mum says mornings are much easier and the children are in school most days.",
        "The family feels the plan is working; they want to keep the breakfast club going.",
    ),
    "mixed": (
        "Some good weeks and some hard ones; mum wants more help with mornings.",
        "Dad says things are better at home but school is still a struggle.",
    ),
    "worse": (
        "Mum is finding things harder and is worried about what happens at home.",
        "The family has missed two appointments and is not answering calls.",
    ),
}
CHILD_SUMMARIES = (
    "{name} says school is 'a bit better' and likes the quiet room at break.",
    "{name} did not want to talk much today but drew a picture of a good day.",
    "{name} says the mornings are the hardest part.",
)
TEAM_SUMMARIES = (
    "School: attendance up since the last review. Nurse: sleep is improving.",
    "Everyone agrees the plan should continue; the housing repair is still outstanding.",
    "School and the family hub both see progress; keep the same actions for now.",
)
STEP_UP_SUMMARY = (
    "Concerns have grown since the last review: the children are not being seen and mum is not "
    "engaging. Everyone agreed to step up to children's social care through the MASH."
)
MOVED_OUT_SUMMARY = (
    "The family has moved to a new home out of the city; the new school and the local "
    "authority's early help team have been told, and the plan shared with the family's consent."
)
UNIVERSAL_SUMMARY = (
    "The family is managing well: the children are in school most days and the family knows "
    "where to go for help. Needs can be met by universal services now."
)
WITHDRAWAL_REASONS = (
    "Mum feels the plan is not helping and does not want more meetings.",
    "The family say they can manage on their own now and no longer agree to share information.",
    "Dad does not want agencies involved after a disagreement with the school.",
)
SAFEGUARDING_NOTES = {
    False: (
        "No safeguarding concern: attendance is the worry, and the school will follow its own "
        "procedures. Discussed with the school's designated safeguarding lead."
    ),
    True: (
        "Yes: without the plan the children lose the support that kept things safe at home. "
        "Asked the MASH for advice; a consultation is booked."
    ),
}
MAINTAINING = {
    "what_we_learnt": "Mornings go better with a routine we all agree on, and asking for help "
    "early stops things getting worse.",
    "most_useful": "The breakfast club, the texts from school and having one person to call.",
    "keep_progress_going": "Keep the wake-up plan; the children go to breakfast club twice a "
    "week; mum keeps the family hub drop-in on Thursdays.",
    "difficult_situations": "The start of a new term, and when someone in the family is ill.",
    "if_things_get_hard": "Ring the school's attendance lead straight away, and go to the "
    "family hub drop-in.",
    "who_we_can_contact": "School attendance lead; the family hub; the GP.",
}
SUPPORTING_FAMILIES: dict[str, tuple[str, str]] = {
    _A.EDUCATION: (
        SupportingFamiliesRecord.Outcome.EDUCATION,
        "Attendance up over the last six weeks, from the school's records.",
    ),
    _A.HEALTH: (
        SupportingFamiliesRecord.Outcome.HEALTH,
        "First CAMHS appointment attended; the GP has reviewed the headaches.",
    ),
    _A.MONEY: (
        SupportingFamiliesRecord.Outcome.MONEY,
        "Benefits check done: the family now receives every payment it is due.",
    ),
    _A.HOUSING: (
        SupportingFamiliesRecord.Outcome.HOUSING,
        "Damp repaired; the tenancy is secure.",
    ),
}
AUDIT_COMMENTS = {
    Grade.OUTSTANDING: "A model plan: the family's and the child's voices are clear, and every "
    "action is owned and dated.",
    Grade.GOOD: "A good plan; the child's voice could be stronger in the review.",
    Grade.REQUIRES_IMPROVEMENT: "Reviews are not on time and some actions have no date.",
    Grade.INADEQUATE: "The lowest-scored aspects have no actions, and the plan is overdue.",
}
# The family's main carer and, in some families, a second adult at home. Texts are written of
# "Mum" and "Dad" and swapped where a father is the main carer (_Generator.say).
FIRST_ADULTS = (("Mother", "Female", 0.85), ("Father", "Male", 0.15))
SECOND_ADULTS = {
    "Mother": (("Father", "Male"), ("Stepfather", "Male"), ("Partner", "Male")),
    "Father": (("Partner", "Female"), ("Stepmother", "Female")),
}
_SWAP = {"Mum": "Dad", "mum": "dad", "Dad": "Mum", "dad": "mum"}
AREAS = ("North", "South", "East", "West", "Central")
STREETS = ("Road", "Street", "Close", "Avenue", "Way", "Gardens", "Crescent")
# The given names run girls' first, then boys' (from "Noah").
_BOYS_FROM = GIVEN_NAMES.index("Noah")


# ---------------------------------------------------------------------------------------------
# What the plans follow from


@dataclass
class _Child:
    id: int
    given: str
    family: str
    born: dt.date
    school: int

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass
class _OpenCase:
    id: int
    child: _Child
    opened: dt.date
    tier: int
    lead: int | None


@dataclass
class _Lead:
    pk: int
    kind: str
    user: int | None
    name: str
    agency: str


_OPEN_CASES = """
SELECT c.id, c.opened_on, c.tier, c.lead_professional_id,
    p.id, p.given_name, p.family_name, p.date_of_birth, p.current_school_id
FROM cases_case c
JOIN schools_pupil p ON p.id = c.pupil_id
WHERE c.status = 'open' AND p.current_school_id IS NOT NULL
ORDER BY c.id
"""
_NO_OPEN_CASE = (
    "NOT EXISTS (SELECT FROM cases_case c WHERE c.pupil_id = p.id AND c.status = 'open')"
)
# A deterministic sample (a multiplicative hash of the id) of the persistently absent.
_PERSISTENT = f"""
SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.current_school_id
FROM attendance_pupilattendance pa
JOIN schools_pupil p ON p.id = pa.pupil_id
WHERE pa.start_year = %(year)s AND pa.is_persistently_absent AND NOT pa.is_severely_absent
    AND p.current_school_id IS NOT NULL AND {_NO_OPEN_CASE}
ORDER BY (p.id * 2246822519 + %(salt)s) %% 4294967291, p.id
LIMIT %(limit)s
"""  # noqa: S608 - constants only
# Pupils at one school, the lowest attendance first.
_AT_SCHOOL = f"""
SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.current_school_id
FROM schools_pupil p
LEFT JOIN attendance_pupilattendance pa ON pa.pupil_id = p.id AND pa.start_year = %(year)s
WHERE p.current_school_id = %(school)s AND NOT coalesce(pa.is_severely_absent, false)
    AND {_NO_OPEN_CASE}
ORDER BY pa.attendance_rate NULLS LAST, p.id
LIMIT %(limit)s
"""  # noqa: S608 - constants only
_SIBLINGS = f"""
SELECT p.id, p.given_name, p.family_name, p.date_of_birth, p.current_school_id
FROM schools_pupil p
WHERE p.current_school_id IS NOT NULL AND {_NO_OPEN_CASE}
ORDER BY (p.id * 2654435761 + %(salt)s) %% 4294967291, p.id
LIMIT %(limit)s
"""  # noqa: S608 - constants only


def _children(cursor: Any) -> list[_Child]:
    return [_Child(*row) for row in cursor.fetchall()]


@dataclass
class _World:
    today: dt.date
    start_year: int
    first_day: dt.date  # the first school day of this academic year
    last_day: dt.date  # the last school day before today: nothing here is later
    term: Term
    names: dict[int, str]  # user -> full name
    school_names: dict[int, str]
    coordinators_of: dict[int, list[int]]  # school -> link co-ordinators, the default first
    staff_of: dict[int, int]  # school -> a pastoral lead
    fallback_user: int
    early_help_user: int | None
    pastoral_lead: int | None
    pastoral_school: int | None
    manager: int | None
    leads: dict[int, _Lead]
    open_cases: list[_OpenCase]

    @classmethod
    def read(cls, start_year: int, today: dt.date) -> _World | None:
        terms = list(
            Term.objects.filter(academic_year__start_year__in=(start_year - 1, start_year))
            .select_related("academic_year")
            .order_by("starts_on")
        )
        this_year = [t for t in terms if t.academic_year.start_year == start_year]
        started = [t for t in this_year if t.starts_on < today]
        days = _Days(terms, today)
        last_day = days.last
        if not started or last_day is None or last_day < started[0].starts_on:
            return None  # no school day of this year is over yet
        users = {
            pk: (name, email)
            for pk, name, email in User.objects.values_list("pk", "full_name", "email")
        }
        by_email = {email: pk for pk, (_, email) in users.items()}
        fallback = (
            User.objects.filter(is_administrator=True).order_by("pk").values_list("pk", flat=True)
        ).first() or min(users, default=None)
        if fallback is None:
            return None
        manager = (
            by_email.get(MANAGER_EMAIL)
            or (
                User.objects.filter(is_manager=True).order_by("pk").values_list("pk", flat=True)
            ).first()
        )
        pastoral_lead = by_email.get(PASTORAL_LEAD_EMAIL)
        pastoral_school = (
            SchoolStaff.objects.filter(user=pastoral_lead)
            .order_by("pk")
            .values_list("school_id", flat=True)
            .first()
            if pastoral_lead
            else None
        )
        coordinators_of: dict[int, list[int]] = defaultdict(list)
        for school, user in LinkAssignment.objects.order_by("assigned_on", "pk").values_list(
            "school_id", "user_id"
        ):
            coordinators_of[school].append(user)
        staff_of: dict[int, int] = {}
        for school, user in (
            SchoolStaff.objects.filter(job_role=SchoolStaff.JobRole.PASTORAL_LEAD)
            .order_by("user_id")
            .values_list("school_id", "user_id")
        ):
            staff_of.setdefault(school, user)
        leads = {
            pk: _Lead(pk, kind, user, name, agency)
            for pk, kind, user, name, agency in LeadProfessional.objects.order_by("pk").values_list(
                "pk", "kind", "user_id", "name", "agency"
            )
        }
        with connection.cursor() as cursor:
            cursor.execute(_OPEN_CASES)
            open_cases = [
                _OpenCase(case, _Child(*pupil), opened, tier, lead)
                for case, opened, tier, lead, *pupil in cursor.fetchall()
            ]
        return cls(
            today=today,
            start_year=start_year,
            first_day=days.on_or_after(this_year[0].starts_on) or this_year[0].starts_on,
            last_day=last_day,
            term=started[-1],
            names={pk: name for pk, (name, _) in users.items()},
            school_names=dict(School.objects.values_list("pk", "name")),
            coordinators_of=dict(coordinators_of),
            staff_of=staff_of,
            fallback_user=fallback,
            early_help_user=by_email.get(EARLY_HELP_EMAIL),
            pastoral_lead=pastoral_lead,
            pastoral_school=pastoral_school,
            manager=manager,
            leads=leads,
            open_cases=open_cases,
        )

    def coordinator(self, school: int) -> int:
        return (self.coordinators_of.get(school) or [self.fallback_user])[0]


# ---------------------------------------------------------------------------------------------
# Summary


@dataclass
class PlansSummary:
    drafts: int = 0
    active: int = 0
    overdue: int = 0  # active, and the review fell due before today
    late: int = 0  # active, with a review held more than 42 days after the one before
    closed_by_reason: dict[str, int] = field(default_factory=dict)
    reviews: int = 0
    open_cases: int = 0
    covered: int = 0  # open cases whose pupil is on an active plan
    across_schools: int = 0  # plans with children at two or more schools
    audits: int = 0
    graded: int = 0
    seconds: float = 0.0

    @property
    def closed(self) -> int:
        return sum(self.closed_by_reason.values())

    def count_figures(self, today: dt.date) -> None:
        """As the plan list, the caseload and the audits will show them."""
        by_status = dict(
            EarlyHelpPlan.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        self.drafts = by_status.get(EarlyHelpPlan.Status.DRAFT, 0)
        self.active = by_status.get(EarlyHelpPlan.Status.ACTIVE, 0)
        cutoff = today - REVIEW_INTERVAL
        self.overdue = EarlyHelpPlan.objects.filter(
            Q(last_reviewed_on__lt=cutoff) | Q(last_reviewed_on__isnull=True, agreed_on__lt=cutoff),
            status=EarlyHelpPlan.Status.ACTIVE,
        ).count()
        closed = dict(
            EarlyHelpPlan.objects.filter(status=EarlyHelpPlan.Status.CLOSED)
            .values_list("closure_reason")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.closed_by_reason = {
            reason.value: closed.get(reason.value, 0) for reason in EarlyHelpPlan.ClosureReason
        }
        self.reviews = Review.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT plan_id) FROM ("
                " SELECT r.plan_id, r.held_on - coalesce(lag(r.held_on) OVER ("
                "  PARTITION BY r.plan_id ORDER BY r.held_on, r.id), p.agreed_on) AS gap"
                " FROM early_help_plans_review r"
                " JOIN early_help_plans_earlyhelpplan p ON p.id = r.plan_id"
                " WHERE p.status = 'active') gaps WHERE gap > %s",
                [REVIEW_INTERVAL.days],
            )
            self.late = cursor.fetchone()[0]
        open_cases = Case.objects.filter(status=Case.Status.OPEN)
        self.open_cases = open_cases.count()
        self.covered = open_cases.filter(
            Exists(PlanChild.objects.filter(pupil=OuterRef("pupil_id"), plan_is_active=True))
        ).count()
        self.across_schools = (
            EarlyHelpPlan.objects.annotate(
                schools=Count("children__pupil__current_school", distinct=True)
            )
            .filter(schools__gt=1)
            .count()
        )
        self.audits = QualityAudit.objects.count()
        self.graded = AuditedPlan.objects.exclude(grade="").count()


# ---------------------------------------------------------------------------------------------
# Families


@dataclass
class _Family:
    child: _Child
    state: str
    floor: dt.date  # the plan starts on or after this day
    case: _OpenCase | None = None  # the open case the plan was started from
    case_of_child: _OpenCase | None = None  # the child's open case, whenever it opened
    siblings: list[_Child] = field(default_factory=list)
    lead: _Lead | None = None
    author: int = 0
    no_consent: bool = False
    father_led: bool = False  # texts say "Dad" where they would say "Mum"

    @property
    def children(self) -> list[_Child]:
        return [self.child, *self.siblings]


@dataclass
class _Agreed:
    """What an audit needs to know of an agreed plan."""

    pk: int
    agreed: dt.date
    closed: dt.date | None
    lead: int | None
    consent: bool
    child_voice: bool
    events: list[dt.date]  # the day agreed and each review


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= ONE_DAY
    return day


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += ONE_DAY
    return day


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _Generator:
    def __init__(self, world: _World, rng: random.Random, tables: dict[str, _Table]) -> None:
        self.world, self.rng, self.t = world, rng, tables
        self.zone = timezone.get_current_timezone()
        self.defaults = {key: _defaults(model) for key, model in TABLES.items()}
        self.records: dict[int, list[tuple[dt.date, int, int]]] = {}
        self.agreed: list[_Agreed] = []
        self.stepped_up_cases: list[int] = []
        self.renamed: list[tuple[str, int]] = []
        self.early_help = next(
            (lead for lead in world.leads.values() if lead.user == world.early_help_user), None
        )
        self.pastoral_lead: _Lead | None = None
        user = world.pastoral_lead
        if user is not None and world.pastoral_school is not None:
            # As cases.services._lead_record makes one for a user: their name and school.
            existing = next(
                (
                    lead
                    for lead in world.leads.values()
                    if lead.user == user and lead.kind == LeadProfessional.Kind.SCHOOL_STAFF
                ),
                None,
            )
            if existing is None:
                agency = world.school_names[world.pastoral_school]
                pk = self.put(
                    "lead",
                    name=world.names[user],
                    agency=agency,
                    phone="",
                    email=PASTORAL_LEAD_EMAIL,
                    kind=LeadProfessional.Kind.SCHOOL_STAFF,
                    user_id=user,
                )
                existing = _Lead(
                    pk, LeadProfessional.Kind.SCHOOL_STAFF, user, world.names[user], agency
                )
            self.pastoral_lead = existing

    # -- small helpers -----------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, low: dt.date, high: dt.date) -> dt.date | None:
        """A weekday from low to high inclusive, never after the last school day."""
        high = min(high, self.world.last_day)
        if low > high:
            return None
        span = (high - low).days + 1
        for _ in range(6):
            day = low + dt.timedelta(days=int(self.rng.random() * span))
            if day.weekday() < 5:
                return day
        day = _weekday_on_or_after(low)
        return day if day <= high else None

    def at(self, day: dt.date, hour: int, spread: int = 120) -> dt.datetime:
        minute = hour * 60 + self.rng.randrange(spread)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.zone)

    def put(self, key: str, pk: int | None = None, /, **values: object) -> int:
        """A row of the table, by column name; columns not named take the model's defaults."""
        table = self.t[key]
        row = {**self.defaults[key], **values}
        return table.write(
            table.reserve() if pk is None else pk, *(row[c] for c in table.columns[1:])
        )

    def given(self, gender: str | None = None) -> str:
        if gender == "Female":
            return self.rng.choice(GIVEN_NAMES[:_BOYS_FROM])
        if gender == "Male":
            return self.rng.choice(GIVEN_NAMES[_BOYS_FROM:])
        return self.rng.choice(GIVEN_NAMES)

    def person(self) -> str:
        return f"{self.given()} {self.rng.choice(FAMILY_NAMES)}"

    def say(self, family: _Family, text: str) -> str:
        """A text about the family: its eldest child's name in, and a father's words for a
        family whose main carer is the father."""
        text = text.format(name=family.child.given)
        if family.father_led:
            text = re.sub(r"\b(Mum|mum|Dad|dad)\b", lambda m: _SWAP[m.group()], text)
        return text

    def phone(self) -> str:
        return f"07700 900{self.rng.randrange(1000):03d}"  # Ofcom's numbers for drama

    # -- attendance, as reviews.attendance_rate computes it ----------------------------------

    def read_records(self, pupils: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pupil_id, period_end, possible_sessions, attended_sessions"
                " FROM attendance_attendancerecord WHERE pupil_id = ANY(%s)",
                [list(pupils)],
            )
            for pupil, end, possible, attended in cursor.fetchall():
                self.records.setdefault(pupil, []).append((end, possible, attended))

    def rate(self, pupils: Sequence[int], ending: dt.date) -> Decimal | None:
        """Attendance (%) over the records whose periods end in the 6 weeks ending on `ending`."""
        start = ending - REVIEW_INTERVAL
        possible = attended = 0
        for pupil in pupils:
            for end, p, a in self.records.get(pupil, ()):
                if start < end <= ending:
                    possible += p
                    attended += a
        if not possible:
            return None
        return (Decimal(100) * attended / possible).quantize(Decimal("0.01"))

    # -- choosing families -------------------------------------------------------------------

    def families(self) -> list[_Family]:
        """Families of open cases' pupils: stepped up, active, consent withdrawn, drafts, none
        (in that order of choosing), then families of persistently absent pupils."""
        world, rng = self.world, self.rng
        year_floor = dt.date(world.start_year, 1, 5)  # known to early help since last spring
        families: list[_Family] = []
        cases = world.open_cases
        n = len(cases)
        led = [c for c in cases if c.lead is not None]
        unled = [c for c in cases if c.lead is None]
        rng.shuffle(led)
        rng.shuffle(unled)
        # Early help is tiers 2 and 3: cases at tier 4 (social care) come last for a plan.
        led.sort(key=lambda c: c.tier == Tier.SPECIALIST)
        # Stepping up needs a review weeks after the plan was agreed, after the case opened.
        can_step_up = [
            c
            for c in led
            if c.tier < Tier.SPECIALIST and c.opened <= world.last_day - dt.timedelta(days=35)
        ]
        n_stepped = min(len(can_step_up), max(1, round(STEPPED_UP_SHARE * n)))
        earliest = min(can_step_up, key=lambda c: c.opened, default=None)
        stepped = ([earliest] if earliest else []) + [c for c in can_step_up if c is not earliest][
            : n_stepped - 1
        ]
        for case in stepped:
            families.append(_Family(case.child, "stepped_up", case.opened, case, case))
        chosen = {c.id for c in stepped}
        rest = [c for c in led if c.id not in chosen] + unled
        n_active = min(len(rest), round(COVERED_SHARE * n))
        states = _labels(rng, n_active, CASE_ACTIVE_STATES)
        for case, state in zip(rest[:n_active], states, strict=True):
            before = self.chance(BEFORE_CASE_SHARE)
            floor = year_floor if before else case.opened
            families.append(_Family(case.child, state, floor, None if before else case, case))
        n_withdrawn = round(CASE_WITHDRAWN_SHARE * n)
        for case in rest[n_active : n_active + n_withdrawn]:
            families.append(_Family(case.child, "consent_withdrawn", case.opened, case, case))
        left = rest[n_active + n_withdrawn :]
        left.sort(key=lambda c: c.lead is not None)  # no lead professional yet: drafts first
        n_drafts = min(len(left), max(1, round(CASE_DRAFT_SHARE * n)))
        for case in left[:n_drafts]:
            families.append(_Family(case.child, "draft", case.opened, case, case))
        return families + self.other_families(n, {f.child.id for f in families})

    def other_families(self, n_open: int, taken: set[int]) -> list[_Family]:
        """Families of persistently absent pupils with no open case, and a few at the demo
        pastoral lead's school whatever their attendance, so that their login sees plans."""
        world, rng = self.world, self.rng
        total = max(len(OTHER_REQUIRED) + 3, round(OTHER_FAMILIES_SHARE * n_open))
        school = world.pastoral_school
        with connection.cursor() as cursor:
            cursor.execute(
                _PERSISTENT,
                {"year": world.start_year, "salt": rng.randrange(1 << 30), "limit": total * 2},
            )
            pool = [c for c in _children(cursor) if c.id not in taken]
            at_school: list[_Child] = []
            if school is not None:
                cursor.execute(
                    _AT_SCHOOL,
                    {"year": world.start_year, "school": school, "limit": PASTORAL_LEAD_PLANS},
                )
                at_school = [c for c in _children(cursor) if c.id not in taken]
        there = sum(1 for c in world.open_cases if c.child.school == school and c.child.id in taken)
        chosen: dict[int, _Child] = {}
        for child in [*at_school[: max(0, PASTORAL_LEAD_PLANS - there)], *pool]:
            if len(chosen) < total:
                chosen.setdefault(child.id, child)
        states = list(OTHER_REQUIRED)[: len(chosen)]
        states += _labels(rng, len(chosen) - len(states), OTHER_STATES)
        rng.shuffle(states)
        floor = dt.date(world.start_year, 1, 5)
        families = [
            _Family(child, state, floor)
            for child, state in zip(chosen.values(), states, strict=True)
        ]
        # A family at the demo pastoral lead's school has an active plan (the one that did
        # not agree to share, in choose_authors).
        at_theirs = [f for f in families if f.child.school == school]
        if at_theirs and not any(f.state in ACTIVE for f in at_theirs):
            swap = next((f for f in families if f.state == "on_time" and f not in at_theirs), None)
            if swap is not None:
                at_theirs[0].state, swap.state = swap.state, at_theirs[0].state
        return families

    def add_siblings(self, families: list[_Family]) -> None:
        """Siblings at other schools, on the family's plan: pupils there, given its name."""
        rng = self.rng
        wanted = min(len(families), max(2, round(SIBLING_SHARE * len(families))))
        with_sibling = rng.sample(families, wanted)
        active = [f for f in families if f.state in ACTIVE]
        if active and not any(f.state in ACTIVE for f in with_sibling):
            with_sibling[0] = active[0]
        taken = {c.id for f in families for c in f.children}
        with connection.cursor() as cursor:
            cursor.execute(_SIBLINGS, {"salt": rng.randrange(1 << 30), "limit": wanted * 8 + 50})
            candidates = [c for c in _children(cursor) if c.id not in taken]
        for family in with_sibling:
            child = family.child
            for i, other in enumerate(candidates):
                apart = abs((other.born - child.born).days)
                if other.school != child.school and 330 <= apart <= 7 * 365:
                    del candidates[i]
                    if other.family != child.family:
                        other.family = child.family
                        self.renamed.append((child.family, other.id))
                    family.siblings.append(other)
                    break

    def choose_leads(self, families: list[_Family]) -> None:
        """The case's lead professional where the child has one; otherwise the demo pastoral
        lead at their school, the demo early help worker, or another."""
        world, rng, early_help = self.world, self.rng, self.early_help
        by_kind: dict[str, list[_Lead]] = defaultdict(list)
        for lead in world.leads.values():
            if lead.user is None:
                by_kind[lead.kind].append(lead)
        at_school: dict[str, list[_Lead]] = defaultdict(list)
        for lead in by_kind[LeadProfessional.Kind.SCHOOL_STAFF]:
            at_school[lead.agency].append(lead)
        workers = (
            by_kind[LeadProfessional.Kind.EARLY_HELP_WORKER] + by_kind[LeadProfessional.Kind.OTHER]
        )
        for family in families:
            case = family.case_of_child
            if case is not None:
                family.lead = world.leads[case.lead] if case.lead is not None else None
                continue
            school = family.child.school
            staff = at_school.get(world.school_names.get(school, ""), [])
            if school == world.pastoral_school and self.pastoral_lead is not None:
                mine = early_help is None or self.chance(0.6)
                family.lead = self.pastoral_lead if mine else early_help
            elif early_help is not None and self.chance(EARLY_HELP_SHARE):
                family.lead = early_help
            elif staff and self.chance(0.35):
                family.lead = rng.choice(staff)
            else:
                family.lead = rng.choice(workers) if workers else early_help
        if early_help is None:
            return
        # The demo early help worker leads several agreed plans.
        led = sum(1 for f in families if f.lead is early_help and f.state != "draft")
        others = [
            f
            for f in families
            if f.case_of_child is None
            and f.state != "draft"
            and f.lead is not early_help
            and f.child.school != world.pastoral_school
        ]
        for family in others[: max(0, EARLY_HELP_PLANS - led)]:
            family.lead = early_help

    def choose_authors(self, families: list[_Family]) -> None:
        """Who started each plan; and which families did not agree to share."""
        world = self.world
        for family in families:
            school = family.child.school
            lead_user = family.lead.user if family.lead else None
            if school == world.pastoral_school and world.pastoral_lead is not None:
                family.author = world.pastoral_lead
            elif lead_user is not None:
                family.author = lead_user
            else:
                family.author = world.staff_of.get(school) or world.coordinator(school)
        # One family at the demo pastoral lead's school did not agree to share; a few elsewhere.
        mine = [
            f for f in families if f.child.school == world.pastoral_school and f.state in ACTIVE
        ]
        if mine:
            mine[-1].no_consent = True
        for family in families:
            if family.state in ACTIVE and family.case is None and self.chance(NO_CONSENT_SHARE):
                family.no_consent = True

    # -- dates -------------------------------------------------------------------------------

    def active_dates(self, floor: dt.date, state: str) -> list[dt.date] | None:
        """The day agreed and the reviews since, built back from the last of them: recent for a
        plan reviewed on time, 43 to 80 days ago for one overdue now. "late" has a review held
        more than 42 days after the one before."""
        today, rng = self.world.today, self.rng
        if state == "overdue":
            last = self.pick(max(floor, today - dt.timedelta(days=80)), today - dt.timedelta(43))
        else:
            last = self.pick(max(floor, today - dt.timedelta(days=40)), today)
        if last is None:
            return None
        wanted = rng.choices((0, 1, 2, 3, 4, 5), weights=(20, 30, 25, 15, 7, 3))[0]
        late_at = None
        if state == "late":
            late_at = rng.choice((0, 0, 1))
            wanted = max(wanted, late_at + 1)
        events = [last]
        for i in range(wanted):
            if i == late_at:
                day = _weekday_on_or_before(events[-1] - dt.timedelta(days=rng.randint(46, 62)))
            else:  # on time: on the day it fell due, or a little before
                gap = rng.choice((42, 42, 41, 40, 39, 37, 35, 30))
                day = _weekday_on_or_after(events[-1] - dt.timedelta(days=gap))
            if day < floor:
                break
            events.append(day)
        if late_at is not None and len(events) < late_at + 2:
            return None
        events.reverse()
        return events

    def closed_dates(self, floor: dt.date, state: str) -> list[dt.date] | None:
        """The day agreed, the reviews and the day it closed (at a review, or when consent was
        withdrawn): agreed this year where that fits, so that attendance before it is known."""
        rng, world = self.rng, self.world
        withdrawn = state == "consent_withdrawn"
        span = dt.timedelta(days=10 if withdrawn else 31)
        low = max(floor, world.first_day + dt.timedelta(days=5))
        agreed = self.pick(low, world.last_day - span) or self.pick(floor, world.last_day - span)
        if agreed is None:
            return None
        events = [agreed]
        wanted = rng.choice((0, 1, 1, 2)) if withdrawn else rng.choice((1, 1, 2, 2, 3))
        for _ in range(wanted):
            day = self.pick(events[-1] + dt.timedelta(days=30), events[-1] + REVIEW_INTERVAL)
            if day is None:
                break
            events.append(day)
        if withdrawn:
            day = self.pick(events[-1] + dt.timedelta(days=5), events[-1] + dt.timedelta(40))
            day = day or self.pick(events[-1] + ONE_DAY, world.last_day)
            if day is None:
                return None
            events.append(day)
        elif len(events) == 1:
            return None
        return events

    # -- writing -----------------------------------------------------------------------------

    def write(self, families: list[_Family]) -> None:
        if self.renamed:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE schools_pupil SET family_name = %s WHERE id = %s", self.renamed
                )
        for family in families:
            self.plan(family)
        if self.stepped_up_cases:
            # As reviews._step_up_cases: tier 4, one more version (the tier was below 4).
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE cases_case SET tier = %s, version = version + 1 WHERE id = ANY(%s)",
                    [Tier.SPECIALIST.value, self.stepped_up_cases],
                )

    def plan(self, family: _Family) -> None:
        """The family's plan in its state, or the nearest state its dates allow."""
        state = family.state
        dates: list[dt.date] | None = None
        if family.lead is None:
            state = "draft"
        elif state in ACTIVE:
            dates = self.active_dates(family.floor, state)
            if dates is None:
                state = "on_time"
                dates = self.active_dates(family.floor, state)
        elif state in CLOSING_STATES:
            dates = self.closed_dates(family.floor, state)
            if dates is None:
                state = "on_time"
                dates = self.active_dates(family.floor, state)
        if dates is None:
            state = "draft"
        family.state = state
        if dates is None:
            self.draft(family)
        else:
            self.agreed_plan(family, dates)

    def household(self, plan_id: int, family: _Family, created: dt.date, *, active: bool) -> dict:
        """Who's in the family: its adults, the children on the plan (each pupil linked), a
        younger child or an expected baby; and the family's address and phone."""
        rng, surname = self.rng, family.child.family
        weights = [a[2] for a in FIRST_ADULTS]
        relationship, gender, _ = rng.choices(FIRST_ADULTS, weights=weights)[0]
        family.father_led = relationship == "Father"
        first = f"{self.given(gender)} {surname}"
        adults = [(first, relationship, gender)]
        if self.chance(0.45):
            second, second_gender = rng.choice(SECOND_ADULTS[relationship])
            name = self.given(second_gender)
            adults.append(
                (
                    f"{name} {surname if second == 'Father' else rng.choice(FAMILY_NAMES)}",
                    second,
                    second_gender,
                )
            )
        for name, relation, sex in adults:
            self.put(
                "member",
                plan_id=plan_id,
                name=name,
                date_of_birth=created - dt.timedelta(days=rng.randint(24 * 365, 48 * 365)),
                relationship=relation,
                gender=sex,
                child_id=None,
            )
        for pupil in family.children:
            place = self.put("child", plan_id=plan_id, pupil_id=pupil.id, plan_is_active=active)
            self.put(
                "member",
                plan_id=plan_id,
                name=pupil.name,
                date_of_birth=pupil.born,
                relationship="Child",
                child_id=place,
            )
        baby = self.chance(0.08)
        if baby:
            self.put(
                "member",
                plan_id=plan_id,
                name="Baby (due)",
                date_of_birth=created + dt.timedelta(days=rng.randint(30, 200)),
                is_unborn=True,
                relationship="Unborn baby",
                child_id=None,
            )
        elif self.chance(0.2):
            baby = True
            self.put(
                "member",
                plan_id=plan_id,
                name=f"{self.given()} {surname}",
                date_of_birth=created - dt.timedelta(days=rng.randint(200, 1300)),
                relationship="Child (not at school yet)",
                child_id=None,
            )
        return {
            "address": f"{rng.randint(1, 180)} {rng.choice(FAMILY_NAMES)} "
            f"{rng.choice(STREETS)}, {rng.choice(AREAS)}",
            "phone": self.phone(),
            "email": f"{first.split()[0]}.{surname}{rng.randint(1, 99)}@example.com".lower(),
            "useful_information": self.say(family, rng.choice(USEFUL_INFORMATION)),
            "adults": adults,
            "baby": baby,
        }

    def aspects(self, family: _Family, baby: bool) -> list[str]:
        """The aspects of family life the family needs help with: always education."""
        relevant = {Aspect.EDUCATION.value}
        if baby:
            relevant.add(Aspect.EARLY_YEARS)
        eldest = min(c.born for c in family.children)
        for aspect, p in ASPECT_CHANCES.items():
            if aspect == Aspect.OFFENDING and _age(eldest, self.world.today) < 10:
                continue
            if self.chance(p):
                relevant.add(aspect)
        return [a for a in Aspect.values if a in relevant]

    def first_scores(
        self, plan_id: int, family: _Family, relevant: list[str], *, upto: int = 10
    ) -> dict[tuple[str, str], int]:
        """The first `upto` aspects by the parent or carer (scored, or not relevant with a
        reason); with all ten, the relevant ones the child can speak to by the child too."""
        rng = self.rng
        scores: dict[tuple[str, str], int] = {}
        speaks = upto == len(Aspect.values) and _age(family.child.born, self.world.today) >= 6
        for aspect in Aspect.values[:upto]:
            if aspect not in relevant:
                self.put(
                    "score",
                    plan_id=plan_id,
                    review_id=None,
                    aspect=aspect,
                    perspective=Perspective.PARENT,
                    not_relevant=True,
                    not_relevant_reason=NOT_RELEVANT.get(aspect, NOT_RELEVANT_OTHERWISE),
                )
                continue
            working, better = ASPECT_WORDS[aspect]
            low = 1 if aspect == Aspect.EDUCATION else 2
            parent = rng.randint(low, low + 4)
            views = [(Perspective.PARENT.value, parent)]
            if speaks and aspect in CHILD_ASPECTS:
                views.append(
                    (Perspective.CHILD.value, max(0, min(10, parent + rng.randint(-2, 2))))
                )
            for perspective, score in views:
                agrees = self.chance(0.85)
                reason = "" if agrees else self.say(family, rng.choice(PRACTITIONER_DISAGREES))
                self.put(
                    "score",
                    plan_id=plan_id,
                    review_id=None,
                    aspect=aspect,
                    perspective=perspective,
                    not_relevant=False,
                    score=score,
                    working_well=self.say(family, rng.choice(working)),
                    could_be_better=self.say(family, rng.choice(better)),
                    practitioner_agrees=agrees,
                    practitioner_reason=reason,
                )
                scores[(aspect, perspective)] = score
        return scores

    def action(
        self,
        plan_id: int,
        review_id: int | None,
        aspect: str,
        on: dt.date,
        readiness: int,
        family: _Family,
        lead: str,
        *,
        none_needed: bool = False,
    ) -> None:
        """A row of the action plan for the aspect, agreed on the day; `lead`: the lead
        professional's name, for the actions that are theirs."""
        if none_needed:
            self.put(
                "action", plan_id=plan_id, review_id=review_id, aspect=aspect, no_action_needed=True
            )
            return
        action, who, difference = self.rng.choice(ACTIONS[aspect])
        self.put(
            "action",
            plan_id=plan_id,
            review_id=review_id,
            aspect=aspect,
            no_action_needed=False,
            action=self.say(family, action),
            who=lead if who == "Lead professional" else self.say(family, who),
            by_when=on + dt.timedelta(days=self.rng.choice((14, 21, 28, 42))),
            difference=self.say(family, difference),
            readiness=max(1, min(5, readiness)),
        )

    def agencies(self, plan_id: int, family: _Family, relevant: list[str]) -> list[tuple[str, str]]:
        """The Team Around the Family: each child's school and a service or two. Their
        contacts (name, role), for the reviews' invitations."""
        rng, world = self.rng, self.world
        contacts = []
        for pupil in family.children:
            school = world.school_names.get(pupil.school, "School")
            staff = world.staff_of.get(pupil.school)
            contact = world.names[staff] if staff else self.person()
            self.put(
                "agency",
                plan_id=plan_id,
                service=school,
                contact=contact,
                supports_whom=pupil.given,
                how="Daily check-in, a morning meet-and-greet and the attendance plan",
            )
            contacts.append((contact, f"Attendance lead, {school}"))
        others = [a for a in relevant if a != Aspect.EDUCATION] or [Aspect.EDUCATION.value]
        for aspect in rng.sample(others, min(len(others), rng.randint(0, 2))):
            service, whom, how = rng.choice(AGENCIES[aspect])
            name = self.person()
            handle = name.lower().replace(" ", ".")
            self.put(
                "agency",
                plan_id=plan_id,
                service=service,
                contact=name,
                email=f"{handle}@partners.example" if self.chance(0.6) else "",
                supports_whom=self.say(family, whom),
                how=how,
            )
            contacts.append((name, service))
        return contacts

    def signatories(self, plan_id: int, family: _Family, adults: list, on: dt.date) -> None:
        """Up to two parents or carers and up to two young people aged 12 or over."""
        for name, _, _ in adults[:2]:
            self.put("signatory", plan_id=plan_id, role="parent", name=name, signed_on=on)
        for child in [c for c in family.children if _age(c.born, on) >= 12][:2]:
            self.put(
                "signatory", plan_id=plan_id, role="young_person", name=child.name, signed_on=on
            )

    def invitees(
        self, review_id: int, family: _Family, adults: list, contacts: list, on: dt.date
    ) -> None:
        people = [(name, relation, True) for name, relation, _ in adults]
        people += [(c.name, "Child", _age(c.born, on) >= 8) for c in family.children[:1]]
        people += [(name, role, False) for name, role in contacts]
        for name, role, family_member in people:
            attended = self.chance(0.9 if family_member else 0.6)
            self.put(
                "invitee",
                review_id=review_id,
                name=name,
                role=role,
                contact="" if family_member else self.phone(),
                attended=attended,
                sent_update=not attended and not family_member and self.chance(0.7),
            )

    def draft(self, family: _Family) -> None:
        """A plan being written with the family: some sections done, in the usual order."""
        world, rng = self.world, self.rng
        plan_id = self.t["plan"].reserve()
        created = self.pick(max(family.floor, world.last_day - dt.timedelta(days=25)), world.today)
        created = created or max(family.floor, world.last_day)
        household = self.household(plan_id, family, created, active=False)
        relevant = self.aspects(family, household["baby"])
        done = rng.randint(1, 5)
        lead = family.lead if done >= 4 else None
        if done >= 2:
            self.signatories(plan_id, family, household["adults"], created)
        if done >= 3:
            self.first_scores(plan_id, family, relevant, upto=rng.randint(2, 9))
        if done >= 4:
            self.agencies(plan_id, family, relevant)
        if done >= 5:
            lead_name = lead.name if lead else "Lead professional"
            for aspect in relevant[:2]:
                self.action(plan_id, None, aspect, created, rng.randint(1, 3), family, lead_name)
        self.put(
            "plan",
            plan_id,
            family_name=f"the {family.child.family} family",
            status=EarlyHelpPlan.Status.DRAFT,
            case_id=family.case.id if family.case else None,
            created_by_id=family.author,
            created_at=self.at(created, 9, 420),
            tier=rng.choice((2, 3)) if done >= 3 else None,
            consent_to_share=(not family.no_consent) if done >= 2 else None,
            consent_recorded_on=created if done >= 2 else None,
            supporting_families_consent=(
                self.chance(SUPPORTING_FAMILIES_SHARE) if done >= 2 else None
            ),
            lead_professional_id=lead.pk if lead else None,
            lead_agreed_on=created if lead else None,
            address=household["address"],
            phone=household["phone"],
            useful_information=household["useful_information"] if done >= 2 else "",
            score_changes="[]",
            version=1,  # a draft's saves do not count (services._save)
        )

    def agreed_plan(self, family: _Family, dates: list[dt.date]) -> None:
        """An agreed plan and its reviews, closed as its state says, as the services leave it:
        `dates` are the day agreed, the reviews and, for consent withdrawn, the day it was."""
        world, rng, state = self.world, self.rng, family.state
        lead = family.lead
        assert lead is not None  # noqa: S101 - only a family with a lead gets an agreed plan
        agreed = dates[0]
        closing = CLOSING_STATES.get(state)
        withdrawn_on = dates[-1] if state == "consent_withdrawn" else None
        held = dates[1:-1] if withdrawn_on else dates[1:]
        created = self.pick(max(family.floor, agreed - dt.timedelta(days=21)), agreed) or agreed
        case = family.case_of_child
        if case is not None and case.opened > created:
            case = None  # started before the case opened, so not from it
        plan_id = self.t["plan"].reserve()
        household = self.household(plan_id, family, created, active=closing is None)
        relevant = self.aspects(family, household["baby"])
        recorder = lead.user or family.author
        pupils = [c.id for c in family.children]
        school = world.school_names.get(family.child.school, "School")

        first = self.first_scores(plan_id, family, relevant)
        for aspect in relevant:
            none_needed = aspect != Aspect.EDUCATION and self.chance(0.15)
            self.action(
                plan_id,
                None,
                aspect,
                agreed,
                rng.randint(1, 3),
                family,
                lead.name,
                none_needed=none_needed,
            )
        contacts = self.agencies(plan_id, family, relevant)
        consent_on = self.pick(created, agreed) or agreed
        self.signatories(plan_id, family, household["adults"], consent_on)

        version = 2  # drafted, then agreed (services.agree_plan)
        next_on, next_reason = agreed + REVIEW_INTERVAL, ""
        latest = dict(first)
        reviewed: dict[tuple[str, str], int] = {}
        closed_at: dt.datetime | None = None
        for i, held_on in enumerate(held):
            step, closure_reason = Review.NextStep.CONTINUE, ""
            if i == len(held) - 1 and closing and not withdrawn_on:
                step = Review.NextStep.STEP_UP if state == "stepped_up" else Review.NextStep.CLOSE
                closure_reason = closing
            review_id = self.t["review"].reserve()
            recorded_at = self.at(held_on, 15, 180)
            closed_at = recorded_at
            mood = self.rescore(plan_id, review_id, latest, family)
            reviewed.update(latest)
            review_next, later_reason = None, ""
            if step == Review.NextStep.CONTINUE:
                upcoming = held[i + 1] if i + 1 < len(held) else None
                review_next = held_on + REVIEW_INTERVAL
                if upcoming is not None and (
                    upcoming - held_on <= REVIEW_INTERVAL or self.chance(0.5)
                ):
                    review_next = upcoming  # as arranged; a later date with a reason
                if review_next - held_on > REVIEW_INTERVAL:
                    later_reason = rng.choice(LATER_REVIEW_REASONS)
                for aspect in rng.sample(relevant, min(len(relevant), rng.randint(1, 2))):
                    readiness = 2 + i + rng.randint(0, 1)
                    self.action(plan_id, review_id, aspect, held_on, readiness, family, lead.name)
                next_on, next_reason = review_next, later_reason
            new_lead = None
            if (
                step == Review.NextStep.CONTINUE
                and family.case_of_child is None
                and self.chance(0.05)
            ):
                options = [
                    other
                    for other in world.leads.values()
                    if other.kind == LeadProfessional.Kind.EARLY_HELP_WORKER
                    and other.user is None
                    and other.pk != lead.pk
                ]
                new_lead = rng.choice(options) if options else None
            feeling = "better" if mood > 0 else "worse" if mood < 0 else "mixed"
            team_summaries: dict[str, str] = {
                Review.NextStep.STEP_UP: STEP_UP_SUMMARY,
                EarlyHelpPlan.ClosureReason.MOVED_OUT: MOVED_OUT_SUMMARY,
                EarlyHelpPlan.ClosureReason.UNIVERSAL: UNIVERSAL_SUMMARY,
            }
            team_summary = team_summaries.get(
                closure_reason if step == Review.NextStep.CLOSE else step
            )
            stepping_up = step == Review.NextStep.STEP_UP
            self.put(
                "review",
                review_id,
                plan_id=plan_id,
                held_on=held_on,
                changed_contact_details=(
                    f"New mobile number for {household['adults'][0][0].split()[0]}: {self.phone()}"
                    if self.chance(0.1)
                    else ""
                ),
                family_summary=self.say(
                    family, rng.choice(FAMILY_SUMMARIES["worse" if stepping_up else feeling])
                ),
                child_summary=self.say(family, rng.choice(CHILD_SUMMARIES)),
                team_summary=self.say(family, team_summary or rng.choice(TEAM_SUMMARIES)),
                attendance_now=self.rate(pupils, held_on),
                attendance_at_start=self.rate(pupils, agreed),
                children_attendance=json.dumps(
                    [
                        {
                            "pupil_id": c.id,
                            "name": c.name,
                            "now": _str(self.rate([c.id], held_on)),
                            "at_start": _str(self.rate([c.id], agreed)),
                        }
                        for c in family.children
                    ]
                ),
                next_step=step,
                next_review_on=review_next,
                later_review_reason=later_reason,
                closure_reason=closure_reason,
                mash_assessment_by=lead.name if stepping_up else "",
                mash_contact_form_by=(
                    f"Designated safeguarding lead, {school}" if stepping_up else ""
                ),
                new_lead_professional_id=new_lead.pk if new_lead else None,
                lead_changed_on=held_on if new_lead else None,
                recorded_by_id=recorder,
                recorded_at=recorded_at,
            )
            self.invitees(review_id, family, household["adults"], contacts, held_on)
            version += 1  # reviews.record_review
            if stepping_up:
                self.step_up(family, recorded_at, recorder, lead.name, school)
            lead = new_lead or lead

        closed_on = withdrawn_on or (held[-1] if closing else None)
        if state == "universal" and closed_on is not None:
            version += 1  # reviews.save_maintaining_plan, before the final review
            self.put(
                "maintaining",
                plan_id=plan_id,
                **{key: self.say(family, text) for key, text in MAINTAINING.items()},
                key_contacts=f"{lead.name}: {self.phone()}; {school}",
                agreed_on=max(agreed, closed_on - dt.timedelta(days=rng.randint(0, 14))),
                final_review_on=closed_on,
            )
        if closing:
            version += 1  # reviews._close
        supporting = self.chance(SUPPORTING_FAMILIES_SHARE)
        if supporting and not closing:
            for aspect in relevant:
                if aspect in SUPPORTING_FAMILIES and self.chance(0.4):
                    outcome, evidence = SUPPORTING_FAMILIES[aspect]
                    self.put(
                        "supporting",
                        plan_id=plan_id,
                        outcome=outcome,
                        evidence=evidence,
                        recorded_on=self.pick(agreed, world.last_day) or agreed,
                        recorded_by_id=recorder,
                    )
        decided = None
        if withdrawn_on is not None and self.chance(SAFEGUARDING_DECIDED_SHARE):
            decided = self.pick(withdrawn_on, withdrawn_on + dt.timedelta(days=10))
        concern = self.chance(0.3) if decided else None
        tier = Tier.TARGETED if state == "stepped_up" else rng.choice((2, 3, 3))
        self.put(
            "plan",
            plan_id,
            family_name=f"the {family.child.family} family",
            status=EarlyHelpPlan.Status.CLOSED if closing else EarlyHelpPlan.Status.ACTIVE,
            case_id=case.id if case else None,
            created_by_id=family.author,
            created_at=self.at(created, 9, 420),
            tier=tier,
            tier_reasons=TIER_REASONS[tier],
            consent_to_share=not family.no_consent,
            consent_recorded_on=consent_on,
            supporting_families_consent=supporting,
            consent_withdrawn_on=withdrawn_on,
            consent_withdrawal_reason=(
                self.say(family, rng.choice(WITHDRAWAL_REASONS)) if withdrawn_on else ""
            ),
            lead_professional_id=lead.pk,
            lead_agreed_on=self.pick(created, agreed) or agreed,
            address=household["address"],
            phone=household["phone"],
            email=household["email"] if self.chance(0.6) else "",
            useful_information=household["useful_information"],
            agreed_on=agreed,
            next_review_on=next_on,
            next_review_time=rng.choice(REVIEW_TIMES),
            next_review_venue=rng.choice(VENUES).format(school=school),
            next_review_reason=next_reason,
            last_reviewed_on=held[-1] if held else None,
            closed_on=closed_on,
            closure_reason=closing or "",
            attendance_before=self.rate(pupils, agreed) if closed_on else None,
            attendance_at_close=self.rate(pupils, closed_on) if closed_on else None,
            score_changes=json.dumps(_score_changes(first, reviewed) if closed_on else []),
            safeguarding_considered_on=decided,
            safeguarding_concern=concern,
            safeguarding_note=SAFEGUARDING_NOTES[concern] if concern is not None else "",
            supporting_families_deleted_on=(
                closed_on if closing and supporting and self.chance(0.6) else None
            ),
            version=version,
        )
        if withdrawn_on is not None:
            closed_at = self.at(withdrawn_on, 12, 300)
        if closing is not None and closed_at is not None:
            self.notify_closed(family, plan_id, closed_at, closing, lead)
        self.agreed.append(
            _Agreed(
                pk=plan_id,
                agreed=agreed,
                closed=closed_on,
                lead=lead.pk,
                consent=not family.no_consent,
                child_voice=any(p == Perspective.CHILD for _, p in first),
                events=[agreed, *held],
            )
        )

    def rescore(
        self,
        plan_id: int,
        review_id: int,
        latest: dict[tuple[str, str], int],
        family: _Family,
    ) -> int:
        """Each scored aspect again at a review, moving with how the family is doing; the sum of
        the changes."""
        rng = self.rng
        trend = TRENDS.get(family.state, TRENDS["on_time"])
        mood = 0
        for (aspect, perspective), score in list(latest.items()):
            new = max(0, min(10, score + rng.choice(trend)))
            latest[(aspect, perspective)] = new
            mood += new - score
            sign = (new > score) - (new < score)
            self.put(
                "score",
                plan_id=plan_id,
                review_id=review_id,
                aspect=aspect,
                perspective=perspective,
                not_relevant=False,
                score=new,
                whats_changed=self.say(family, rng.choice(CHANGED[sign])),
            )
        return mood

    def step_up(self, family: _Family, at: dt.datetime, by: int, lead: str, school: str) -> None:
        """As reviews._step_up_cases: the children's open cases to tier 4, on their timelines
        (only the first child has an open case here), recorded with the review."""
        case = family.case_of_child
        if case is not None and case.opened < at.date():
            self.stepped_up_cases.append(case.id)
            for kind, summary, detail in (
                (
                    TimelineEntry.Kind.STEPPED_UP,
                    "Stepped up to children’s social care through the MASH at the Family Early "
                    "Help Plan review",
                    f"Assessment updated by {lead}; inter-agency contact form sent by Designated "
                    f"safeguarding lead, {school}.",
                ),
                (
                    TimelineEntry.Kind.TIER,
                    f"Tier of need changed to {Tier.SPECIALIST.label}",
                    "",
                ),
            ):
                self.put(
                    "timeline",
                    kind=kind,
                    occurred_on=at.date(),
                    recorded_at=at,
                    summary=summary[:300],
                    detail=detail,
                    by_id=by,
                    case_id=case.id,
                )

    def notify_closed(
        self, family: _Family, plan_id: int, at: dt.datetime, reason: str, lead: _Lead
    ) -> None:
        """As reviews._notify_closed (and withdraw_consent): the lead professional, the link
        co-ordinators of the children's schools and the author are told; read after a week."""
        world, on = self.world, at.date()
        family_name = f"the {family.child.family} family"
        context = {
            "plan": {"family_name": family_name},
            "closed_on": format_date(on, "j F Y"),
            "reason": EarlyHelpPlan.ClosureReason(reason).label,
        }
        message = render_to_string(
            "early_help_plans/email/plan_closed_notification.txt", context
        ).strip()
        people: list[int] = []
        for user in [
            lead.user,
            *(u for c in family.children for u in world.coordinators_of.get(c.school, [])),
            family.author,
        ]:
            if user is not None and user not in people:
                people.append(user)
        read = at + READ_AFTER if on <= world.today - READ_AFTER else None
        messages = [(user, Notification.Kind.PLAN_CLOSED, message) for user in people]
        if reason == EarlyHelpPlan.ClosureReason.CONSENT_WITHDRAWN and lead.user is not None:
            messages.append(
                (
                    lead.user,
                    Notification.Kind.CONSENT_WITHDRAWN,
                    f"The family withdrew consent to the Family Early Help Plan for {family_name}, "
                    "so it has closed. Consider whether this raises a safeguarding concern, and "
                    "record your decision on the plan.",
                )
            )
        for user, kind, text in messages:
            self.put(
                "notification",
                user_id=user,
                plan_id=plan_id,
                kind=kind,
                message=text,
                created_at=at,
                read_at=read,
            )

    # -- quality audits ----------------------------------------------------------------------

    def audits(self) -> None:
        """The demo manager's audits: one of the whole city drawn a fortnight ago and graded in
        part, and one of the demo early help worker's plans six weeks ago, graded in full."""
        world, rng = self.world, self.rng
        manager = world.manager
        if manager is None:
            return
        term = Term.Name(world.term.name).label
        early_help = self.early_help
        for title, back, size, lead, share in (
            (
                f"{term} term audit, {format_date(world.today, 'F Y')}",
                14,
                10,
                None,
                0.6,
            ),
            (
                f"Plans led by {early_help.name}" if early_help else "",
                42,
                5,
                early_help,
                1.0,
            ),
        ):
            if not title:
                continue
            drawn_on = self.pick(
                world.today - dt.timedelta(days=back + 4), world.today - dt.timedelta(days=back)
            )
            if drawn_on is None:
                continue
            drawn_at = self.at(drawn_on, 10)  # before noon; grading after 1pm
            pool = [
                p
                for p in self.agreed
                if p.consent and p.agreed <= drawn_on and (lead is None or p.lead == lead.pk)
            ]
            sample = rng.sample(pool, min(size, len(pool)))
            if not sample:
                continue
            audit_id = self.put(
                "audit",
                drawn_by_id=manager,
                drawn_at=drawn_at,
                sample_size=size,
                school_id=None,
                lead_professional_id=lead.pk if lead else None,
                title=title,
            )
            for plan in sorted(sample, key=lambda p: p.pk):
                if not self.chance(share):
                    self.put("audited", audit_id=audit_id, plan_id=plan.pk)
                    continue
                graded_on = self.pick(drawn_on, world.today) or drawn_on
                self.put(
                    "audited",
                    audit_id=audit_id,
                    plan_id=plan.pk,
                    **self.grading(plan, drawn_on),
                    graded_by_id=manager,
                    graded_at=self.at(graded_on, 13, 240),
                )

    def grading(self, plan: _Agreed, on: dt.date) -> dict[str, object]:
        """The auditor's answers, from what the plan shows, and a grade that follows from them."""
        held = [day for day in plan.events if day <= on]
        gaps = [b - a for a, b in itertools.pairwise(held)]
        late = any(gap > REVIEW_INTERVAL for gap in gaps) or (
            (plan.closed is None or plan.closed > on) and held[-1] + REVIEW_INTERVAL < on
        )
        answers = {
            "consent_in_place": plan.consent,
            "voices_recorded": plan.child_voice,
            "actions_smart": self.chance(0.8),
            "lowest_aspects_addressed": self.chance(0.75),
            "tier_justified": self.chance(0.9),
            "reviews_on_time": not late,
        }
        met = sum(answers.values())
        grade = (
            Grade.OUTSTANDING
            if met == 6 and self.chance(0.5)
            else Grade.GOOD
            if met >= 5
            else Grade.REQUIRES_IMPROVEMENT
            if met >= 3
            else Grade.INADEQUATE
        )
        return {**answers, "grade": grade, "comments": AUDIT_COMMENTS[grade]}


TRENDS = {
    "universal": (0, 1, 1, 2),
    "moved_out": (-1, 0, 1, 1, 2),
    "stepped_up": (-2, -1, -1, 0),
    "on_time": (-1, 0, 0, 1, 1, 2),
}


def _str(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _score_changes(
    first: dict[tuple[str, str], int], latest: dict[tuple[str, str], int]
) -> list[dict[str, object]]:
    """As reviews.score_changes: each aspect's first score against its latest, per perspective."""
    changes: list[dict[str, object]] = []
    for aspect, label in Aspect.choices:
        for perspective in Perspective.values:
            key = (aspect, perspective)
            start, end = first.get(key), latest.get(key)
            if start is None and end is None:
                continue
            changes.append(
                {
                    "aspect": aspect,
                    "label": label,
                    "perspective": perspective,
                    "first": start,
                    "last": end,
                    "change": end - start if start is not None and end is not None else None,
                }
            )
    return changes


def _defaults(model: type[models.Model]) -> dict[str, object]:
    """The value a column takes when a service leaves it out: NULL, blank or the field's own."""
    out: dict[str, object] = {}
    for f in model._meta.concrete_fields:
        column = f.column or f.name
        if f.primary_key:
            continue
        if f.null:
            out[column] = None
        elif f.has_default() and not callable(f.default):
            out[column] = f.default
        elif isinstance(f, models.CharField | models.TextField):
            out[column] = ""
    return out


def _tables() -> dict[str, _Table]:
    return {
        key: _Table(
            model,
            tuple(f.column or f.name for f in model._meta.concrete_fields if not f.primary_key),
        )
        for key, model in TABLES.items()
    }


def load(
    *,
    seed: int,
    start_year: int,
    today: dt.date,
    log: Callable[[str], None] = lambda line: None,
) -> PlansSummary:
    """Write the Family Early Help Plans, then count them. Runs inside the caller's transaction,
    after cases."""
    started = time.monotonic()
    summary = PlansSummary()
    world = _World.read(start_year, today)
    if world is None:
        return summary
    rng = random.Random(f"plans {seed}")  # noqa: S311 - synthetic data, reproducible by design
    tables: dict[str, _Table] = {}
    with bulk_load(tuple(model._meta.db_table for model in MODELS), TRIGGERS):
        tables = _tables()
        generator = _Generator(world, rng, tables)
        families = generator.families()
        generator.add_siblings(families)
        generator.choose_leads(families)
        generator.choose_authors(families)
        generator.read_records([c.id for f in families for c in f.children])
        generator.write(families)
        generator.audits()
        log(f"{tables['plan'].count:,} Family Early Help Plans; copying")
        for table in tables.values():
            table.copy()
        log("plans: indexes and foreign keys")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(t.name for t in tables.values()))
    summary.count_figures(today)
    summary.seconds = time.monotonic() - started
    return summary
