"""Server-rendered SVG charts of a pupil's attendance: no JavaScript, no inline styles.

The SVG is plain enough for WeasyPrint (PDFs) as well as browsers. Colours, dash patterns and
fonts are SVG presentation attributes, which a strict Content-Security-Policy (`style-src 'self'`)
allows; the `app-chart` class (frontend/scss/application.scss) makes it scale to its container.

Every chart is meant to be followed by a table of the same figures
(templates/components/attendance_chart.html): the chart is a picture of the table, not a
replacement for it.
"""

import datetime
import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

# GOV.UK Frontend palette.
BLUE = "#1d70b8"
RED = "#d4351c"
ORANGE = "#f47738"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
WHITE = "#ffffff"

FONT = "Arial, sans-serif"
FONT_SIZE = 13
CAP_HEIGHT = FONT_SIZE * 0.72  # Arial's capitals and digits.

# Dash patterns, so the lines can be told apart without colour and in black-and-white print.
PERSISTENT_DASH = "8 4"
SEVERE_DASH = "12 4 2 4"
PERIOD_DASH = "1 4"
PERIOD_OPACITY = "0.7"  # Each period's own rate is drawn lighter than the year to date.

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class ChartPoint:
    period_end: datetime.date
    cumulative_rate: float  # Year-to-date attendance, 0–100, up to and including this period.
    period_rate: float | None  # This period's own attendance, or None if it had no sessions.


class _Record(Protocol):
    period_end: datetime.date
    possible_sessions: int
    attended_sessions: int


R = TypeVar("R", bound=_Record)


def _rate(attended: int, possible: int) -> float | None:
    return 100 * attended / possible if possible else None


def chart_points(records: Iterable[_Record]) -> list[ChartPoint]:
    """The chart's points from attendance records ordered by period end.

    Records ending on the same day (a pupil registered at two schools) make one point. Points are
    left out until there has been a possible session, as there is no rate before then.
    """
    points: list[ChartPoint] = []
    possible_total = attended_total = 0
    grouped: list[tuple[datetime.date, int, int]] = []
    for record in records:
        if grouped and grouped[-1][0] == record.period_end:
            end, possible, attended = grouped[-1]
            grouped[-1] = (
                end,
                possible + record.possible_sessions,
                attended + record.attended_sessions,
            )
        else:
            grouped.append((record.period_end, record.possible_sessions, record.attended_sessions))
    for end, possible, attended in grouped:
        possible_total += possible
        attended_total += attended
        cumulative = _rate(attended_total, possible_total)
        if cumulative is not None:
            points.append(ChartPoint(end, cumulative, _rate(attended, possible)))
    return points


def with_cumulative_rates(records: Iterable[R]) -> list[R]:
    """The records, ordered by period end, each given `.cumulative_rate` for the table.

    The year-to-date rate up to and including the record's period (None before any possible
    session), matching the chart's points.
    """
    records = list(records)
    possible_total = attended_total = 0
    by_end: dict[datetime.date, float | None] = {}
    for record in records:
        possible_total += record.possible_sessions
        attended_total += record.attended_sessions
        by_end[record.period_end] = _rate(attended_total, possible_total)
    for record in records:
        record.cumulative_rate = by_end[record.period_end]  # type: ignore[attr-defined]
    return records


def _esc(text: str) -> str:
    """Escape text for an XML element or double-quoted attribute."""
    return escape(text, {'"': "&quot;"})


def _num(value: float) -> str:
    """A coordinate, to one decimal place and without a trailing '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_rate(rate: float) -> str:
    """'72%', '83.3%': one decimal place, dropped when it is zero."""
    text = f"{rate:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _long_date(day: datetime.date, *, year: bool = True) -> str:
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def _short_date(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def _description(points: Sequence[ChartPoint], persistent: float, severe: float) -> str:
    last, first = points[-1], points[0]
    text = (
        f"Year-to-date attendance {format_rate(last.cumulative_rate)} "
        f"on {_long_date(last.period_end)}"
    )
    if len(points) > 1:
        text += (
            f", from {format_rate(first.cumulative_rate)} on "
            f"{_long_date(first.period_end, year=first.period_end.year != last.period_end.year)}"
        )
    return (
        f"{text}. Dashed lines mark persistent absence ({format_rate(persistent)}) "
        f"and severe absence ({format_rate(severe)})."
    )


def _label_indexes(xs: Sequence[float], min_gap: float) -> list[int]:
    """Which points get a date label: the first, the last, and as many between as fit."""
    chosen: list[int] = []
    for i, x in enumerate(xs):
        if not chosen or x - xs[chosen[-1]] >= min_gap:
            chosen.append(i)
    last = len(xs) - 1
    if chosen[-1] != last:
        if len(chosen) > 1 and xs[last] - xs[chosen[-1]] < min_gap:
            chosen.pop()
        if not chosen or xs[last] - xs[chosen[-1]] >= min_gap:
            chosen.append(last)
    return chosen


def _text(x: float, y: float, content: str, *, anchor: str = "start", **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{_esc(content)}</text>'


Box = tuple[float, float, float, float]  # left, top, right, bottom
Segment = tuple[tuple[float, float], tuple[float, float]]


def _text_width(content: str) -> float:
    """Roughly how wide Arial draws the text: an average letter is just over half the size."""
    return len(content) * FONT_SIZE * 0.56


def _crosses(segment: Segment, box: Box) -> bool:
    """Whether a line segment passes through a box (Liang–Barsky clipping)."""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


def _place_label(
    content: str,
    line_y: float,
    plot: Box,
    data: Sequence[tuple[float, Sequence[Segment]]],
) -> tuple[float, float, str]:
    """Where to write a reference line's label: x, baseline y and text-anchor.

    Above or below the line, at the right or the left of the plot: whichever crosses the least
    data (weighted: the year-to-date line counts most), preferring above and right.
    """
    left, top, right, bottom = plot
    text_width = _text_width(content)
    best: tuple[float, tuple[float, float, str]] | None = None
    for baseline in (line_y - 6, line_y + 17):
        if baseline - CAP_HEIGHT < top or baseline > bottom - 2:
            continue
        for x, anchor, x0 in (
            (right - 4, "end", right - 4 - text_width),
            (left + 6, "start", left + 6),
        ):
            box = (x0 - 3, baseline - CAP_HEIGHT - 2, x0 + text_width + 3, baseline + 3)
            cost = sum(
                weight * sum(_crosses(segment, box) for segment in segments)
                for weight, segments in data
            )
            if best is None or cost < best[0]:
                best = (cost, (x, baseline, anchor))
    return best[1] if best else (right - 4, line_y - 6, "end")


def _haloed_text(x: float, y: float, content: str, *, anchor: str = "end") -> str:
    """Text with a white outline behind it, so it stays legible over the lines it crosses."""
    return _text(
        x, y, content, anchor=anchor, fill=WHITE, stroke=WHITE, stroke_width="5",
        stroke_linejoin="round", aria_hidden="true",
    ) + _text(x, y, content, anchor=anchor, fill=TEXT)  # fmt: skip


def attendance_chart(
    points: list[ChartPoint],
    *,
    title: str,
    persistent_line: float = 90.0,
    severe_line: float = 50.0,
    width: int = 640,
    height: int = 240,
    show_period_rate: bool = True,
) -> SafeString:
    """An SVG line chart of year-to-date attendance (with each period's own rate, dotted).

    Returns an empty string when there are no points.
    """
    if not points:
        return mark_safe("")
    points = sorted(points, key=lambda p: p.period_end)
    # Each period's own rate is worth drawing only once there are two: the first equals the first
    # year-to-date point.
    periods = show_period_rate and sum(p.period_rate is not None for p in points) > 1

    left, right, top, bottom = 48.0, width - 20.0, 40.0, height - 30.0
    inset = 14.0  # Between the y axis and the first point, and the last point and the edge.
    first_day, last_day = points[0].period_end, points[-1].period_end
    span = (last_day - first_day).days

    def x_of(day: datetime.date) -> float:
        if not span:
            return (left + right) / 2
        return left + inset + (right - left - 2 * inset) * (day - first_day).days / span

    def y_of(rate: float) -> float:
        rate = min(max(rate, 0.0), 100.0)
        return bottom - (bottom - top) * rate / 100

    digest = hashlib.sha256(
        repr((title, [(p.period_end, p.cumulative_rate) for p in points])).encode()
    ).hexdigest()[:10]
    title_id, desc_id = f"chart-{digest}-title", f"chart-{digest}-desc"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" width="100%" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT}">',
        f'<title id="{title_id}">{_esc(title)}</title>',
        f'<desc id="{desc_id}">{_esc(_description(points, persistent_line, severe_line))}</desc>',
    ]

    # Legend, above the plot.
    legend_y = 16.0
    parts.append('<g aria-hidden="true">')
    parts.append(
        f'<line x1="{_num(left)}" y1="{_num(legend_y - 4)}" x2="{_num(left + 24)}" '
        f'y2="{_num(legend_y - 4)}" stroke="{BLUE}" stroke-width="3"/>'
        f'<circle cx="{_num(left + 12)}" cy="{_num(legend_y - 4)}" r="3.5" fill="{BLUE}" '
        f'stroke="{WHITE}" stroke-width="1"/>'
    )
    parts.append(_text(left + 30, legend_y, "Year-to-date attendance"))
    if periods:
        key_x = left + 210
        parts.append(
            f'<line x1="{_num(key_x)}" y1="{_num(legend_y - 4)}" x2="{_num(key_x + 24)}" '
            f'y2="{_num(legend_y - 4)}" stroke="{BLUE}" stroke-opacity="{PERIOD_OPACITY}" '
            f'stroke-width="1.5" stroke-dasharray="{PERIOD_DASH}" stroke-linecap="round"/>'
        )
        parts.append(_text(key_x + 30, legend_y, "Attendance in each period"))
    parts.append("</g>")

    # Grid and y axis.
    parts.append('<g aria-hidden="true">')
    for tick in (0, 25, 50, 75, 100):
        y = y_of(tick)
        colour = TEXT if tick == 0 else GRID
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4.5, f"{tick}%", anchor="end"))

    # X axis: short dates under as many points as fit without overlapping.
    xs = [x_of(p.period_end) for p in points]
    for i in _label_indexes(xs, min_gap=56):
        parts.append(
            f'<line x1="{_num(xs[i])}" y1="{_num(bottom)}" x2="{_num(xs[i])}" '
            f'y2="{_num(bottom + 5)}" stroke="{TEXT}" stroke-width="1"/>'
        )
        parts.append(_text(xs[i], bottom + 19, _short_date(points[i].period_end), anchor="middle"))

    # Reference lines.
    for rate, colour, dash in (
        (persistent_line, ORANGE, PERSISTENT_DASH),
        (severe_line, RED, SEVERE_DASH),
    ):
        y = y_of(rate)
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
        )
    parts.append("</g>")

    # Each period's own rate: dotted, broken where a period had no sessions.
    parts.append('<g aria-hidden="true">')
    period_runs: list[list[tuple[float, float]]] = [[]]
    if periods:
        for x, point in zip(xs, points, strict=True):
            if point.period_rate is None:
                period_runs.append([])
            else:
                period_runs[-1].append((x, y_of(point.period_rate)))
        for run in period_runs:
            if len(run) > 1:
                path = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{BLUE}" '
                    f'stroke-opacity="{PERIOD_OPACITY}" stroke-width="1.5" '
                    f'stroke-dasharray="{PERIOD_DASH}" stroke-linecap="round" '
                    'stroke-linejoin="round"/>'
                )
            elif run:
                parts.append(
                    f'<circle cx="{_num(run[0][0])}" cy="{_num(run[0][1])}" r="1.5" fill="{BLUE}" '
                    f'fill-opacity="{PERIOD_OPACITY}"/>'
                )

    # Year-to-date rate: a solid line with a marker on each point.
    coordinates = [(x, y_of(p.cumulative_rate)) for x, p in zip(xs, points, strict=True)]
    if len(coordinates) > 1:
        parts.append(
            '<polyline points="'
            + " ".join(f"{_num(x)},{_num(y)}" for x, y in coordinates)
            + f'" fill="none" stroke="{BLUE}" stroke-width="3" stroke-linejoin="round" '
            'stroke-linecap="round"/>'
        )
    radius = 3.5 if len(points) < 30 else 3.0
    for x, y in coordinates:
        parts.append(
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{radius}" fill="{BLUE}" '
            f'stroke="{WHITE}" stroke-width="1"/>'
        )

    # Reference labels last, so they sit on top of the data, where they cross the least of it.
    def segments(run: Sequence[tuple[float, float]]) -> list[Segment]:
        if len(run) == 1:
            return [(run[0], run[0])]
        return list(itertools.pairwise(run))

    data = [(10.0, segments(coordinates))]
    data += [(1.0, segments(run)) for run in period_runs if run]
    for rate, name in ((persistent_line, "Persistent absence"), (severe_line, "Severe absence")):
        label = f"{name}: {format_rate(rate)}"
        x, y, anchor = _place_label(label, y_of(rate), (left, top, right, bottom), data)
        parts.append(_haloed_text(x, y, label, anchor=anchor))
    parts.append("</g>")

    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped.


__all__ = [
    "ChartPoint",
    "attendance_chart",
    "chart_points",
    "format_rate",
    "with_cumulative_rates",
]
