"""What the dashboard shows, laid out from the computed figures: the board against targets, a
section per group of measures, the breakdown, and the charts with their tables.

Nothing here queries the database but `figures_html`, which computes the figures first: the rest
arranges `measures.Figures` and the targets.
"""

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from reports import charts, measures, selectors
from reports.measures import BREAKDOWNS, BY_CODE, Figures, Kind, Measure, Row
from reports.measures.definitions import SPLITS
from reports.models import Target
from reports.selectors import Status, better, target_status
from schools.models import Term

TERM_NAMES = ("autumn", "spring", "summer")
COLUMNS = ("Autumn", "Spring", "Summer", "Year to date")

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Attendance",
        ("overall_absence", "persistent_absence", "severe_absence", "suspensions_per_100",
         "schools_without_data"),
    ),
    (
        "Severely absent pupils",
        ("severe_at_term_end", "newly_severe", "no_longer_severe", "severe_no_attendance",
         "severe_ehcp", "severe_primary_age", "severe_secondary_age", "with_lead", "with_fehp",
         "with_plan", "with_lead_and_plan", "without_lead_or_plan", "not_discussed_14_days"),
    ),
    ("Cases", ("cases_open", "cases_opened", "cases_closed", "step_ups", "step_downs")),
    (
        "Family Early Help Plans",
        ("plans_active", "plans_started", "plans_closed", "plans_stepped_up", "plan_lead_changes",
         "reviews_due", "reviews_on_time", "plans_overdue", "days_overdue", "impact_plans",
         "impact_attendance_change", "impact_improved_10", "impact_was_severe",
         "impact_no_longer_severe", "aspect_change_parent", "aspect_change_child", "readiness",
         "plans_audited"),
    ),
    (
        "Reduced timetables",
        ("rtt_started", "rtt_on_at_end", "rtt_ended", "rtt_over_6_weeks",
         "rtt_over_6_weeks_no_return_plan", "rtt_ended_full_time", "c2_without_rtt"),
    ),
)  # fmt: skip

# The measures shown side by side when the figures are broken down.
BREAKDOWN_MEASURES = (
    "overall_absence",
    "persistent_absence",
    "severe_at_term_end",
    "with_lead_and_plan",
    "cases_open",
    "rtt_on_at_end",
)


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    detail: str = ""  # "45 of 366"
    drill: str = ""  # the drill-down's URL, for a count of pupils

    @property
    def empty(self) -> bool:
        return self.text == "–"

    def html(self, what: str) -> SafeString:
        """The figure, linked to the pupils behind it when there are any, with its detail.

        Built here rather than by a template include: a dashboard has hundreds of cells.
        `what` says what the figure is, for screen readers (the headers say it visually).
        """
        if self.drill:
            shown = format_html(
                '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> – list '
                "the pupils: {}</span></a>",
                self.drill,
                self.text,
                what,
            )
        elif self.empty:
            shown = mark_safe(
                '<span aria-hidden="true">–</span><span class="govuk-visually-hidden">No figure'
                "</span>"
            )
        else:
            shown = format_html("{}", self.text)
        if self.detail:
            return format_html('{}<br><span class="govuk-body-s">{}</span>', shown, self.detail)
        return shown


EMPTY = Cell("–")


def _count(value: Decimal | None) -> str:
    return f"{int(value):,}" if value is not None else "–"


def display(measure: Measure, row: Row | None) -> Cell:
    if row is None:
        return EMPTY
    value = row.value
    if measure.kind == Kind.DATE:
        return Cell(str(value) if value else "None")
    if not isinstance(value, Decimal):
        return EMPTY
    if measure.kind == Kind.RATE:
        return Cell(f"{value}%", f"{_count(row.numerator)} of {_count(row.denominator)}")
    if measure.kind == Kind.COUNT:
        of = f"of {_count(row.denominator)}" if measure.denominator else ""
        return Cell(_count(value), of)
    if measure.kind == Kind.PER_100:
        return Cell(f"{value}", f"{_count(row.numerator)} in {_count(row.denominator)} pupils")
    if measure.kind == Kind.MEAN:
        sign = "+" if value > 0 else ""
        return Cell(f"{sign}{value}", f"{measure.unit}, over {_count(row.denominator)}")
    return Cell(f"{value}", f"{measure.unit}, over {_count(row.denominator)}")


@dataclasses.dataclass(frozen=True)
class Drill:
    """Builds drill-down links: the dashboard's own choices plus the measure and period."""

    base: dict[str, str]

    def url(self, measure: str, period: str, **more: str) -> str:
        query = {**self.base, **more, "measure": measure, "period": period}
        return reverse("reports:drilldown") + "?" + urlencode(query)


def _cell(
    figures: Figures, measure: Measure, period: str | None, drill: Drill | None, **where: str
) -> Cell:
    if period is None:
        return EMPTY
    breakdown, key = where.get("breakdown", "all"), where.get("key", "")
    cell = display(measure, figures.get(measure.code, period, breakdown, key))
    counted = measure.kind in (Kind.COUNT, Kind.RATE) and cell.text not in ("–", "0", "0.0%")
    if drill and measure.drilldown and counted:
        more = {}
        if breakdown in SPLITS:
            more["split"] = f"{breakdown}:{key}"
        elif breakdown in BREAKDOWNS:
            more[breakdown] = key or "none"
        return dataclasses.replace(cell, drill=drill.url(measure.code, period, **more))
    return cell


def column_periods(figures: Figures) -> list[str | None]:
    """The period codes under the board's columns: each term of the year so far, then the year."""
    terms = {p.name: p.code for p in figures.periods if p.kind == "term"}
    year = figures.period("year")
    return [terms.get(name) for name in TERM_NAMES] + [year.code if year else None]


# The board -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BoardRow:
    target: Target
    cells: list[Cell]
    status: Status | None
    trend: str

    @property
    def cells_html(self) -> list[SafeString]:
        return [cell.html(self.target.label) for cell in self.cells]


def _value(figures: Figures, measure: str, period: str | None, phase: str) -> Decimal | None:
    if period is None:
        return None
    row = figures.get(measure, period, "phase" if phase else "all", phase)
    return row.value if row is not None and isinstance(row.value, Decimal) else None


def _has_data(figures: Figures, period: str | None) -> bool:
    """Whether any attendance was recorded in the period: a year before the service held data
    is no comparison."""
    row = figures.get("overall_absence", period, "all", "") if period else None
    return bool(row and row.denominator)


def _trend(target: Target, figures: Figures, phase: str) -> str:
    """The latest term against the one before it (or the same term last year)."""
    terms = [p for p in figures.periods if p.kind == "term"]
    latest = terms[-1]
    before = terms[-2] if len(terms) > 1 else figures.period("last_term")
    if before is None or not _has_data(figures, before.code):
        return ""
    now = _value(figures, target.measure, latest.code, phase)
    then = _value(figures, target.measure, before.code, phase) if before else None
    if now is None or then is None or before is None:
        return ""
    name = before.label.split(" ")[0].lower() if before.kind == "term" else before.label
    if now == then:
        return f"No change since {name}"
    return f"{'Better' if better(target, now, then) else 'Worse'} than {name}"


def board(figures: Figures, targets: Sequence[Target], drill: Drill | None) -> list[BoardRow]:
    columns = column_periods(figures)
    last_year = figures.period("last_year")
    if last_year and not _has_data(figures, last_year.code):
        last_year = None
    rows = []
    for target in targets:
        measure = BY_CODE.get(target.measure)
        if measure is None:
            continue
        where = {"breakdown": "phase", "key": target.phase} if target.phase else {}
        cells = [_cell(figures, measure, period, drill, **where) for period in columns]
        value = _value(figures, target.measure, columns[-1], target.phase)
        before = _value(figures, target.measure, last_year.code if last_year else None,
                        target.phase)  # fmt: skip
        rows.append(
            BoardRow(target, cells, target_status(target, value, before),
                     _trend(target, figures, target.phase))
        )  # fmt: skip
    return rows


# Sections --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MeasureRow:
    measure: Measure
    label: str
    cells: list[Cell]
    last_year: Cell
    split: bool = False  # a split of the measure above it (by type, reason…)

    @property
    def cells_html(self) -> list[SafeString]:
        what = f"{self.measure.label}, {self.label}" if self.split else self.label
        return [cell.html(what) for cell in [*self.cells, self.last_year]]


@dataclasses.dataclass(frozen=True)
class Section:
    title: str
    rows: list[MeasureRow]


def sections(figures: Figures, drill: Drill | None) -> list[Section]:
    columns = column_periods(figures)
    last = figures.period("last_term")
    last_code = last.code if last else None
    splits: dict[str, dict[tuple[str, str], str]] = {}
    for row in figures.rows:
        if row.breakdown in SPLITS:
            splits.setdefault(row.measure, {})[(row.breakdown, row.key)] = row.breakdown_value
    out = []
    for title, codes in SECTIONS:
        rows = []
        for code in codes:
            measure = BY_CODE[code]
            rows.append(
                MeasureRow(
                    measure,
                    measure.label,
                    [_cell(figures, measure, period, drill) for period in columns],
                    _cell(figures, measure, last_code, drill),
                )
            )
            for (dim, key), label in sorted(splits.get(code, {}).items()):
                where = {"breakdown": dim, "key": key}
                rows.append(
                    MeasureRow(
                        measure,
                        f"{SPLITS[dim][0]}: {label}",
                        [_cell(figures, measure, period, drill, **where) for period in columns],
                        _cell(figures, measure, last_code, drill, **where),
                        split=True,
                    )
                )
        out.append(Section(title, rows))
    return out


# The breakdown ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BreakdownRow:
    label: str
    cells: list[Cell]

    @property
    def cells_html(self) -> list[SafeString]:
        return [cell.html(self.label) for cell in self.cells]


def breakdown_rows(figures: Figures, drill: Drill | None) -> list[BreakdownRow]:
    if not figures.breakdown:
        return []
    current = [p for p in figures.periods if p.kind == "term"][-1]
    keys = {
        (r.key, r.breakdown_value)
        for r in figures.rows
        if r.breakdown == figures.breakdown and r.period == current.code
    }
    rows = []
    for key, label in sorted(keys, key=lambda item: item[1].lower()):
        where = {"breakdown": figures.breakdown, "key": key}
        cells = [
            _cell(figures, BY_CODE[code], current.code, drill, **where)
            for code in BREAKDOWN_MEASURES
        ]
        rows.append(BreakdownRow(label, cells))
    return rows


# Charts ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    caption: str
    headers: list[str]
    rows: list[tuple[str, list[str]]]


def _number(figures: Figures, measure: str, period: str | None, **where: str) -> float | None:
    if period is None:
        return None
    row = figures.get(measure, period, where.get("breakdown", "all"), where.get("key", ""))
    return float(row.value) if row and isinstance(row.value, Decimal) else None


def _text(value: float | None, unit: str = "%") -> str:
    return charts.format_value(value, unit) if value is not None else "–"


def trend_chart(figures: Figures) -> Chart:
    columns = column_periods(figures)
    groups = [name for name, code in zip(COLUMNS, columns, strict=True) if code]
    codes = [code for code in columns if code]
    series = [
        (BY_CODE[m].label, [_number(figures, m, code) for code in codes])
        for m in ("overall_absence", "persistent_absence")
    ]
    return Chart(
        "Absence by term",
        charts.grouped_bar_chart(groups, series, title="Absence by term"),
        "Overall absence (% of possible sessions missed) and persistent absence (% of pupils "
        "missing 10% or more), each term of the year so far and the year to date.",
        ["Measure", *groups],
        [(name, [_text(v) for v in values]) for name, values in series],
    )


def phase_chart(figures: Figures, period: str) -> Chart:
    phases = sorted(
        {(r.key, r.breakdown_value) for r in figures.rows
         if r.measure == "overall_absence" and r.breakdown == "phase" and r.period == period},
        key=lambda item: item[1],
    )  # fmt: skip
    items = [
        (label, _number(figures, "overall_absence", period, breakdown="phase", key=key))
        for key, label in phases
    ]
    persistent = [
        _number(figures, "persistent_absence", period, breakdown="phase", key=key)
        for key, _ in phases
    ]
    return Chart(
        "Overall absence by phase",
        charts.bar_chart(items, title="Overall absence by phase"),
        "Overall absence in the term by the schools’ phase.",
        ["Phase", "Overall absence", "Persistent absence"],
        [(label, [_text(v), _text(p)]) for (label, v), p in zip(items, persistent, strict=True)],
    )


def coverage_chart(figures: Figures, period: str) -> Chart:
    codes = ("with_lead", "with_fehp", "with_plan", "with_lead_and_plan")
    items = [(BY_CODE[code].label, _number(figures, code, period)) for code in codes]
    return Chart(
        "Severely absent pupils with a lead professional and a plan",
        charts.bar_chart(
            items, title="Severely absent pupils with a lead professional and a plan", target=100.0
        ),
        "Of the severely absent pupils at the end of the term: the share with a named lead "
        "professional, a plan, and both (the LA’s target is 100%).",
        ["Of the severely absent", "Share"],
        [(label, [_text(value)]) for label, value in items],
    )


def breakdown_chart(figures: Figures, period: str, limit: int = 15) -> Chart | None:
    if not figures.breakdown or figures.breakdown == "phase":
        return None
    rows = [
        r for r in figures.rows
        if r.measure == "severe_at_term_end" and r.breakdown == figures.breakdown
        and r.period == period and r.value
    ]  # fmt: skip
    rows.sort(key=lambda r: (-(r.numerator or 0), r.breakdown_value))
    items = [(r.breakdown_value, float(r.numerator or 0)) for r in rows[:limit]]
    name = BREAKDOWNS[figures.breakdown].lower()
    title = f"Severely absent pupils at term end by {name}"
    return Chart(
        title,
        charts.bar_chart(items, title=title, unit=""),
        f"The {len(items)} with the most severely absent pupils at the end of the term; every "
        f"{name} is in the table below.",
        [BREAKDOWNS[figures.breakdown], "Severely absent pupils"],
        [(label, [_text(value, "")]) for label, value in items],
    )


def dashboard(figures: Figures, targets: Sequence[Target], drill: Drill | None) -> dict[str, Any]:
    """The template's context for the figures."""
    current = [p for p in figures.periods if p.kind == "term"][-1]
    return {
        "columns": COLUMNS,
        "current": current,
        "last_term": figures.period("last_term"),
        "board": board(figures, targets, drill),
        "sections": sections(figures, drill),
        "breakdown_name": BREAKDOWNS.get(figures.breakdown, ""),
        "breakdown_headers": [BY_CODE[code].label for code in BREAKDOWN_MEASURES],
        "breakdown_rows": breakdown_rows(figures, drill),
        "charts": [
            chart
            for chart in (
                trend_chart(figures),
                phase_chart(figures, current.code),
                coverage_chart(figures, current.code),
                breakdown_chart(figures, current.code),
            )
            if chart is not None
        ],
        "school_dates": [
            (r.breakdown_value, r.value, figures.get("latest_data_to", r.period, "school", r.key))
            for r in figures.rows
            if r.measure == "latest_import_on"
        ],
    }


def figures_html(
    term: Term,
    *,
    schools: tuple[int, ...] | None,
    filters: measures.Filters,
    breakdown: str,
    today: datetime.date,
    drill_base: dict[str, str],
) -> str:
    """The dashboard's figures for these choices, computed and laid out as HTML."""
    figures = measures.compute(
        term, schools=schools, filters=filters, breakdown=breakdown, today=today
    )
    context = dashboard(figures, selectors.targets(), Drill(drill_base))
    return render_to_string("reports/_figures.html", context)
