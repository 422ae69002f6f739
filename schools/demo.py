"""Synthetic demo data: schools, pupils and their enrolments, term dates and users for every role.

Everything is invented and deterministic: the same scale, seed and day give the same rows. Given
names are ordinary; family names are compounds of made-up syllables ("Quillfeather"); school names
are built from invented place names; UPNs come from `make_upn` on synthetic establishment numbers.
Nothing here is a real child.

`DEMO_PASSWORD` is the password of every demo user. It is for demo data only: never load demo data
into a database that real people use.

Pupils and enrolments are written with PostgreSQL COPY at every scale (one code path), streamed in
chunks so that memory stays flat up to the national scale (~9 million pupils). The history triggers
on those two tables are disabled for the duration of the load, inside its transaction, so that the
audit trail does not fill with seed noise; schools, users and term dates are created through the
ORM and keep their history, labelled with a `seed_demo` context.

Attendance for the academic year so far follows in the same transaction (`attendance.demo`):
weekly records at every scale but the national one, which gets one year-to-date record per pupil.
Then cases, contact logs, reduced timetables and link calls built on those figures (`cases.demo`),
and Family Early Help Plans for their families, with reviews, closures and audits
(`early_help_plans.demo`).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

import pghistory
import pgtrigger
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from schools.models import (
    AcademicYear,
    Enrolment,
    LinkAssignment,
    Pupil,
    School,
    SchoolStaff,
    Term,
)
from schools.upn import ALPHABET, make_upn

if TYPE_CHECKING:
    from attendance.demo import AttendanceSummary
    from cases.demo import CasesSummary
    from early_help_plans.demo import PlansSummary

DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo data only, documented above and in the summary

# ---------------------------------------------------------------------------------------------
# Scales


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    pupils: int
    la_codes: tuple[int, ...]
    # Weekly attendance records, or one year-to-date record per pupil (and school) where weekly
    # ones would be too many: ~100 million rows by the summer at the national scale.
    weekly_attendance: bool = True

    def with_size(self, schools: int | None = None, pupils: int | None = None) -> Scale:
        return Scale(
            name=self.name if schools is None and pupils is None else f"{self.name} (custom)",
            schools=self.schools if schools is None else schools,
            pupils=self.pupils if pupils is None else pupils,
            la_codes=self.la_codes,
            weekly_attendance=self.weekly_attendance,
        )


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", 6, 600, (960,)),
    "city": Scale("city", 60, 30_000, (960,)),
    "county": Scale("county", 400, 150_000, (960, 961, 962, 963)),
    # LA codes 944 to 999 are allocated to no authority in England, so no synthetic UPN can be
    # a real child's; 56 invented authorities stand in for England's ~150.
    "national": Scale(
        "national", 22_000, 9_000_000, tuple(range(944, 1000)), weekly_attendance=False
    ),
}

# ---------------------------------------------------------------------------------------------
# Names


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_NAMES = _words(
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace "
    "Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie "
    "Matilda Maya Sophie Alice Emilia Isabelle Ruby Luna Maisie Aria Penelope Mila Bonnie "
    "Eva Hallie Eliza Ada Violet Esme Arabella Imogen Jessica Delilah Clara Thea Aisha Zara "
    "Fatima Maryam Amira Hafsa Khadija Priya Ananya Aaliyah Zofia Hanna Maja Amara Chloe "
    "Niamh Megan Erin Caitlin Seren Ffion Noah Muhammad Oliver George Arthur Leo Harry Oscar "
    "Archie Henry Theodore Freddie Jack Charlie Theo Alfie Jacob Thomas Finley Arlo William "
    "Lucas Roman Tommy Isaac Teddy Alexander Luca Edward James Joshua Albie Elijah Max "
    "Mohammed Reggie Hugo Louie Jaxon Ethan Rory Reuben Mason Harrison Sebastian Jude Dylan "
    "Ibrahim Yusuf Ayaan Zayn Omar Ali Hamza Aarav Arjun Rohan Kacper Jakub Filip Mateo "
    "Kofi Chidi Tobi Emeka Dara Ciaran Owen Rhys Callum Kai Ezra Otis Felix Ronan Jayden "
    "Tyler Bailey Kieran Liam Samuel Daniel Benjamin Ryan Nathan Aiden"
)

# Family names are invented compounds: whimsical first parts and place-name endings, so that
# they read as names yet are obviously not anyone's real surname.
_FAMILY_FIRST = _words(
    "Quill Thimble Bramble Pebble Nettle Lantern Puddle Acorn Button Crumble Dapple Fiddle "
    "Gander Juniper Mitten Muddle Nutmeg Parsley Pickle Quince Saffron Sorrel Spindle "
    "Sprocket Tansy Teasel Tinder Toffee Tumble Velvet Whisker Wimble Yarrow Zephyr Bobbin "
    "Cobble Dimble Fennel Gossamer Inkle Mallow Nimble Quibble Rumble Marble Thistle Candle "
    "Bumble Drizzle Jumble Kipper Lollop Moppet Noodle Parsnip Rhubarb Sherbet Sprout "
    "Trundle Waffle Wobble Crumpet Figgy Glimmer Snuffle Twiddle Fen Pipkin Humble Dandle"
)
_FAMILY_LAST = _words(
    "feather ton shaw wick thorpe worth bury combe ford field hurst leigh mere stow dale by "
    "ham well wood brook bottom more cott ridge gate bridge croft fold garth holme knoll lock "
    "marsh nook pike rigg stead thwaite twistle wold whistle kin ley ington ingham enshaw "
    "wickshaw lethwaite over penny"
)
FAMILY_NAMES = tuple(first + last for first in _FAMILY_FIRST for last in _FAMILY_LAST)

_PLACE_LAST = _words(
    "ton ford bury field wick combe leigh stow dale brook hurst mere well bridge worth ham "
    "thorpe by"
)
_PLACE_QUALIFIERS = ("North", "South", "East", "West", "Upper", "Lower", "Great", "Little")

_SCHOOL_NAME_PATTERNS: dict[str, tuple[str, ...]] = {
    "nursery": ("{} Nursery School", "{} Maintained Nursery School"),
    "primary": (
        "{} Primary School",
        "{} Primary School",
        "{} Community Primary School",
        "{} Church of England Primary School",
        "{} Primary Academy",
        "{} Park Primary School",
    ),
    "secondary": (
        "{} Academy",
        "{} School",
        "{} High School",
        "{} Community College",
        "{} Church of England Academy",
    ),
    "all_through": ("{} All-through School", "{} Learning Campus"),
    "special": ("{} School", "{} Special School", "{} Lodge School"),
    "alternative_provision": ("{} Learning Centre", "{} Tuition Centre", "{} Academy AP"),
    "post_16": ("{} Sixth Form College", "{} College"),
}

# ---------------------------------------------------------------------------------------------
# Phases: share of schools, relative size, year groups (code, number, weight), characteristics

# Share of schools by phase (beyond the demo scale), roughly England's mix.
PHASE_SHARES = (
    ("primary", 0.70),
    ("secondary", 0.19),
    ("special", 0.045),
    ("alternative_provision", 0.02),
    ("nursery", 0.02),
    ("post_16", 0.015),
    ("all_through", 0.01),
)
DEMO_PHASES = ("primary", "primary", "secondary", "primary", "special", "secondary")
CLOSED_SHARE = 0.02

_SIZE_WEIGHT = {
    "nursery": 0.35,
    "primary": 1.0,
    "secondary": 3.6,
    "all_through": 5.0,
    "special": 0.4,
    "alternative_provision": 0.15,
    "post_16": 2.0,
}

YEAR_NUMBER = {"N1": -2, "N2": -1, "R": 0, **{str(y): y for y in range(1, 15)}}


def _groups(spec: str) -> tuple[tuple[str, int, float], ...]:
    """'N2:0.6 R 1 2' -> (('N2', -1, 0.6), ('R', 0, 1.0), ...)."""
    out = []
    for item in spec.split():
        code, _, weight = item.partition(":")
        out.append((code, YEAR_NUMBER[code], float(weight or 1)))
    return tuple(out)


_PRIMARY = "R 1 2 3 4 5 6"
YEAR_GROUPS: dict[str, tuple[tuple[str, int, float], ...]] = {
    "nursery": _groups("N1:0.8 N2"),
    "primary": _groups(_PRIMARY),
    "primary_with_nursery": _groups("N1:0.2 N2:0.6 " + _PRIMARY),
    "secondary": _groups("7 8 9 10 11"),
    "all_through": _groups(_PRIMARY + " 7 8 9 10 11"),
    "special": _groups(
        "R:0.3 1:0.5 2:0.6 3:0.7 4:0.7 5:0.8 6:0.8 7 8 9 10 11 12:0.6 13:0.5 14:0.3"
    ),
    "alternative_provision": _groups("5:0.1 6:0.2 7:0.4 8:0.6 9:0.9 10 11"),
    "post_16": _groups("12 13:0.9 14:0.05"),
}
PRIMARY_NURSERY_CLASS_SHARE = 0.4
# Phases whose pupils mostly join at the first year group; the others take pupils at any point.
MAINSTREAM = frozenset({"nursery", "primary", "secondary", "all_through", "post_16"})
JOINED_AT_ENTRY_SHARE = 0.85
EARLIER_ENROLMENT_SHARE = 0.024  # of pupils old enough to have moved: about 2% of all
# Of those, the share who moved this academic year, on a Monday in term: their attendance so far
# is partly at the school they left.
IN_YEAR_MOVE_SHARE = 0.4


@dataclass(frozen=True)
class Rates:
    """Probabilities of each characteristic. Child protection is a subset of child in need."""

    ehc_plan: float = 0.03
    sen_support: float = 0.13
    free_school_meals: float = 0.25
    english_additional_language: float = 0.20
    child_in_need: float = 0.03
    child_protection_within_cin: float = 1 / 3
    looked_after: float = 0.01
    young_carer: float = 0.02
    youth_justice: float = 0.005
    exploitation_risk: float = 0.005


RATES = {
    "default": Rates(),
    "nursery": Rates(ehc_plan=0.01, sen_support=0.06, youth_justice=0, exploitation_risk=0),
    "special": Rates(ehc_plan=0.92, sen_support=0.06, free_school_meals=0.42, child_in_need=0.08),
    "alternative_provision": Rates(
        ehc_plan=0.12,
        sen_support=0.40,
        free_school_meals=0.55,
        child_in_need=0.15,
        looked_after=0.05,
        young_carer=0.04,
        youth_justice=0.06,
        exploitation_risk=0.07,
    ),
}

# LA establishment number blocks (DfE convention, roughly): first number and room in the block.
_ESTABLISHMENT_BLOCK = {
    "nursery": (1000, 100),
    "alternative_provision": (1100, 100),
    "primary": (2000, 2000),
    "secondary": (4000, 1000),
    "all_through": (4000, 1000),
    "post_16": (4000, 1000),
    "special": (7000, 1000),
}
_OVERFLOW_BLOCK = (5000, 2000)

# ---------------------------------------------------------------------------------------------
# Term dates


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def term_dates(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    """Typical English term dates for the academic year starting in September of start_year.

    Autumn: the first weekday on or after 3 September, to the Friday before the week of
    Christmas Day. Spring: the first weekday after the New Year's Day bank holiday (the Monday
    after, if that is a Thursday or Friday), to the Friday nine days before Easter Sunday.
    Summer: after two weeks' Easter holiday (Holy Week and Easter week), the Monday eight days
    after Easter Sunday, to the last weekday on or before 22 July.
    """
    autumn_start = _weekday_on_or_after(dt.date(start_year, 9, 3))
    christmas = dt.date(start_year, 12, 25)
    christmas_week_monday = christmas - dt.timedelta(days=christmas.weekday())
    autumn_end = christmas_week_monday - dt.timedelta(days=3)

    year = start_year + 1
    new_year_holiday = _weekday_on_or_after(dt.date(year, 1, 1))
    spring_start = _weekday_on_or_after(new_year_holiday + dt.timedelta(days=1))
    if spring_start.weekday() >= 3:
        spring_start += dt.timedelta(days=7 - spring_start.weekday())
    easter = easter_sunday(year)
    spring_end = easter - dt.timedelta(days=9)
    summer_start = easter + dt.timedelta(days=8)
    summer_end = _weekday_on_or_before(dt.date(year, 7, 22))
    return [
        (Term.Name.AUTUMN, autumn_start, autumn_end),
        (Term.Name.SPRING, spring_start, spring_end),
        (Term.Name.SUMMER, summer_start, summer_end),
    ]


# ---------------------------------------------------------------------------------------------
# Plans (in memory: schools and users are few; pupils are streamed)


@dataclass
class SchoolPlan:
    number: int  # 1-based position; URN 100000 + number
    la_code: int
    establishment: int
    name: str
    phase: str
    is_open: bool
    groups: tuple[tuple[str, int, float], ...]
    size_weight: float
    pupils: int = 0
    pk: int = 0

    @property
    def urn(self) -> str:
        return f"{100000 + self.number:06d}"

    @property
    def establishment_number(self) -> str:
        return f"{self.la_code:03d}-{self.establishment:04d}"


@dataclass
class UserPlan:
    email: str
    full_name: str
    job_title: str
    flags: dict[str, bool] = field(default_factory=dict)
    staff_at: list[int] = field(default_factory=list)  # school numbers
    links: list[int] = field(default_factory=list)  # school numbers
    sees: str = ""


@dataclass
class Summary:
    scale: Scale
    seed: int
    schools: int = 0
    open_schools: int = 0
    pupils: int = 0
    enrolments: int = 0
    earlier_enrolments: int = 0
    users: int = 0
    link_assignments: int = 0
    staff_memberships: int = 0
    in_year_moves: int = 0
    academic_years: list[str] = field(default_factory=list)
    terms: int = 0
    attendance: AttendanceSummary | None = None
    cases: CasesSummary | None = None
    plans: PlansSummary | None = None
    seconds: float = 0.0
    logins: list[UserPlan] = field(default_factory=list)


def _split(total: int, weights: Iterable[float]) -> list[int]:
    """Split total into integers proportional to weights, summing exactly to total."""
    weights = list(weights)
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    out, cumulative, given = [], 0.0, 0
    for weight in weights:
        cumulative += weight
        upto = round(total * cumulative / whole)
        out.append(upto - given)
        given = upto
    return out


def _phase_counts(n: int) -> list[str]:
    """n phases in England's proportions, at least one of each when n allows."""
    minimum = 1 if n >= len(PHASE_SHARES) * 2 else 0
    exact = [n * share for _, share in PHASE_SHARES]
    counts = [max(minimum, int(x)) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(counts) < n:
        counts[by_remainder[i % len(exact)]] += 1
        i += 1
    while sum(counts) > n:
        counts[0] -= 1
    return [
        phase for (phase, _), count in zip(PHASE_SHARES, counts, strict=True) for _ in range(count)
    ]


def _place_name(rng: random.Random) -> str:
    return rng.choice(_FAMILY_FIRST) + rng.choice(_PLACE_LAST)


def _school_name(rng: random.Random, phase: str, taken: set[str]) -> str:
    name = ""
    for attempt in range(60):
        place = _place_name(rng)
        if attempt >= 20:
            place = f"{rng.choice(_PLACE_QUALIFIERS)} {place}"
        name = rng.choice(_SCHOOL_NAME_PATTERNS[phase]).format(place)
        if name not in taken:
            break
    taken.add(name)
    return name


def plan_schools(scale: Scale, rng: random.Random) -> list[SchoolPlan]:
    n = scale.schools
    if n == len(DEMO_PHASES):
        phases = list(DEMO_PHASES)
    else:
        phases = _phase_counts(n)
        rng.shuffle(phases)
        # The first school (Pat's) is a primary and the last (Oli's) a secondary.
        first = phases.index("primary")
        phases[0], phases[first] = phases[first], phases[0]
        if "secondary" in phases[1:]:
            last = phases.index("secondary", 1)
            phases[-1], phases[last] = phases[last], phases[-1]
    closed: set[int] = set()
    if n > len(DEMO_PHASES):
        closed = set(rng.sample(range(2, n), max(1, round(n * CLOSED_SHARE))))

    next_number: dict[tuple[int, int], int] = {}
    taken: set[str] = set()
    schools = []
    for index, phase in enumerate(phases):
        la_code = scale.la_codes[index * len(scale.la_codes) // n]
        establishment = _establishment(la_code, phase, rng, next_number)
        kind = phase
        if phase == "primary" and rng.random() < PRIMARY_NURSERY_CLASS_SHARE:
            kind = "primary_with_nursery"
        schools.append(
            SchoolPlan(
                number=index + 1,
                la_code=la_code,
                establishment=establishment,
                name=_school_name(rng, phase, taken),
                phase=phase,
                is_open=index + 1 not in closed,
                groups=YEAR_GROUPS[kind],
                size_weight=_SIZE_WEIGHT[phase] * rng.uniform(0.6, 1.4),
            )
        )
    counts = _split(scale.pupils, (s.size_weight if s.is_open else 0 for s in schools))
    for school, count in zip(schools, counts, strict=True):
        school.pupils = count
    return schools


def _establishment(
    la_code: int, phase: str, rng: random.Random, next_number: dict[tuple[int, int], int]
) -> int:
    for first, room in (_ESTABLISHMENT_BLOCK[phase], _OVERFLOW_BLOCK):
        used = next_number.get((la_code, first), 0)
        step = 1 + (rng.random() < 0.3)  # real numbers have gaps
        if used + step < room:
            next_number[(la_code, first)] = used + step
            return first + used + step
    raise ValueError(f"Too many {phase} schools for LA {la_code}")


def plan_users(schools: list[SchoolPlan], rng: random.Random) -> list[UserPlan]:
    """The named demo logins, further link co-ordinators and, from city scale, school leads."""
    first, last = schools[0], schools[-1]
    open_numbers = [s.number for s in schools if s.is_open]
    lins_share = len(schools) // 2 if len(schools) <= len(DEMO_PHASES) else 15
    lins = open_numbers[:lins_share]
    users = [
        UserPlan(
            "admin@council.example",
            "Ada Administrator",
            "System administrator",
            {"is_administrator": True},
            sees="everything; users, schools, term dates",
        ),
        UserPlan(
            "manager@council.example",
            "Mo Manager",
            "Head of attendance service",
            {"is_manager": True},
            sees="every school, read-only; dashboards",
        ),
        UserPlan(
            "link.coordinator@council.example",
            "Lin Coordinator",
            "Link co-ordinator",
            {"is_link_coordinator": True},
            links=lins,
            sees=_schools_seen(lins),
        ),
        UserPlan(
            "pastoral.lead@council.example",
            "Pat Pastoral",
            "Pastoral lead",
            staff_at=[first.number],
            sees=f"{first.name} (school 1) only",
        ),
        UserPlan(
            "other.pastoral.lead@council.example",
            "Oli Otherschool",
            "Pastoral lead",
            staff_at=[last.number],
            sees=f"{last.name} (school {last.number}, not Lin's) only",
        ),
        UserPlan(
            "early.help@council.example",
            "Eli Earlyhelp",
            "Early help worker",
            {"is_early_help_worker": True},
            sees="cases and plans they are named on",
        ),
    ]
    rest = open_numbers[len(lins) :]
    per_coordinator = max(1, len(lins))
    for k, start in enumerate(range(0, len(rest), per_coordinator), start=2):
        numbers = rest[start : start + per_coordinator]
        users.append(
            UserPlan(
                f"link.coordinator{k}@council.example",
                _person_name(rng),
                "Link co-ordinator",
                {"is_link_coordinator": True},
                links=numbers,
                sees=_schools_seen(numbers),
            )
        )
    if len(schools) > len(DEMO_PHASES):
        for school in schools:
            users.append(
                UserPlan(
                    f"pastoral.lead.{school.urn}@council.example",
                    _person_name(rng),
                    "Pastoral lead",
                    staff_at=[school.number],
                    sees=f"{school.name} only",
                )
            )
    return users


def _schools_seen(numbers: list[int]) -> str:
    if not numbers:
        return "no schools"
    if len(numbers) == 1:
        return f"school {numbers[0]}"
    if numbers[-1] - numbers[0] + 1 == len(numbers):
        return f"schools {numbers[0]}–{numbers[-1]}"
    return f"{len(numbers)} open schools among {numbers[0]}–{numbers[-1]}"


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"


# ---------------------------------------------------------------------------------------------
# Pupils and enrolments, streamed as COPY text

PUPIL_COLUMNS = (
    "id",
    "upn",
    "given_name",
    "family_name",
    "date_of_birth",
    "year_group",
    "sen_status",
    *Pupil.CHARACTERISTICS,
    "version",
    "created_at",
    "current_school_id",
)
ENROLMENT_COLUMNS = ("id", "started_on", "ended_on", "pupil_id", "school_id")
_CHUNK_ROWS = 20_000


class _UpnAllocator:
    """Serial numbers per (year allocated) at one school, and the UPN for each.

    The check letter is `check_letter`'s weighted sum, split into the fixed prefix (LA code,
    establishment and year) and the serial, so that millions of UPNs cost a table look-up each;
    the first UPN of every year is compared with `make_upn`.
    """

    _SERIAL_SUMS = tuple(
        sum(w * int(c) for w, c in zip((11, 12, 13), f"{s:03d}", strict=True)) for s in range(1000)
    )

    def __init__(self, la_code: int, establishment: int) -> None:
        self.la_code, self.establishment = la_code, establishment
        self.next_serial: dict[int, int] = {}
        self.prefix: dict[int, tuple[str, int]] = {}

    def __call__(self, year: int) -> str:
        serial = self.next_serial.get(year, 1)
        if serial > 999:
            raise ValueError(f"More than 999 UPNs for {self.establishment} in {year}")
        self.next_serial[year] = serial + 1
        if year not in self.prefix:
            body = f"{self.la_code:03d}{self.establishment:04d}{year % 100:02d}"
            weighted = sum(w * int(c) for w, c in enumerate(body, start=2))
            self.prefix[year] = (body, weighted)
            upn = make_upn(self.la_code, self.establishment, year, serial)
            if upn[0] != ALPHABET[(weighted + self._SERIAL_SUMS[serial]) % 23]:
                raise RuntimeError("The fast check letter disagrees with make_upn")
            return upn
        body, weighted = self.prefix[year]
        return f"{ALPHABET[(weighted + self._SERIAL_SUMS[serial]) % 23]}{body}{serial:03d}"


class _PreviousSchools:
    """Where a pupil with an earlier enrolment was: a mainstream school that teaches the year
    group they were in then, in the same local authority where there is one."""

    def __init__(self, schools: list[SchoolPlan]) -> None:
        self.near: dict[tuple[int, int], list[int]] = {}
        self.anywhere: dict[int, list[int]] = {}
        self.every = [s.pk for s in schools]
        for s in schools:
            if s.phase in MAINSTREAM:
                for _, y, _ in s.groups:
                    self.near.setdefault((s.la_code, y), []).append(s.pk)
                    self.anywhere.setdefault(y, []).append(s.pk)

    def pick(self, rng: random.Random, la_code: int, year_number: int, not_pk: int) -> int:
        for candidates in (
            self.near.get((la_code, year_number), []),
            self.anywhere.get(year_number, []),
            self.every,
        ):
            if len(candidates) > 1 or (candidates and candidates[0] != not_pk):
                pk = not_pk
                while pk == not_pk:
                    pk = candidates[int(rng.random() * len(candidates))]
                return pk
        raise ValueError("An earlier enrolment needs at least two schools")


def pupil_rows(
    schools: list[SchoolPlan],
    rng: random.Random,
    start_year: int,
    created_at: str,
    pupils_before: int,
    enrolments_before: int,
    enrolments: TextIO,
    summary: Summary,
    progress: Callable[[int], None] = lambda done: None,
    move_days: Sequence[dt.date] = (),
) -> Iterator[str]:
    """Yield COPY text for pupils in chunks; write their enrolments' COPY text to `enrolments`.

    A pupil in year group Y (Reception 0, N2 -1, N1 -2) was born between 1 September of
    (start_year - Y - 5) and 31 August a year later. Their enrolment at the current school starts
    on 1 September of the year they joined; an earlier enrolment, where there is one, ends the
    day before. Some of the pupils with an earlier enrolment moved this academic year instead:
    their current enrolment starts on one of `move_days` (Mondays in term, before today) and the
    earlier one, at a school teaching their year group, ends the day before. Counts go into
    `summary` as they are written.
    """
    moves = [(day.isoformat(), (day - dt.timedelta(days=1)).isoformat()) for day in move_days]
    rnd = rng.random
    given_names, n_given = GIVEN_NAMES, len(GIVEN_NAMES)
    family_names, n_family = FAMILY_NAMES, len(FAMILY_NAMES)
    day_text: dict[int, str] = {}
    previous_schools = _PreviousSchools(schools)
    pupil_id, enrolment_id = pupils_before, enrolments_before
    chunk: list[str] = []
    enrolment_lines: list[str] = []

    def iso(ordinal: int) -> str:
        text = day_text.get(ordinal)
        if text is None:
            text = day_text[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    for school in schools:
        if not school.pupils:
            continue
        rates = RATES.get(school.phase, RATES["default"])
        sen_e, sen_k = rates.ehc_plan, rates.ehc_plan + rates.sen_support
        fsm, eal, cin = (
            rates.free_school_meals,
            rates.english_additional_language,
            rates.child_in_need,
        )
        cp, lac, carer = rates.child_protection_within_cin, rates.looked_after, rates.young_carer
        yj, exploited = rates.youth_justice, rates.exploitation_risk
        mainstream = school.phase in MAINSTREAM
        entry_year_number = school.groups[0][1]
        upn_for = _UpnAllocator(school.la_code, school.establishment)
        school_pk, la_code = str(school.pk), school.la_code
        counts = _split(school.pupils, (weight for _, _, weight in school.groups))
        for (code, y, _), count in zip(school.groups, counts, strict=True):
            born_from = dt.date(start_year - y - 5, 9, 1).toordinal()
            born_span = dt.date(start_year - y - 4, 9, 1).toordinal() - born_from
            years_since_entry = y - entry_year_number
            suffix = f"\t1\t{created_at}\t{school_pk}\n"
            for _ in range(count):
                pupil_id += 1
                # Years at this school before this one.
                if mainstream and rnd() < JOINED_AT_ENTRY_SHARE:
                    k = years_since_entry
                elif mainstream:
                    k = int(rnd() * (years_since_entry + 1))
                else:
                    k = min(years_since_entry, int(rnd() * 3))
                joined = start_year - k
                allocated = joined
                started_on = f"{joined}-09-01"
                if rnd() < EARLIER_ENROLMENT_SHARE:
                    if moves and rnd() < IN_YEAR_MOVE_SHARE:
                        # At the other school since they joined, until a Monday this year.
                        started_on, left_on = moves[int(rnd() * len(moves))]
                        summary.earlier_enrolments += 1
                        summary.in_year_moves += 1
                        before_pk = previous_schools.pick(rng, la_code, y, school.pk)
                        enrolment_id += 1
                        enrolment_lines.append(
                            f"{enrolment_id}\t{joined}-09-01\t{left_on}\t{pupil_id}\t{before_pk}\n"
                        )
                    elif y - k >= 0:
                        earlier = 1 + int(rnd() * min(3, y - k + 1))
                        allocated = joined - earlier
                        summary.earlier_enrolments += 1
                        before_pk = previous_schools.pick(rng, la_code, y - k - earlier, school.pk)
                        enrolment_id += 1
                        enrolment_lines.append(
                            f"{enrolment_id}\t{allocated}-09-01\t{joined}-08-31\t{pupil_id}\t{before_pk}\n"
                        )
                enrolment_id += 1
                enrolment_lines.append(
                    f"{enrolment_id}\t{started_on}\t\\N\t{pupil_id}\t{school_pk}\n"
                )

                r = rnd()
                sen = "E" if r < sen_e else "K" if r < sen_k else "N"
                in_need = rnd() < cin
                chunk.append(
                    f"{pupil_id}\t{upn_for(allocated)}\t"
                    f"{given_names[int(rnd() * n_given)]}\t{family_names[int(rnd() * n_family)]}\t"
                    f"{iso(born_from + int(rnd() * born_span))}\t{code}\t{sen}\t"
                    f"{'t' if rnd() < fsm else 'f'}\t{'t' if rnd() < eal else 'f'}\t"
                    f"{'t' if in_need else 'f'}\t{'t' if in_need and rnd() < cp else 'f'}\t"
                    f"{'t' if rnd() < lac else 'f'}\t{'t' if rnd() < carer else 'f'}\t"
                    f"{'t' if rnd() < yj else 'f'}\t{'t' if rnd() < exploited else 'f'}" + suffix
                )
                if len(chunk) >= _CHUNK_ROWS:
                    enrolments.write("".join(enrolment_lines))
                    enrolment_lines.clear()
                    summary.pupils += len(chunk)
                    yield "".join(chunk)
                    chunk.clear()
                    progress(summary.pupils)
    enrolments.write("".join(enrolment_lines))
    summary.pupils += len(chunk)
    summary.enrolments = enrolment_id - enrolments_before
    if chunk:
        yield "".join(chunk)
    progress(summary.pupils)


# ---------------------------------------------------------------------------------------------
# Database


def database_has_data() -> bool:
    return School.objects.exists() or Pupil.objects.exists()


def reset_tables() -> list[str]:
    """The tables `--reset` empties: users, schools, pupils, attendance (imports, records, the
    derived figures and queue dismissals), cases (with their timetables, link calls and
    meetings), Family Early Help Plans, the access log and history."""
    from pghistory.models import Context, Event  # noqa: PLC0415 - keep app loading lazy

    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label
        in {"accounts", "schools", "attendance", "cases", "early_help_plans", "audit"}
        or (issubclass(model, Event) and not model._meta.abstract)
    }
    tables |= {Context._meta.db_table, "django_session"}  # sessions name users by id
    existing = set(connection.introspection.table_names())
    return sorted(tables & existing)


def run_pending_checks(cursor: Any) -> None:
    """Run now the deferred constraint checks pending in this transaction, then defer again.

    PostgreSQL refuses to TRUNCATE or ALTER a table with checks pending on it: rows written
    earlier in the transaction (by the ORM, or by a load into a table whose foreign keys it kept,
    as the plans' load writes the cases' lead professionals). Every deferrable constraint here is
    initially deferred, so deferring them all again leaves the transaction as it was."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def truncate() -> None:
    with connection.cursor() as cursor:
        run_pending_checks(cursor)
        names = ", ".join(connection.ops.quote_name(t) for t in reset_tables())
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@contextmanager
def bulk_load(
    tables: tuple[str, ...], trigger_uris: tuple[str, ...] = (), *, exclusions: bool = False
) -> Iterator[None]:
    """Load empty tables fast, inside the caller's transaction: PostgreSQL's own advice.

    For the duration: the tables' non-unique indexes and their foreign keys are dropped, then
    recreated from their exact definitions (a foreign key added afterwards checks every row in one
    query rather than one look-up a row). Measured for a million pupils: 19s instead of 44s. The
    history triggers named by `trigger_uris` are disabled, so the load is not recorded as
    millions of insert events.

    `pgtrigger.ignore` is not used for the triggers: it adds a `set_config` to each query Django
    runs, and COPY through the raw psycopg connection is not one of them (checked: a COPY inside
    `pgtrigger.ignore` still wrote history rows). All of this is DDL inside the transaction: an
    error anywhere rolls it back, triggers, indexes and constraints included. It needs table
    ownership, which the app's role has, and it locks the tables until commit. Constraint checks
    still pending in the transaction run before the tables are altered and again before they are
    restored (run_pending_checks): PostgreSQL refuses to alter a table with checks pending.

    With `exclusions`, exclusion constraints are dropped too and added back afterwards (which
    checks every row again, building the index in one pass rather than a GiST insert a row).
    Unique and primary keys stay.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("A bulk load must run inside a transaction")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique AND NOT x.indisprimary"
            " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.oid)",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [list(tables)],
        )
        foreign_keys = cursor.fetchall()
        # `pgtrigger.registered()` with no URIs means every trigger, so ask only when named.
        registered = pgtrigger.registered(*trigger_uris) if trigger_uris else []
        triggers = [
            (quote(model._meta.db_table), quote(trigger.get_pgid(model)))
            for model, trigger in registered
        ]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'x' AND conrelid = ANY(%s::regclass[]) AND %s ORDER BY conname",
            [list(tables), exclusions],
        )
        foreign_keys += cursor.fetchall()  # dropped and added back the same way
        run_pending_checks(cursor)
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        yield
        run_pending_checks(cursor)
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")


def copy_rows(table: str, columns: tuple[str, ...], chunks: Iterable[str]) -> None:
    """COPY text chunks into table through the transaction's raw psycopg connection."""
    connection.ensure_connection()
    sql = f"COPY {connection.ops.quote_name(table)} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in chunks:
            copy.write(chunk)


def max_id(table: str) -> int:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - a model's table
        return cursor.fetchone()[0]


def set_identity(table: str, last_id: int) -> None:
    """After a COPY with explicit ids, the next id the database gives is last_id + 1."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
            [table, max(last_id, 1), last_id > 0],
        )


def _read_chunks(file: TextIO, size: int = 1 << 20) -> Iterator[str]:
    file.seek(0)
    while chunk := file.read(size):
        yield chunk


def seed(
    scale: Scale,
    seed: int = 1,
    *,
    today: dt.date | None = None,
    reset: bool = False,
    attendance: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Load the demo data in one transaction, then ANALYZE. The caller checks the database.

    `log` receives progress lines (about every 10% of pupils) at scales of 100,000 pupils and up.
    """
    started = time.monotonic()
    today = today or timezone.localdate()
    start_year = AcademicYear.start_year_for(today)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    summary = Summary(scale=scale, seed=seed)
    schools = plan_schools(scale, rng)
    users = plan_users(schools, rng)
    verbose = scale.pupils >= 100_000

    def stage(text: str) -> None:
        if verbose:
            log(f"  {text}, {time.monotonic() - started:.0f}s")

    every = max(1, scale.pupils // 10)
    next_report = every

    def progress(done: int) -> None:
        nonlocal next_report
        if done >= next_report:
            next_report = (done // every + 1) * every
            stage(f"{done:,} of {scale.pupils:,} pupils ({done * 100 // scale.pupils}%)")

    with transaction.atomic():
        if reset:
            truncate()
        with pghistory.context(source="seed_demo", scale=scale.name, seed=seed):
            _create_terms(start_year, summary)
            _create_schools(schools)
            _create_users(users, schools, today, summary)
        stage(f"{len(schools):,} schools and {len(users):,} users")

        with bulk_load(
            (Pupil._meta.db_table, Enrolment._meta.db_table),
            ("schools.Pupil:insert_insert", "schools.Enrolment:insert_insert"),
        ):
            pupils_before = max_id(Pupil._meta.db_table)
            enrolments_before = max_id(Enrolment._meta.db_table)
            with tempfile.TemporaryFile("w+", encoding="utf-8") as enrolments:
                copy_rows(
                    Pupil._meta.db_table,
                    PUPIL_COLUMNS,
                    pupil_rows(
                        schools,
                        rng,
                        start_year,
                        timezone.now().isoformat(),
                        pupils_before,
                        enrolments_before,
                        enrolments,
                        summary,
                        progress,
                        move_days=move_days(start_year, today),
                    ),
                )
                stage("enrolments")
                copy_rows(Enrolment._meta.db_table, ENROLMENT_COLUMNS, _read_chunks(enrolments))
            set_identity(Pupil._meta.db_table, pupils_before + summary.pupils)
            set_identity(Enrolment._meta.db_table, enrolments_before + summary.enrolments)
            stage("indexes and foreign keys")

        if attendance:
            # Attendance builds on schools, so it is imported here rather than at the top.
            from attendance import demo as attendance_demo  # noqa: PLC0415

            summary.attendance = attendance_demo.load(
                seed=seed,
                start_year=start_year,
                today=today,
                weekly=scale.weekly_attendance,
                log=stage,
            )
            # Cases, reduced timetables and link calls follow from the attendance figures.
            from cases import demo as cases_demo  # noqa: PLC0415

            summary.cases = cases_demo.load(
                seed=seed, start_year=start_year, today=today, log=stage
            )
            from early_help_plans import demo as plans_demo  # noqa: PLC0415

            summary.plans = plans_demo.load(
                seed=seed, start_year=start_year, today=today, log=stage
            )
        stage("commit")

    stage("analyze")
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE schools_school, schools_pupil, schools_enrolment, accounts_user, "
            "schools_schoolstaff, schools_linkassignment, attendance_attendancerecord, "
            "attendance_pupilattendance"
        )
    if summary.attendance:
        summary.attendance.count_figures(start_year)
        stage("attendance summaries for the dashboards")
        from reports import summary as attendance_summaries  # noqa: PLC0415

        attendance_summaries.ensure_fresh([start_year - 1, start_year])
    summary.schools = len(schools)
    summary.open_schools = sum(s.is_open for s in schools)
    summary.logins = users[:6]
    summary.seconds = time.monotonic() - started
    return summary


def move_days(start_year: int, today: dt.date) -> list[dt.date]:
    """Mondays in term this academic year, after the first one and in a week already over."""
    days = []
    for _, starts, ends in term_dates(start_year):
        monday = starts + dt.timedelta(days=7 - starts.weekday())
        while monday <= ends and monday + dt.timedelta(days=4) < today:
            days.append(monday)
            monday += dt.timedelta(days=7)
    return days


def _create_terms(start_year: int, summary: Summary) -> None:
    for year in (start_year - 1, start_year):
        academic_year = AcademicYear.objects.create(start_year=year)
        Term.objects.bulk_create(
            Term(academic_year=academic_year, name=name, starts_on=starts, ends_on=ends)
            for name, starts, ends in term_dates(year)
        )
        summary.academic_years.append(str(academic_year))
        summary.terms += 3


def _create_schools(schools: list[SchoolPlan]) -> None:
    created = School.objects.bulk_create(
        (
            School(
                urn=s.urn,
                establishment_number=s.establishment_number,
                name=s.name,
                phase=s.phase,
                is_open=s.is_open,
            )
            for s in schools
        ),
        batch_size=2000,
    )
    for plan, school in zip(schools, created, strict=True):
        plan.pk = school.pk


def _create_users(
    users: list[UserPlan], schools: list[SchoolPlan], today: dt.date, summary: Summary
) -> None:
    # One hash for all: hashing is deliberately slow, and 20,000 pastoral leads share a password.
    password = make_password(DEMO_PASSWORD)
    created = User.objects.bulk_create(
        (
            User(
                email=u.email,
                full_name=u.full_name,
                job_title=u.job_title,
                password=password,
                **u.flags,
            )
            for u in users
        ),
        batch_size=2000,
    )
    pk_of = {s.number: s.pk for s in schools}
    staff = [
        SchoolStaff(
            school_id=pk_of[n],
            user_id=user.pk,
            job_role=SchoolStaff.JobRole.PASTORAL_LEAD,
            added_on=today,
        )
        for plan, user in zip(users, created, strict=True)
        for n in plan.staff_at
    ]
    links = [
        LinkAssignment(school_id=pk_of[n], user_id=user.pk, assigned_on=today)
        for plan, user in zip(users, created, strict=True)
        for n in plan.links
    ]
    SchoolStaff.objects.bulk_create(staff, batch_size=2000)
    LinkAssignment.objects.bulk_create(links, batch_size=2000)
    summary.users = len(created)
    summary.staff_memberships = len(staff)
    summary.link_assignments = len(links)
