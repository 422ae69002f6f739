"""Every figure of the termly report, defined once and computed in SQL (reports.md, measures 1–15).

`compute(term, …)` answers every measure for the term, each earlier term of its academic year, the
year to date, and the same term and year to date last year, LA-wide or for a set of schools,
filtered and broken down as asked, in rows of one shape, the CSV's:

    (measure, breakdown, breakdown_value, period, numerator, denominator, value)

It runs a constant number of queries whatever the data size: one statement for all the measures
(reports/measures/sql.py), and at most three small ones for names and dates. `drilldown(…)` gives
the SQL selecting the pupils behind any count, from the same parts as the count itself.

Decisions and approximations, where the data model holds no history:

- **Terms**: a term's window runs from the day after the previous term's last day (1 September
  for the first) to its own last day (31 August for the last), so holidays belong to the term that
  follows them and the terms add up to the year. "At term end" is the term's last day, or today
  for the term in progress ("so far").
- **Attendance** counts a record in the term in which its period ends: a weekly record
  straddling the first day of a term counts wholly in that term, and every record in exactly one
  term. At the national scale, where each pupil has one year-to-date record, that record falls in
  the current term: per-term figures there are the year's.
- **Schools**: a record carries its school, so a pupil who moved counts at each school only for
  their sessions there, and LA-wide once for all of them. Persistent and severe absence are judged
  per pupil within each breakdown (a mover at each school on their sessions there).
  Pupil-level measures (6–13) count a pupil at their school at the period's end (their enrolment
  that day, else the school they last left); plans count at each child's school, once LA-wide.
  Reduced timetables count at the school that recorded them.
- **Characteristics** are the pupil's today: the service keeps no history of them.
- **Severe at term end** (6) is year to date by the period's end, as the identification queue
  judges it; "before" is the previous term's end, or for the year's first term (and the whole
  year) the end of the previous year from its stored figures. Pupils with no sessions this year
  are not counted as "no longer severe".
- **Lead professional at term end** (7): a case open at term end whose lead was named by then
  (`lead_professional_since`, or a lead entry in its timeline by then; the type is the current
  lead's), or else the lead of a Family Early Help Plan active then. Plans held elsewhere count
  when current at term end on a case open then.
- **RAG and tier** of cases open at term end are today's ratings; the timeline holds the changes
  but not as data.
- **Reviews due** (10): one 42 days after each plan's agreement and after each review, counted in
  the term in which it fell due; on time if the next review was held no later than that day (day
  42 is on time, day 43 is not). One due today and not yet held is not counted until tomorrow.
- **Readiness to change** (12) spreads the action items of plans active at term end.
"""

import dataclasses
import datetime
import re
import threading
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from reports.measures import sql
from reports.measures.definitions import (
    ATTENDANCE_MEASURES,
    BREAKDOWNS,
    BY_CODE,
    CHARACTERISTICS,
    MEASURES,
    NO_LINK_COORDINATOR,
    PHASES,
    SPLITS,
    Kind,
    Measure,
)
from schools.models import School, Term

__all__ = [
    "BREAKDOWNS",
    "BY_CODE",
    "CHARACTERISTICS",
    "MEASURES",
    "Figures",
    "Filters",
    "Kind",
    "Measure",
    "Period",
    "Row",
    "compute",
    "drilldown_sql",
    "periods_for",
]

ALL = "all"


class Row(NamedTuple):
    measure: str
    breakdown: str  # "all", a breakdown (phase, school…) or a split (rag, plan_type…)
    breakdown_value: str  # its label, as the CSV shows it
    period: str  # a term's slug (2025-26-autumn) or a year's (2025-26)
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | str | None
    key: str = ""  # the breakdown's value as a filter takes it (a school's id…); not in the CSV


@dataclasses.dataclass(frozen=True)
class Period:
    code: str
    label: str
    kind: str  # term, year, last_term, last_year
    name: str  # autumn, spring, summer, or year
    start_year: int
    ord: int
    lo: datetime.date
    hi: datetime.date
    as_of: datetime.date

    def spec(self) -> sql.PeriodSpec:
        return sql.PeriodSpec(
            self.code, self.kind, self.start_year, self.ord, self.lo, self.hi, self.as_of
        )


@dataclasses.dataclass(frozen=True)
class Filters:
    phase: str = ""
    school: int | None = None
    link_coordinator: str = ""  # a user's id, or "none" for schools without one
    characteristic: str = ""

    def narrows_schools(self) -> bool:
        return bool(self.phase or self.school or self.link_coordinator)


def _year_code(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def periods_for(
    term: Term, today: datetime.date | None = None
) -> tuple[list[Period], list[sql.Window]]:
    """The periods reported for a term, and the term windows their attendance is summed over."""
    today = today or timezone.localdate()
    year = term.academic_year.start_year
    terms = list(
        Term.objects.filter(academic_year__start_year__in=[year, year - 1])
        .select_related("academic_year")
        .order_by("starts_on")
    )
    by_year: dict[int, list[Term]] = {year: [], year - 1: []}
    for each in terms:
        by_year[each.academic_year.start_year].append(each)
    this = by_year[year]
    ord_ = next(i for i, each in enumerate(this) if each.pk == term.pk)
    periods: list[Period] = []
    windows: list[sql.Window] = []

    def window(start_year: int, i: int) -> sql.Window:
        return sql.year_windows(start_year, [t.ends_on for t in by_year[start_year]])[i]

    for i, each in enumerate(this[: ord_ + 1]):
        w = window(year, i)
        windows.append(w)
        periods.append(
            Period(
                each.slug,
                f"{each.get_name_display()} {_year_label(year)}",
                "term",
                each.name,
                year,
                i,
                w.lo,
                w.hi,
                min(each.ends_on, today),
            )
        )
    current = periods[-1]
    periods.append(
        Period(
            _year_code(year),
            f"{_year_label(year)} to date",
            "year",
            "year",
            year,
            ord_,
            datetime.date(year, 9, 1),
            current.hi,
            current.as_of,
        )
    )
    last_year = by_year[year - 1]
    same = next((i for i, each in enumerate(last_year) if each.name == term.name), None)
    if same is not None:
        for i in range(same + 1):
            windows.append(window(year - 1, i))
        before = last_year[same]
        w = windows[-1]
        periods.append(
            Period(
                before.slug,
                f"{before.get_name_display()} {_year_label(year - 1)}",
                "last_term",
                before.name,
                year - 1,
                same,
                w.lo,
                w.hi,
                min(before.ends_on, today),
            )
        )
        periods.append(
            Period(
                _year_code(year - 1),
                f"{_year_label(year - 1)} to the end of {before.get_name_display().lower()}",
                "last_year",
                "year",
                year - 1,
                same,
                datetime.date(year - 1, 9, 1),
                w.hi,
                min(before.ends_on, today),
            )
        )
    return periods, windows


def _schools_counted(
    schools: "Iterable[int] | QuerySet[School] | None", filters: Filters
) -> tuple[int, ...] | None:
    if schools is None and not filters.narrows_schools():
        return None
    chosen = School.objects.all()
    if schools is not None:
        if isinstance(schools, QuerySet):
            chosen = chosen.filter(pk__in=schools.values_list("pk", flat=True))
        else:
            chosen = chosen.filter(pk__in=list(schools))
    if filters.phase:
        chosen = chosen.filter(phase=filters.phase)
    if filters.school:
        chosen = chosen.filter(pk=filters.school)
    if filters.link_coordinator == "none":
        chosen = chosen.filter(link_assignments__isnull=True)
    elif filters.link_coordinator:
        chosen = chosen.filter(link_assignments__user_id=int(filters.link_coordinator))
    return tuple(chosen.values_list("pk", flat=True).distinct())


def _spec(
    term: Term,
    *,
    schools: "Iterable[int] | QuerySet[School] | None",
    filters: Filters,
    breakdown: str,
    today: datetime.date | None,
) -> tuple[sql.Spec, list[Period]]:
    if breakdown and breakdown not in BREAKDOWNS:
        raise ValueError(f"no breakdown {breakdown!r}")
    if filters.characteristic and filters.characteristic not in CHARACTERISTICS:
        raise ValueError(f"no characteristic {filters.characteristic!r}")
    today = today or timezone.localdate()
    periods, windows = periods_for(term, today)
    spec = sql.Spec(
        periods=tuple(p.spec() for p in periods),
        windows=tuple(windows),
        schools=_schools_counted(schools, filters),
        characteristic=filters.characteristic,
        breakdown=breakdown,
        today=today,
        persistent=float(settings.PERSISTENT_ABSENCE_THRESHOLD),
        severe=float(settings.SEVERE_ABSENCE_THRESHOLD),
        time_zone=settings.TIME_ZONE,
    )
    return spec, periods


# Results ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    term_id: int
    periods: list[Period]
    rows: list[Row]
    breakdown: str = ""

    def __post_init__(self) -> None:
        self._index = {(r.measure, r.period, r.breakdown, r.key): r for r in self.rows}

    def get(self, measure: str, period: str, breakdown: str = ALL, key: str = "") -> Row | None:
        return self._index.get((measure, period, breakdown, key))

    def split(self, measure: str, period: str, breakdown: str) -> list[Row]:
        return [
            r for r in self.rows if r.measure == measure and r.period == period
            and r.breakdown == breakdown
        ]  # fmt: skip

    def period(self, kind: str) -> Period | None:
        return next((p for p in self.periods if p.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "term_id": self.term_id,
            "breakdown": self.breakdown,
            "periods": [
                {**dataclasses.asdict(p), "lo": p.lo.isoformat(), "hi": p.hi.isoformat(),
                 "as_of": p.as_of.isoformat()}
                for p in self.periods
            ],
            "rows": [[None if v is None else str(v) for v in row] for row in self.rows],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Figures":
        periods = [
            Period(**{**p, **{k: datetime.date.fromisoformat(p[k]) for k in ("lo", "hi", "as_of")}})
            for p in data["periods"]
        ]
        rows = []
        for measure, breakdown, label, period, num, den, value, key in data["rows"]:
            kind = BY_CODE[measure].kind
            rows.append(
                Row(
                    measure,
                    breakdown,
                    label,
                    period,
                    None if num is None else Decimal(num),
                    None if den is None else Decimal(den),
                    value if kind == Kind.DATE or value is None else Decimal(value),
                    key,
                )
            )
        return cls(data["term_id"], periods, rows, data["breakdown"])


def _quantize(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _value(measure: Measure, num: Decimal | None, den: Decimal | None, median: Any) -> Any:
    if measure.kind == Kind.RATE:
        return _quantize(100 * num / den, "0.1") if num is not None and den else None
    if measure.kind == Kind.PER_100:
        return _quantize(100 * num / den, "0.01") if num is not None and den else None
    if measure.kind == Kind.MEAN:
        return _quantize(num / den, "0.1") if num is not None and den else None
    if measure.kind == Kind.MEDIAN:
        return _quantize(Decimal(median), "0.1") if median is not None else None
    return num


# Counts: measures whose missing rows mean zero.
_ZERO_FILLED = (Kind.RATE, Kind.COUNT, Kind.PER_100)


def _assemble(
    raw: list[tuple[Any, ...]],
    spec: sql.Spec,
    periods: list[Period],
    measures: tuple[Measure, ...] = MEASURES,
) -> list[tuple[str, str, str, str, Decimal | None, Decimal | None, Any]]:
    """(measure, dim, key, period, numerator, denominator, value), zeros filled in."""
    found: dict[tuple[str, str, str, str], tuple[Any, Any, Any]] = {}
    keys_by_dim: dict[str, set[str]] = {}
    for measure, period, dim, bucket, num, den, median in raw:
        found[(measure, period, dim, bucket)] = (num, den, median)
        if dim:
            keys_by_dim.setdefault(dim, set()).add(bucket)
    dims = [spec.breakdown] if spec.breakdown else []
    out = []
    for measure in measures:
        if measure.kind == Kind.DATE:
            continue
        splits = {
            dim for (m, _, dim, _) in found if m == measure.code and dim in SPLITS
        }  # fmt: skip
        measure_dims = dims + (["phase"] if measure.code in ATTENDANCE_MEASURES else [])
        for period in periods:
            cells = [("", "")]
            for dim in dict.fromkeys(measure_dims):
                cells += [(dim, key) for key in sorted(keys_by_dim.get(dim, ()))]
            for dim in sorted(splits):
                known = SPLITS[dim][1].keys() if dim != "case_link_coordinator" else ()
                keys = {k for (m, p, d, k) in found if m == measure.code and d == dim} | set(known)
                cells += [(dim, key) for key in sorted(keys)]
            for dim, key in cells:
                num, den, median = found.get((measure.code, period.code, dim, key), (None,) * 3)
                if num is None and measure.kind in _ZERO_FILLED:
                    num = Decimal(0)
                if den is None and measure.denominator:
                    # A split's share is of the whole; a breakdown's, of its own bucket.
                    den_cell = ("", "") if dim in SPLITS else (dim, key)
                    den = found.get((measure.denominator, period.code, *den_cell), (None,))[0]
                    den = Decimal(0) if den is None else den
                if den is None and measure.kind in (Kind.RATE, Kind.PER_100):
                    den = Decimal(0)
                if measure.kind == Kind.MEDIAN:
                    num = None
                out.append(
                    (measure.code, dim, key, period.code, num, den,
                     _value(measure, num, den, median))
                )  # fmt: skip
    return out


def _school_dates(schools: Iterable[int]) -> list[tuple[int, Any, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.id,
                (SELECT max(ai.finished_at) FROM attendance_attendanceimport ai
                 WHERE ai.status = 'imported' AND s.id = ANY(ai.school_ids)),
                (SELECT r.period_end FROM attendance_attendancerecord r WHERE r.school_id = s.id
                 ORDER BY r.period_end DESC LIMIT 1)
            FROM schools_school s WHERE s.id = ANY(%s)""",
            [list(schools)],
        )
        return list(cursor.fetchall())


def _labels(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[str, str], str]:
    school_ids = {int(r[2]) for r in rows if r[1] == "school" and r[2]}
    user_ids = {
        int(r[2]) for r in rows if r[1] in ("link_coordinator", "case_link_coordinator") and r[2]
    }
    labels: dict[tuple[str, str], str] = {}
    if school_ids:
        for pk, name in School.objects.filter(pk__in=school_ids).values_list("pk", "name"):
            labels[("school", str(pk))] = name
    if user_ids:
        for pk, name in User.objects.filter(pk__in=user_ids).values_list("pk", "full_name"):
            labels[("link_coordinator", str(pk))] = name
            labels[("case_link_coordinator", str(pk))] = name
    return labels


def label_for(dim: str, key: str, labels: dict[tuple[str, str], str]) -> str:
    if not dim:
        return "All"
    if dim == "phase":
        return str(PHASES.get(key, key))
    if dim == "characteristic":
        return CHARACTERISTICS[key][0]
    if dim in ("link_coordinator", "case_link_coordinator") and not key:
        return NO_LINK_COORDINATOR
    if dim in SPLITS and dim != "case_link_coordinator":
        return str(SPLITS[dim][1].get(key, key))
    return labels.get((dim, key), key)


def _fresh_summaries(spec: sql.Spec) -> bool:
    """Whether the stored attendance summaries can answer for the spec, brought up to date."""
    if not sql.can_summarise(spec):
        return False
    from reports import summary  # noqa: PLC0415 - it reads this package's SQL

    return summary.ensure_fresh([w.start_year for w in spec.windows])


def _run(statement: str, spec: sql.Spec) -> list[tuple[Any, ...]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.SESSION)
        cursor.execute(statement, sql.params(spec))
        return list(cursor.fetchall())


def _side_by_side_possible(spec: sql.Spec) -> bool:
    """LA-wide figures, outside any transaction (which would have to be their snapshot), and
    not turned off (REPORTS_SIDE_BY_SIDE): the only ones slow enough to be worth a second
    connection."""
    return (
        spec.schools is None
        and not connection.in_atomic_block
        and bool(getattr(settings, "REPORTS_SIDE_BY_SIDE", True))
    )


def _side_by_side(spec: sql.Spec, summarised: bool) -> list[tuple[Any, ...]]:
    """Both halves of the measures (sql.PARTS) at once, each on its own connection (so on its
    own core), reading one snapshot: the plans' half in a thread, the rest here."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    failed: list[BaseException] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]

        def plans() -> None:
            try:
                with transaction.atomic(), connection.cursor() as other:  # the thread's own
                    other.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    other.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                    other.execute(sql.SIDE_BY_SIDE_SESSION)
                    other.execute(sql.statement(spec, summary=summarised, part="plans"),
                                  sql.params(spec))  # fmt: skip
                    found["plans"] = list(other.fetchall())
            except BaseException as error:  # raised again in the caller
                failed.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=plans, name="measures-plans")
        thread.start()
        try:
            cursor.execute(sql.SIDE_BY_SIDE_SESSION)
            cursor.execute(sql.statement(spec, summary=summarised, part="people"), sql.params(spec))
            found["people"] = list(cursor.fetchall())
        finally:
            thread.join()
    if failed:
        raise failed[0]
    return found["people"] + found["plans"]


def compute(
    term: Term,
    *,
    schools: "Iterable[int] | QuerySet[School] | None" = None,
    filters: Filters | None = None,
    breakdown: str = "",
    today: datetime.date | None = None,
    from_summaries: bool = True,
    attendance_only: bool = False,
) -> Figures:
    """Every measure for the term (and the periods around it), for the given schools (None:
    LA-wide, including pupils at no school), filtered and broken down; with `attendance_only`,
    measures 1–4 alone (a fraction of the time at national scale).

    Measures 1–4 come from the stored attendance summaries (reports.summary), brought up to date
    first; `from_summaries=False` reads every pupil's records instead, as a check on them."""
    filters = filters or Filters()
    spec, periods = _spec(term, schools=schools, filters=filters, breakdown=breakdown, today=today)
    summarised = from_summaries and _fresh_summaries(spec)
    # A period the same as another (in autumn, the term and the year to date) is computed once.
    distinct, computed_as = sql.without_repeats(spec)
    if attendance_only:
        found = _run(sql.attendance_statement(distinct, summary=summarised), distinct)
    elif _side_by_side_possible(spec):
        found = _side_by_side(distinct, summarised)
    else:
        found = _run(sql.statement(distinct, summary=summarised), distinct)
    raw = [
        (m, periods[j].code, *rest)
        for m, i, *rest in found
        for j, k in enumerate(computed_as)
        if k == i
    ]
    chosen = (
        tuple(m for m in MEASURES if m.code in ATTENDANCE_MEASURES) if attendance_only else MEASURES
    )
    cells = _assemble(raw, spec, periods, chosen)
    dated: list[tuple[int, Any, Any]] = []
    if breakdown == "school" or (spec.schools is not None and len(spec.schools) == 1):
        in_scope = spec.schools if spec.schools is not None else [
            int(key) for (_, dim, key, *_rest) in cells if dim == "school" and key
        ]  # fmt: skip
        dated = _school_dates(sorted(set(in_scope)))
    labels = _labels(
        [(c[0], c[1], c[2]) for c in cells] + [("", "school", str(d[0])) for d in dated]
    )
    current = next(p for p in periods if p.kind == "term" and p.code == term.slug)
    rows = [
        Row(
            measure,
            dim or ALL,
            label_for(dim, key, labels),
            period,
            num,
            den,
            value,
            key,
        )
        for measure, dim, key, period, num, den, value in cells
    ]
    for school_id, imported_at, data_to in dated:
        key = str(school_id)
        label = labels.get(("school", key), key)
        imported = timezone.localtime(imported_at).date().isoformat() if imported_at else None
        rows.append(
            Row("latest_import_on", "school", label, current.code, None, None, imported, key)
        )
        rows.append(
            Row(
                "latest_data_to",
                "school",
                label,
                current.code,
                None,
                None,
                data_to.isoformat() if data_to else None,
                key,
            )
        )
    return Figures(term.pk, periods, rows, breakdown)


# Drill-down ---------------------------------------------------------------------------------


_NAMED = re.compile(r"%\((\w+)\)s")


def positional(text: str, named: dict[str, Any]) -> tuple[str, list[Any]]:
    """The statement with %s placeholders and its parameters in order, for RawSQL."""
    values: list[Any] = []

    def take(match: re.Match[str]) -> str:
        values.append(named[match.group(1)])
        return "%s"

    return _NAMED.sub(take, text), values


def drilldown_sql(
    term: Term,
    *,
    measure: str,
    period: str,
    schools: "Iterable[int] | QuerySet[School] | None" = None,
    filters: Filters | None = None,
    split: tuple[str, str] = ("", ""),
    today: datetime.date | None = None,
    from_summaries: bool = True,
) -> tuple[str, list[Any]]:
    """SQL selecting the ids of the pupils behind a count (`pupil_id`), with its parameters.

    The same parts of the same statement as the count, so the list is the count's pupils (then
    narrowed, by the caller, to those the viewer may see).
    """
    definition = BY_CODE.get(measure)
    if definition is None or not definition.drilldown:
        raise ValueError(f"no list of pupils behind {measure!r}")
    filters = filters or Filters()
    spec, periods = _spec(term, schools=schools, filters=filters, breakdown="", today=today)
    if period not in {p.code for p in periods}:
        raise ValueError(f"no period {period!r} for {term}")
    index = [p.code for p in periods].index(period)
    summarised = from_summaries and measure not in ATTENDANCE_MEASURES and _fresh_summaries(spec)
    named = sql.params(spec) | {
        "d_measure": measure,
        "d_period": index,
        "d_dim": split[0],
        "d_val": split[1],
    }
    return positional(sql.drilldown_statement(spec, measure, index, summary=summarised), named)
