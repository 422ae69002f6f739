"""Synthetic attendance for the demo data: the academic year so far, for every pupil.

`seed_demo` calls `load` inside its transaction, after pupils and enrolments. Records are weekly
(Monday to Friday, clipped to the term; holidays skipped; up to the last week already over),
except at the national scale, where weekly records would reach ~100 million rows by the summer:
there each pupil gets one year-to-date record, from the first day of the autumn term to the last
school day before today. Either way a record is at the school of the enrolment valid then, so a
pupil who moved this year has records at both schools.

The mix is a city's: most pupils attend 90-100%, about 18% are persistently absent, and
about 1% are severely absent (309 of the city's ~30,000 pupils in October 2021; the same share at
every scale). Absence is likelier in secondary, special and alternative provision, and with SEN,
free school meals, a child-in-need plan, caring, youth justice or exploitation. Some severely
absent pupils are on a reduced timetable (mostly `C2`) and some were suspended (`E`); some pupils'
attendance has fallen sharply over the last four weeks, so that the at-risk list has members.

Deterministic for a seed. Written with COPY (`schools.demo.copy_rows`), then the stored figures
are computed for every pupil with `attendance.imports.derived.refresh`, as an import would.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from attendance.imports import checks, derived
from attendance.models import AttendanceRecord, PupilAttendance
from attendance.selectors import queue_members
from schools.demo import bulk_load, copy_rows, max_id, set_identity
from schools.models import Term

# The city's 309 chronically absent pupils among ~30,000 (October 2021), kept at every scale.
SEVERE_SHARE = 309 / 30_000
# Drawn as persistently absent; term-time holidays, suspensions and the severely absent bring the
# share of pupils at or below 90% to about 18%.
PERSISTENT_SHARE = 0.155
AT_RISK_SHARE = 0.004  # worsening sharply over the last four weeks (weekly records only)
REDUCED_TIMETABLE_SHARE = 0.3  # of the severely absent: absence mostly C2
SUSPENDED_SEVERE_SHARE = 0.08  # of the severely absent: suspended two or three times
# Shares of pupils over a whole year (380 sessions); the year so far gets its fraction.
SUSPENDED_SHARE = 0.04
HOLIDAY_SHARE = 0.12  # a week's holiday in term time (G)
FULL_YEAR_SESSIONS = 380

# Relative likelihood of absence, by the current school's phase and the pupil's characteristics.
PHASE_WEIGHT = {
    "alternative_provision": 14.0,
    "special": 3.0,
    "secondary": 2.2,
    "all_through": 1.8,
    "post_16": 1.6,
    "primary": 0.5,
    "nursery": 0.4,
}
YEAR_WEIGHT = {"9": 1.2, "10": 1.4, "11": 1.5}
SEN_WEIGHT = {"E": 2.0, "K": 1.8}

_RECORD_COLUMNS = (
    "id",
    "period_start",
    "period_end",
    "possible_sessions",
    "attended_sessions",
    "authorised_absence",
    "unauthorised_absence",
    "code_counts",
    "suspensions",
    "pupil_id",
    "school_id",
)
_FETCH_ROWS = 20_000  # enrolments per batch read; each batch is one COPY
_CHUNK_LINES = 20_000

# Absence reasons. The six codes kept in code_counts, then M and O standing for the other codes of
# their category (authorised: M, C, C1, S...; unauthorised: O), counted in the totals only.
KINDS = ("I", "C2", "E", "N", "G", "U", "M", "O")
CODES = 6  # the first six kinds are written to code_counts
SUSPENSION, HOLIDAY = KINDS.index("E"), KINDS.index("G")
AUTHORISED = tuple(KINDS.index(code) for code in ("I", "C2", "E", "M"))

Reasons = tuple[tuple[float, ...], tuple[int, ...]]


def _reasons(**weights: float) -> Reasons:
    """Cumulative shares of each kind of absence, for picking one with a random number."""
    total = sum(weights.values())
    cumulative, upto = [], 0.0
    for weight in weights.values():
        upto += weight / total
        cumulative.append(upto)
    cumulative[-1] = 1.0
    return tuple(cumulative), tuple(KINDS.index(code) for code in weights)


REASONS = {
    "regular": _reasons(I=0.62, M=0.12, N=0.12, O=0.06, U=0.03, G=0.05),
    "persistent": _reasons(I=0.45, M=0.08, N=0.22, O=0.1, U=0.08, G=0.07),
    "severe": _reasons(I=0.22, M=0.08, N=0.38, O=0.14, U=0.14, G=0.04),
    "reduced_timetable": _reasons(C2=0.86, I=0.06, N=0.06, O=0.02),
    "worsening": _reasons(I=0.3, N=0.4, O=0.15, U=0.15),
}


@dataclass
class AttendanceSummary:
    weekly: bool
    records: int = 0
    pupils: int = 0
    weeks: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    persistently_absent: int = 0
    severely_absent: int = 0
    in_queue: int = 0
    at_risk: int = 0
    reduced_timetables: int = 0
    suspended: int = 0
    moved_schools: int = 0
    seconds: float = 0.0

    def count_figures(self, start_year: int) -> None:
        """The stored figures, as the queue and lists will show them."""
        year = PupilAttendance.objects.filter(start_year=start_year)
        self.persistently_absent = year.filter(is_persistently_absent=True).count()
        self.severely_absent = year.filter(is_severely_absent=True).count()
        self.at_risk = year.filter(is_at_risk=True).count()
        self.in_queue = queue_members(start_year).count()


@dataclass(frozen=True)
class Week:
    """A record's period: part of a Monday-to-Friday week inside one term."""

    start: int  # ordinal
    end: int
    possible: int
    start_text: str
    end_text: str


def school_weeks(terms: Sequence[Term], today: dt.date, *, whole_weeks: bool = True) -> list[Week]:
    """The school weeks of `terms` before today, clipped to each term: two sessions a weekday.

    With `whole_weeks`, only weeks already over (the Friday, or the term's last day, is before
    today); otherwise the current week too, up to yesterday.
    """
    weeks = []
    for term in terms:
        monday = term.starts_on - dt.timedelta(days=term.starts_on.weekday())
        while monday <= term.ends_on:
            friday = monday + dt.timedelta(days=4)
            start, end = max(monday, term.starts_on), min(friday, term.ends_on)
            if not whole_weeks:
                end = min(end, today - dt.timedelta(days=1))
            elif end >= today or (friday >= today and end < term.ends_on):
                end = start - dt.timedelta(days=1)  # not over yet
            if start <= end:
                days = (end - start).days + 1
                weeks.append(
                    Week(start.toordinal(), end.toordinal(), 2 * days, str(start), str(end))
                )
            monday += dt.timedelta(days=7)
    return weeks


def weekdays(first: dt.date, last: dt.date) -> int:
    """Weekdays from first to last inclusive (as `pg_temp.weekdays`)."""
    if last < first:
        return 0
    whole, extra = divmod((last - first).days + 1, 7)
    return whole * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(extra))


class _Quota:
    """Systematic sampling: each pupil is chosen with their own probability, and the number
    chosen is within one of the sum of the probabilities, so small scales still get their share."""

    def __init__(self, rng: random.Random) -> None:
        self.total = rng.random()

    def take(self, probability: float) -> bool:
        before = self.total
        self.total += probability
        return int(self.total) > int(before)


def _weight(key: tuple[object, ...]) -> float:
    phase, year_group, sen, fsm, cin, carer, youth_justice, exploited = key
    weight = PHASE_WEIGHT.get(str(phase), 1.0) * YEAR_WEIGHT.get(str(year_group), 1.0)
    weight *= SEN_WEIGHT.get(str(sen), 1.0)
    for flag, factor in ((fsm, 2.2), (cin, 2.5), (carer, 1.8), (youth_justice, 3.0)):
        if flag:
            weight *= factor
    if exploited:
        weight *= 3.0
    return weight


def _solve(groups: Sequence[tuple[float, int]], target: float, cap: float, power: float) -> float:
    """c such that the sum over pupils of min(cap, c * weight ** power) is target."""
    pupils = sum(count for _, count in groups)
    if target <= 0 or not pupils:
        return 0.0
    target = min(target, cap * pupils * 0.999)
    low, high = 0.0, 1.0
    while sum(n * min(cap, high * w**power) for w, n in groups) < target:
        high *= 2
    for _ in range(50):
        middle = (low + high) / 2
        if sum(n * min(cap, middle * w**power) for w, n in groups) < target:
            low = middle
        else:
            high = middle
    return high


def _allocate(
    total: int, caps: list[int], weights: list[float], fixed: list[int], rnd: Callable[[], float]
) -> list[int]:
    """Split `total` absent sessions over records in proportion to `weights`, at most `caps`
    each and at least `fixed` each (sum(fixed) <= total <= sum(caps))."""
    taken = fixed[:]
    left = total - sum(taken)
    if left > 0:
        room = [cap - k for cap, k in zip(caps, taken, strict=True)]
        weight_sum = sum(w for w, r in zip(weights, room, strict=True) if r)
        if weight_sum > 0:
            scale = left / weight_sum
            for i, r in enumerate(room):
                if r:
                    taken[i] += min(r, int(weights[i] * scale + rnd()))
    difference = total - sum(taken)
    count = len(taken)
    i = int(rnd() * count)
    while difference > 0:
        if taken[i] < caps[i]:
            taken[i] += 1
            difference -= 1
        i = (i + 1) % count
    while difference < 0:
        if taken[i] > fixed[i]:
            taken[i] -= 1
            difference += 1
        i = (i + 1) % count
    return taken


@dataclass
class _Record:
    start: int
    end: int
    possible: int
    start_text: str
    end_text: str
    school: int
    fixed_code: int = -1  # E for a suspension, G for a holiday: the first `fixed` sessions
    fixed: int = 0
    suspensions: int = 0


class _Generator:
    """Records for one pupil at a time, in pupil order, from one random stream."""

    def __init__(
        self,
        rng: random.Random,
        weeks: list[Week],
        weekly: bool,
        today: dt.date,
        term_end: dt.date | None,
        groups: dict[tuple[object, ...], int],
        next_id: int,
        summary: AttendanceSummary,
    ) -> None:
        self.rng, self.rnd = rng, rng.random
        self.weeks, self.weekly, self.today, self.term_end = weeks, weekly, today, term_end
        self.first, self.last = weeks[0].start, weeks[-1].end
        self.next_id = next_id
        self.summary = summary
        # The thresholds are settings: severely absent at or below `line` attendance,
        # persistently absent with at least `persistent` absence.
        self.line = (100 - float(settings.SEVERE_ABSENCE_THRESHOLD)) / 100
        self.persistent = float(settings.PERSISTENT_ABSENCE_THRESHOLD) / 100
        self.recent_days = int(settings.AT_RISK_RECENT_DAYS)
        self.weights = {key: _weight(key) for key in groups}
        weighted = [(self.weights[key], count) for key, count in groups.items()]
        pupils = sum(groups.values())
        elapsed = min(1.0, sum(w.possible for w in weeks) / FULL_YEAR_SESSIONS)
        self.c_severe = _solve(weighted, SEVERE_SHARE * pupils, 0.6, 1.0)
        self.c_persistent = _solve(weighted, PERSISTENT_SHARE * pupils, 0.8, 0.6)
        self.c_at_risk = _solve(weighted, AT_RISK_SHARE * pupils, 0.2, 0.8) if weekly else 0.0
        self.c_suspended = _solve(weighted, SUSPENDED_SHARE * elapsed * pupils, 0.4, 1.0)
        self.holiday = HOLIDAY_SHARE * elapsed
        self.severe_quota = _Quota(rng)
        self.at_risk_quota = _Quota(rng)
        # Among the severely absent, exact shares too: a demo's six should not all be alike.
        self.reduced_timetable_quota = _Quota(rng)
        self.suspended_quota = _Quota(rng)
        self._cache: dict[tuple[int, int], list[tuple[int, int, int, str, str]]] = {}

    # -- records of one pupil -------------------------------------------------------------

    def _periods(self, started: int, ended: int) -> list[tuple[int, int, int, str, str]]:
        """The periods of an enrolment from `started` to `ended` (ordinals): each week's part
        of it, or with year-to-date records all of them as one. Cached: most pupils share one."""
        started, ended = max(started, self.first), min(ended, self.last)
        periods = self._cache.get((started, ended))
        if periods is None:
            periods = []
            for week in self.weeks:
                start, end = max(week.start, started), min(week.end, ended)
                if start > end:
                    continue
                first, last = dt.date.fromordinal(start), dt.date.fromordinal(end)
                periods.append((start, end, 2 * (end - start + 1), str(first), str(last)))
            if not self.weekly and periods:
                possible = sum(period[2] for period in periods)
                first_period, last_period = periods[0], periods[-1]
                periods = [
                    (first_period[0], last_period[1], possible, first_period[3], last_period[4])
                ]
            self._cache[(started, ended)] = periods
        return periods

    def _records(self, enrolments: list[tuple[int, int, int]]) -> list[_Record]:
        """The pupil's records, in time order: for each week (or for the year to date), the
        part of it at each enrolment's school."""
        records = [
            _Record(*period, school)
            for school, started, ended in enrolments
            for period in self._periods(started, ended)
        ]
        if len(enrolments) > 1:
            records.sort(key=lambda r: (r.end, r.start))
            if not self.weekly:  # two enrolments at one school in a row: one record
                joined: list[_Record] = []
                for record in records:
                    if joined and joined[-1].school == record.school:
                        joined[-1].end, joined[-1].end_text = record.end, record.end_text
                        joined[-1].possible += record.possible
                    else:
                        joined.append(record)
                records = joined
        return records

    def pupil(
        self, pupil_id: int, key: tuple[object, ...], enrolments: list[tuple[int, int, int]]
    ) -> Iterator[str]:
        """COPY lines for one pupil; `enrolments` are (school, first day, last day) ordinals."""
        records = self._records(enrolments)
        if not records:
            return
        rnd = self.rnd
        summary = self.summary
        summary.pupils += 1
        if len({r.school for r in records}) > 1:
            summary.moved_schools += 1
        possible = sum(r.possible for r in records)
        fewest_severe = possible - self._attended_at_line(possible)  # absences that make severe
        most_not_severe = fewest_severe - 1
        weight = self.weights.get(key) or _weight(key)
        severe = self.severe_quota.take(min(0.6, self.c_severe * weight))
        at_risk = not severe and self.at_risk_quota.take(min(0.2, self.c_at_risk * weight))
        if severe:
            rate = 1 - self.line + 0.02 + (self.line - 0.08) * rnd() ** 1.3  # to 94% absent
            absent = min(possible, max(fewest_severe, int(rate * possible + rnd())))
            if self.reduced_timetable_quota.take(REDUCED_TIMETABLE_SHARE):
                # Attends part-time, much the same every week.
                reasons = REASONS["reduced_timetable"]
                summary.reduced_timetables += 1
                weights = [r.possible * (0.85 + 0.3 * rnd()) for r in records]
            else:  # improving a little, steady or getting worse
                reasons = REASONS["severe"]
                trend = -0.4 + 2 * rnd()
                weights = [
                    r.possible * (0.4 + rnd()) * (1 + trend * i / len(records))
                    for i, r in enumerate(records)
                ]
                if self.suspended_quota.take(
                    SUSPENDED_SEVERE_SHARE / (1 - REDUCED_TIMETABLE_SHARE)
                ):
                    self._suspend(records, 2 + int(rnd() * 2), absent)
            yield from self._lines(pupil_id, records, absent, weights, reasons)
            return
        if at_risk:
            plan = self._worsening(records, possible)
            if plan:
                split, early_absent, recent_absent = plan
                early, recent = records[:split], records[split:]
                weights = [r.possible * (rnd() ** 3 + 0.01) for r in early]
                yield from self._lines(pupil_id, early, early_absent, weights, REASONS["regular"])
                weights = [r.possible * (0.8 + 0.4 * rnd()) for r in recent]
                yield from self._lines(
                    pupil_id, recent, recent_absent, weights, REASONS["worsening"]
                )
                return
        reasons = REASONS["regular"]
        if rnd() < min(0.8, self.c_persistent * weight**0.6):
            reasons = REASONS["persistent"]
            rate = self.persistent + 0.32 * rnd() ** 1.8
            absent = max(math.ceil(self.persistent * possible - 1e-9), int(rate * possible + rnd()))
        else:
            rate = 0.95 * self.persistent * rnd() ** 1.6
            absent = int(rate * possible + rnd())
        absent = min(absent, most_not_severe)
        if rnd() < self.holiday:  # a week away in term time: four or five days, usually
            absent += self._fix(
                records, HOLIDAY, 2 * (3 + int(rnd() * 3)), most_not_severe - absent
            )
        if rnd() < min(0.4, self.c_suspended * weight):
            absent += self._suspend(records, 1, most_not_severe - absent)
        # Mostly a few bad weeks (an illness, a holiday) rather than a little every week.
        weights = [r.possible * (rnd() ** 3 + 0.01) for r in records]
        yield from self._lines(pupil_id, records, absent, weights, reasons)

    def _attended_at_line(self, possible: int) -> int:
        """The most sessions attended that still count as severely absent."""
        return math.floor(self.line * possible + 1e-9)

    def _fix(self, records: list[_Record], code: int, sessions: int, most: int) -> int:
        """Give a random record `sessions` absences with `code`, at most `most`: how many."""
        record = records[int(self.rnd() * len(records))]
        sessions = min(sessions, record.possible, most)
        if record.fixed_code >= 0 or sessions <= 0:
            return 0
        record.fixed_code, record.fixed = code, sessions
        if code == SUSPENSION:
            record.suspensions = 1
        return sessions

    def _suspend(self, records: list[_Record], times: int, most: int) -> int:
        """Suspensions of one to three days, in different weeks: the sessions they took."""
        sessions = 0
        for _ in range(times):
            sessions += self._fix(
                records, SUSPENSION, 2 * (1 + int(self.rnd() * 3)), most - sessions
            )
        if sessions:
            self.summary.suspended += 1
        return sessions

    def _worsening(self, records: list[_Record], possible: int) -> tuple[int, int, int] | None:
        """Attendance that holds above the severe line so far but has fallen so far over the last
        four weeks that the projection to the end of term is at or below it (the at-risk rule
        of `derived.refresh`). Returns where the last four weeks start and the absences before
        and in them, or None where no such pattern fits (no term left, too few weeks)."""
        latest = records[-1].end
        split = len(records)
        while split and records[split - 1].end > latest - self.recent_days:
            split -= 1
        recent = sum(r.possible for r in records[split:])
        early = possible - recent
        if self.term_end is None or not split or not recent:
            return None
        remaining = 2 * weekdays(max(dt.date.fromordinal(latest + 1), self.today), self.term_end)
        recent_attended = round((0.05 + 0.3 * self.rnd()) * recent)
        # Not severe: attended > line * possible. Projected at or below the line, with a margin
        # for rounding: attended + recent rate * remaining <= line * (possible + remaining).
        low = max(self._attended_at_line(possible) + 1, recent_attended)
        high = min(
            math.floor(
                self.line * (possible + remaining) - recent_attended * remaining / recent - 0.25
            ),
            recent_attended + early,
        )
        if remaining <= 0 or low > high:
            return None
        attended = low + int(self.rnd() * (high - low + 1))
        return split, early - (attended - recent_attended), recent - recent_attended

    def _lines(
        self,
        pupil_id: int,
        records: list[_Record],
        absent: int,
        weights: list[float],
        reasons: Reasons,
    ) -> Iterator[str]:
        rnd = self.rnd
        if len(records) == 1:
            absences = [absent]
        elif absent:
            caps = [r.possible for r in records]
            absences = _allocate(absent, caps, weights, [r.fixed for r in records], rnd)
        else:
            absences = [0] * len(records)
        cumulative, codes = reasons
        parts_most = 2 if self.weekly else 3
        for record, k in zip(records, absences, strict=True):
            record_id = self.next_id
            self.next_id += 1
            n = record.possible
            head = f"{record_id}\t{record.start_text}\t{record.end_text}\t{n}"
            tail = f"{record.suspensions}\t{pupil_id}\t{record.school}\n"
            if not k:
                yield f"{head}\t{n}\t0\t0\t{{}}\t{tail}"
                continue
            counts = [0] * 8
            if record.fixed:
                counts[record.fixed_code] = record.fixed
            left = k - record.fixed
            parts = 1 if left <= 3 else parts_most
            while left:
                parts -= 1
                take = left if parts <= 0 else max(1, int(left * (0.4 + 0.5 * rnd())))
                u = rnd()
                code = codes[-1]
                for upto, candidate in zip(cumulative, codes, strict=True):
                    if u < upto:
                        code = candidate
                        break
                counts[code] += take
                left -= take
            authorised = sum(counts[c] for c in AUTHORISED)
            coded = ", ".join(f'"{KINDS[c]}": {counts[c]}' for c in range(CODES) if counts[c])
            yield f"{head}\t{n - k}\t{authorised}\t{k - authorised}\t{{{coded}}}\t{tail}"


_GROUPS = """
SELECT s.phase, p.year_group, p.sen_status, p.free_school_meals, p.child_in_need,
    p.young_carer, p.youth_justice, p.exploitation_risk, count(*)
FROM schools_pupil p LEFT JOIN schools_school s ON s.id = p.current_school_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""
_ENROLMENTS = """
SELECT e.pupil_id, e.school_id, e.started_on, e.ended_on, s.phase, p.year_group, p.sen_status,
    p.free_school_meals, p.child_in_need, p.young_carer, p.youth_justice, p.exploitation_risk
FROM schools_enrolment e
JOIN schools_pupil p ON p.id = e.pupil_id
LEFT JOIN schools_school s ON s.id = p.current_school_id
WHERE e.started_on <= %(last)s AND (e.ended_on IS NULL OR e.ended_on >= %(first)s)
ORDER BY e.pupil_id, e.started_on
"""


def load(
    *,
    seed: int,
    start_year: int,
    today: dt.date,
    weekly: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> AttendanceSummary:
    """Write the year so far's attendance for every pupil, then their stored figures.

    Runs inside the caller's transaction, after the pupils, enrolments and term dates.
    """
    started = time.monotonic()
    summary = AttendanceSummary(weekly=weekly)
    terms = list(Term.objects.filter(academic_year__start_year=start_year).order_by("starts_on"))
    weeks = school_weeks(terms, today, whole_weeks=weekly)
    if not weeks:
        return summary
    summary.weeks = len(weeks)
    summary.first_day = dt.date.fromordinal(weeks[0].start)
    summary.last_day = dt.date.fromordinal(weeks[-1].end)
    term = Term.objects.current(today)
    # As derived.refresh: the current term's end, unless it is over (a holiday).
    term_end = term.ends_on if term and term.ends_on >= today else None
    if term and term.academic_year.start_year != start_year:
        term_end = None

    table = AttendanceRecord._meta.db_table
    with connection.cursor() as cursor:
        # The pupils and enrolments were copied in this transaction: let the planner know.
        cursor.execute("ANALYZE schools_pupil, schools_enrolment, schools_school")
        cursor.execute(_GROUPS)
        groups = {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}
    pupils = sum(groups.values())
    generator = _Generator(
        random.Random(f"attendance {seed}"),  # noqa: S311 - synthetic data, reproducible by design
        weeks,
        weekly,
        today,
        term_end,
        groups,
        max_id(table) + 1,
        summary,
    )
    first_id = generator.next_id
    params = {"first": summary.first_day, "last": summary.last_day}
    every = max(1, pupils // 10)
    with bulk_load((table,), exclusions=True):
        with connection.connection.cursor(name="seed_demo_enrolments") as enrolments:
            enrolments.execute(_ENROLMENTS, params)
            for batch in _batches(enrolments):
                copy_rows(table, _RECORD_COLUMNS, _chunks(generator, batch))
                if summary.pupils // every != (summary.pupils - len(batch)) // every:
                    log(f"attendance for {summary.pupils:,} of {pupils:,} pupils")
        summary.records = generator.next_id - first_id
        set_identity(table, generator.next_id - 1)
        log(f"{summary.records:,} attendance records; indexes and foreign keys")

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        checks.create_functions(cursor)
        log("figures per pupil")
        every_pupil = (
            f"(SELECT id AS pupil_id, {int(start_year)} AS start_year"  # noqa: S608 - an int
            " FROM schools_pupil)"
        )
        derived.refresh(cursor, affected=every_pupil, today=today)
    summary.seconds = time.monotonic() - started
    return summary


def _batches(cursor: object) -> Iterator[list[tuple[object, ...]]]:
    """Rows fetched in batches that never split one pupil's enrolments."""
    pending: list[tuple[object, ...]] = []
    while True:
        rows = cursor.fetchmany(_FETCH_ROWS)  # type: ignore[attr-defined]
        done = len(rows) < _FETCH_ROWS
        rows = pending + rows
        pending = []
        if not done:
            cut = len(rows)
            while cut and rows[cut - 1][0] == rows[-1][0]:
                cut -= 1
            rows, pending = rows[:cut], rows[cut:]
        if rows:
            yield rows
        if done:
            return


def _chunks(generator: _Generator, rows: list[tuple[object, ...]]) -> Iterator[str]:
    lines: list[str] = []
    far = dt.date.max.toordinal()
    i, count = 0, len(rows)
    while i < count:
        row = rows[i]
        pupil_id = row[0]
        enrolments = []
        while i < count and rows[i][0] == pupil_id:
            _, school, started, ended = rows[i][:4]
            enrolments.append(
                (school, started.toordinal(), ended.toordinal() if ended else far)  # type: ignore[attr-defined]
            )
            i += 1
        lines.extend(generator.pupil(pupil_id, row[4:], enrolments))  # type: ignore[arg-type]
        if len(lines) >= _CHUNK_LINES:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)
