"""The termly report's figures as they may leave the service, and laid out for the board pack.

What leaves the service (PDF, CSV) is suppressed (reports.md, "Small numbers"): a count of 1 to
REPORT_SUPPRESS_BELOW - 1 for a school or a pupil characteristic is shown as "<6" and any rate
made from it as "[c]"; so is one for a phase or a link co-ordinator's schools when that group is a
single school. LA-wide figures, other phases and link co-ordinators' groups and LA-wide splits
are not. The stored figures are unsuppressed: they are the service's own record, shown on screen.
Nothing here writes; the layout queries nothing.
"""

import csv
import dataclasses
import datetime
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from attendance_tracker.csv_export import safe_cell
from reports import dashboard
from reports.dashboard import Cell, display
from reports.measures import BY_CODE, MEASURES, Figures, Kind, Period, Row, compute
from reports.measures.definitions import ATTENDANCE_MEASURES, SPLITS
from reports.models import Target, TermlyReport
from schools.models import School, Term

CSV_HEADER = (
    "measure",
    "breakdown",
    "breakdown_value",
    "period",
    "numerator",
    "denominator",
    "value",
)
SUPPRESSED = "[c]"  # the Government Statistical Service's mark for a figure withheld
NO_FIGURE = "–"
# Breakdowns of the LA's report: "" gives the LA's totals, the phases of the attendance measures
# and the splits (RAG, plan type…); the others add their buckets.
LA_BREAKDOWNS = ("", "phase", "school", "link_coordinator", "characteristic")
SUBJECT_BREAKDOWNS = ("school", "characteristic")
# Overall absence counts sessions, not children: it is withheld with the count of pupils behind it.
PUPILS_BEHIND = {"overall_absence": "persistent_absence"}


def suppress_below() -> int:
    """Counts from 1 to this less one are withheld outside the service (reports.md: 6)."""
    return int(getattr(settings, "REPORT_SUPPRESS_BELOW", 6))


# Figures ---------------------------------------------------------------------------------------

_BREAKDOWN_ORDER = {name: i for i, name in enumerate(("all", *LA_BREAKDOWNS[1:], *SPLITS))}
_MEASURE_ORDER = {m.code: i for i, m in enumerate(MEASURES)}


def merged(term: Term, parts: Iterable[Figures]) -> Figures:
    """Several breakdowns of the same computation as one set of rows, each row once, in the
    CSV's order: measure, breakdown, its value, period."""
    parts = list(parts)
    periods = parts[0].periods
    order = {p.code: i for i, p in enumerate(periods)}
    rows: dict[tuple[str, str, str, str], Row] = {}
    for part in parts:
        for row in part.rows:
            rows.setdefault((row.measure, row.breakdown, row.key, row.period), row)
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            _MEASURE_ORDER.get(r.measure, 999),
            _BREAKDOWN_ORDER.get(r.breakdown, 99),
            r.breakdown_value.casefold(),
            r.key,
            order.get(r.period, 99),
        ),
    )
    return Figures(term.pk, periods, ordered, "all")


def la_figures(term: Term, today: datetime.date) -> Figures:
    return merged(term, (compute(term, breakdown=b, today=today) for b in LA_BREAKDOWNS))


def school_figures(term: Term, school: School, today: datetime.date) -> Figures:
    parts = (
        compute(term, schools=[school.pk], breakdown=b, today=today) for b in ("", "characteristic")
    )
    return merged(term, parts)


# Small numbers ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Shown:
    """A row's numerator, denominator and value as they may leave the service (CSV text)."""

    numerator: str
    denominator: str
    value: str
    suppressed: bool = False


def _plain(value: Decimal | str | None) -> str:
    return "" if value is None else str(value)


# Breakdowns whose buckets are groups of schools: one holding a single school is that school.
SCHOOL_GROUPS = ("phase", "link_coordinator")


def lone_schools(figures: Figures) -> frozenset[tuple[str, str]]:
    """The (breakdown, key) of each phase or link co-ordinator's group of one open school, from
    the figures' own count of schools in each: its figures are that school's."""
    return frozenset(
        (row.breakdown, row.key)
        for row in figures.rows
        if row.measure == "schools_in_scope"
        and row.breakdown in SCHOOL_GROUPS
        and row.numerator == 1
    )


def is_subject(
    row: Row, *, school_scope: bool, lone: frozenset[tuple[str, str]] = frozenset()
) -> bool:
    """Whether the row is a figure for a school or a characteristic (every row of a school's),
    counting a group of one school (see lone_schools) as that school."""
    return school_scope or row.breakdown in SUBJECT_BREAKDOWNS or (row.breakdown, row.key) in lone


def shown(row: Row, *, subject: bool, pupils: Decimal | None = None) -> Shown:
    """The row as it leaves the service; `pupils` is the count behind a sessions measure."""
    plain = Shown(_plain(row.numerator), _plain(row.denominator), _plain(row.value))
    measure = BY_CODE[row.measure]
    if not subject or measure.kind == Kind.DATE or measure.unit == "schools":
        return plain
    below = suppress_below()
    small = f"<{below}"

    def is_small(count: Decimal | None) -> bool:
        return count is not None and 0 < count < below

    if row.measure in PUPILS_BEHIND:
        return Shown(SUPPRESSED, SUPPRESSED, SUPPRESSED, True) if is_small(pupils) else plain
    if measure.kind in (Kind.MEAN, Kind.MEDIAN):
        if not is_small(row.denominator):
            return plain
        numerator = SUPPRESSED if row.numerator is not None else ""
        return Shown(numerator, small, SUPPRESSED if row.value is not None else "", True)
    num_small, den_small = is_small(row.numerator), is_small(row.denominator)
    if not (num_small or den_small):
        return plain
    numerator = small if num_small else plain.numerator
    denominator = small if den_small else plain.denominator
    # A count is its own value; any other value (a rate, per 100) is made from the counts.
    value = SUPPRESSED if row.value is not None else ""
    return Shown(numerator, denominator, numerator if measure.kind == Kind.COUNT else value, True)


def pupils_behind(figures: Figures, row: Row) -> Decimal | None:
    other = PUPILS_BEHIND.get(row.measure)
    if other is None:
        return None
    behind = figures.get(other, row.period, row.breakdown, row.key)
    return behind.denominator if behind else None


# CSV -------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _csv_cell(value: str) -> str:
    # A number is written as a number (a spreadsheet reads -2.5 as minus 2.5, not a formula);
    # every other cell, labels and school names included, is made safe from formulas.
    return value if _NUMBER.fullmatch(value) else safe_cell(value)


def csv_rows(figures: Figures, *, school_scope: bool) -> Iterator[tuple[str, ...]]:
    lone = lone_schools(figures)
    for row in figures.rows:
        subject = is_subject(row, school_scope=school_scope, lone=lone)
        out = shown(row, subject=subject, pupils=pupils_behind(figures, row))
        yield (
            row.measure,
            row.breakdown,
            row.breakdown_value,
            row.period,
            out.numerator,
            out.denominator,
            out.value,
        )


def write_csv(figures: Figures, path: Path, *, school_scope: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in csv_rows(figures, school_scope=school_scope):
            writer.writerow([_csv_cell(cell) for cell in row])


# What the board pack and the version page show -------------------------------------------------


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _count(text: str) -> str:
    number = _decimal(text) if text and not text.startswith(("<", "[")) else None
    return f"{number:,.0f}" if number is not None else text


class View:
    """Figures as one audience sees them: suppressed for the PDF, as stored on screen.

    Unsuppressed cells are the dashboard's own (reports/dashboard.display), so a figure reads
    the same on the dashboard, in the PDF and on the version page.
    """

    def __init__(self, figures: Figures, *, suppress: bool, school_scope: bool) -> None:
        self.figures = figures
        self.suppress = suppress
        self.school_scope = school_scope
        self.lone = lone_schools(figures) if suppress else frozenset()

    def shown(self, row: Row) -> Shown | None:
        """The row as it leaves the service, or None if nothing in it is withheld."""
        if not self.suppress or not is_subject(row, school_scope=self.school_scope, lone=self.lone):
            return None
        out = shown(row, subject=True, pupils=pupils_behind(self.figures, row))
        return out if out.suppressed else None

    def cell(self, measure: str, period: str | None, breakdown: str = "all", key: str = "") -> Cell:
        row = self.figures.get(measure, period, breakdown, key) if period else None
        definition = BY_CODE[measure]
        withheld = self.shown(row) if row is not None else None
        if row is None or withheld is None:
            return display(definition, row)
        if definition.kind == Kind.COUNT:
            of = f"of {_count(withheld.denominator)}" if definition.denominator else ""
            return Cell(withheld.value, of)
        if definition.kind == Kind.PER_100:
            return Cell(withheld.value, f"{withheld.numerator} in {withheld.denominator} pupils")
        if definition.kind in (Kind.MEAN, Kind.MEDIAN):
            return Cell(withheld.value, f"{definition.unit}, over {withheld.denominator}")
        return Cell(
            withheld.value, f"{_count(withheld.numerator)} of {_count(withheld.denominator)}"
        )

    def for_charts(self) -> Figures:
        """The figures with every withheld value taken out, for the dashboard's charts."""
        if not self.suppress:
            return self.figures
        rows = [
            row._replace(value=None, numerator=None, denominator=None)
            if self.shown(row) is not None
            else row
            for row in self.figures.rows
        ]
        return Figures(self.figures.term_id, self.figures.periods, rows, self.figures.breakdown)


# The measures on each school's page, with the LA's beside them.
SCHOOL_PAGE = (
    "overall_absence",
    "persistent_absence",
    "severe_absence",
    "suspensions_per_100",
    "severe_at_term_end",
    "newly_severe",
    "with_lead",
    "with_plan",
    "with_lead_and_plan",
    "without_lead_or_plan",
    "not_discussed_14_days",
    "cases_open",
    "plans_active",
    "reviews_on_time",
    "plans_overdue",
    "rtt_on_at_end",
    "rtt_over_6_weeks",
    "rtt_over_6_weeks_no_return_plan",
    "c2_without_rtt",
)
PHASE_COLUMNS = ("overall_absence", "persistent_absence", "severe_absence", "suspensions_per_100")
LINK_COORDINATOR_COLUMNS = (
    "persistent_absence",
    "severe_at_term_end",
    "with_lead_and_plan",
    "cases_open",
)
CHARACTERISTIC_COLUMNS = (
    "overall_absence",
    "persistent_absence",
    "severe_absence",
    "severe_at_term_end",
    "with_lead_and_plan",
)


def _term_period(figures: Figures) -> Period:
    return [p for p in figures.periods if p.kind == "term"][-1]


@dataclasses.dataclass(frozen=True)
class MeasureRow:
    label: str
    cells: list[Cell]
    split: bool = False


@dataclasses.dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[MeasureRow]
    hint: str = ""


def measure_tables(view: View) -> list[Table]:
    """Every measure for every period, in the dashboard's sections, each with its splits."""
    periods = view.figures.periods
    splits: dict[str, dict[tuple[str, str], str]] = {}
    for row in view.figures.rows:
        if row.breakdown in SPLITS:
            splits.setdefault(row.measure, {})[(row.breakdown, row.key)] = row.breakdown_value
    tables = []
    for title, codes in dashboard.SECTIONS:
        rows = []
        for code in codes:
            rows.append(MeasureRow(BY_CODE[code].label, [view.cell(code, p.code) for p in periods]))
            for (dim, key), label in sorted(splits.get(code, {}).items()):
                cells = [view.cell(code, p.code, dim, key) for p in periods]
                rows.append(MeasureRow(f"{SPLITS[dim][0]}: {label}", cells, split=True))
        tables.append(Table(title, [p.label for p in periods], rows))
    return tables


def breakdown_table(
    view: View, breakdown: str, title: str, measures: Sequence[str], hint: str = ""
) -> Table | None:
    term = _term_period(view.figures)
    year = view.figures.period("year") or term
    keys: dict[str, str] = {}
    for row in view.figures.rows:
        if row.breakdown == breakdown:
            keys.setdefault(row.key, row.breakdown_value)
    if not keys:
        return None
    rows = []
    for key, label in sorted(keys.items(), key=lambda item: item[1].casefold()):
        # Attendance is read year to date; pupils, cases and plans at term end.
        cells = [
            view.cell(code, (year if code in ATTENDANCE_MEASURES else term).code, breakdown, key)
            for code in measures
        ]
        rows.append(MeasureRow(label, cells))
    return Table(title, [BY_CODE[code].label for code in measures], rows, hint)


@dataclasses.dataclass(frozen=True)
class SchoolPage:
    name: str
    urn: str
    phase: str
    link_coordinators: str
    rows: list[MeasureRow]
    latest_import: str
    data_to: str


def school_pages(
    view: View, la_view: View, schools: Sequence[dict[str, Any]]
) -> Iterator[SchoolPage]:
    """A page per school: its term and year to date, and the LA's year to date beside them."""
    term = _term_period(view.figures)
    year = view.figures.period("year") or term
    breakdown = "all" if view.school_scope else "school"
    for school in schools:
        key = "" if view.school_scope else str(school["id"])
        rows = [
            MeasureRow(
                BY_CODE[code].label,
                [
                    view.cell(code, term.code, breakdown, key),
                    view.cell(code, year.code, breakdown, key),
                    la_view.cell(code, year.code),
                ],
            )
            for code in SCHOOL_PAGE
        ]
        dated = view.figures.get("latest_import_on", term.code, "school", str(school["id"]))
        data_to = view.figures.get("latest_data_to", term.code, "school", str(school["id"]))
        yield SchoolPage(
            name=school["name"],
            urn=school["urn"],
            phase=school["phase"],
            link_coordinators=", ".join(school["link_coordinators"]) or "None assigned",
            rows=rows,
            latest_import=_date_text(dated),
            data_to=_date_text(data_to),
        )


def _date_text(row: Row | None) -> str:
    if row is None or not row.value:
        return "none"
    return datetime.date.fromisoformat(str(row.value)).strftime("%-d %B %Y")


# The stored snapshot ---------------------------------------------------------------------------


@dataclasses.dataclass
class Snapshot:
    """What a version stores in `figures`, read back."""

    scope: str
    school: dict[str, Any] | None
    figures: Figures
    la: Figures
    targets: list[dict[str, Any]]
    schools: list[dict[str, Any]]
    packs: list[dict[str, Any]]

    @property
    def school_scope(self) -> bool:
        return self.scope == TermlyReport.Scope.SCHOOL

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "school": self.school,
            "figures": self.figures.to_json(),
            "la": self.la.to_json() if self.la is not self.figures else None,
            "targets": self.targets,
            "schools": self.schools,
            "packs": self.packs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Snapshot":
        figures = Figures.from_json(data["figures"])
        return cls(
            scope=data["scope"],
            school=data["school"],
            figures=figures,
            la=Figures.from_json(data["la"]) if data.get("la") else figures,
            targets=data["targets"],
            schools=data["schools"],
            packs=data.get("packs", []),
        )


def stored_target(data: dict[str, Any]) -> Target:
    """A target as it stood at the cut-off (never saved: the stored report keeps its own copy)."""
    return Target(
        measure=data["measure"],
        phase=data["phase"],
        label=data["label"],
        baseline=None if data["baseline"] is None else Decimal(data["baseline"]),
        baseline_label=data["baseline_label"],
        target=Decimal(data["target"]),
        lower_is_better=data["lower_is_better"],
    )


def board_context(snapshot: Snapshot, *, suppress: bool) -> dict[str, Any]:
    """Everything the board pack (suppressed) and the version page (not) show.

    The board against targets and the charts are the dashboard's (reports/dashboard.py), drawn
    from the stored figures, with withheld figures left out of the charts.
    """
    school_scope = snapshot.school_scope
    view = View(snapshot.figures, suppress=suppress, school_scope=school_scope)
    la_view = View(snapshot.la, suppress=False, school_scope=False)
    term = _term_period(snapshot.figures)
    for_charts = view.for_charts()
    charts = [dashboard.trend_chart(for_charts)]
    if not school_scope:
        charts.append(dashboard.phase_chart(for_charts, term.code))
    charts.append(dashboard.coverage_chart(for_charts, term.code))
    tables = [
        None
        if school_scope
        else breakdown_table(view, "phase", "By phase", PHASE_COLUMNS, "Year to date."),
        None
        if school_scope
        else breakdown_table(
            view,
            "link_coordinator",
            "By link co-ordinator’s schools",
            LINK_COORDINATOR_COLUMNS,
            "Absence year to date; pupils and cases at term end.",
        ),
        breakdown_table(
            view,
            "characteristic",
            "By pupil characteristic",
            CHARACTERISTIC_COLUMNS,
            "Absence year to date; severely absent pupils and their coverage at term end.",
        ),
    ]
    targets = [stored_target(data) for data in snapshot.targets]
    return {
        "term_period": term,
        "year_period": snapshot.figures.period("year"),
        "columns": dashboard.COLUMNS,
        "board": [] if school_scope else dashboard.board(snapshot.la, targets, None),
        "charts": charts,
        "measure_tables": measure_tables(view),
        "breakdown_tables": [table for table in tables if table is not None],
        "school_pages": school_pages(view, la_view, snapshot.schools),
        "suppress_below": suppress_below(),
        "school_scope": school_scope,
    }
