"""The dashboard's server-rendered SVG charts: bars by school or phase, and figures by term.

In the style of attendance/charts.py: no JavaScript, presentation attributes only (a strict
Content-Security-Policy allows them), GOV.UK colours, and patterns as well as colours so that the
series can be told apart in black-and-white print. Every chart is a picture of a table that the
page shows beside it (templates/reports/_chart.html): the numbers are never only in the picture.
"""

import hashlib
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from attendance.charts import BLUE, FONT, FONT_SIZE, GRID, ORANGE, TEXT, WHITE

DARK_GREY = "#505a5f"
# Fills for up to three series, told apart without colour: solid, hatched, dotted.
SERIES = (
    (BLUE, None),
    (DARK_GREY, "hatch"),
    (ORANGE, "dots"),
)
MAX_LABEL = 30  # characters of a bar's label before it is shortened (the table has it whole)


def _esc(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no figure"
    text = _num(value)
    return f"{text}%" if unit == "%" else f"{text}{(' ' + unit) if unit else ''}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _id(*parts: object) -> str:
    return "chart-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def _open(width: int, height: int, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" width="100%" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" '
        f'font-size="{FONT_SIZE}" fill="{TEXT}">',
        f'<title id="{ident}-title">{_esc(title)}</title>',
        f'<desc id="{ident}-desc">{_esc(desc)}</desc>',
        "<defs>",
        f'<pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{WHITE}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{DARK_GREY}" stroke-width="3"/></pattern>',
        f'<pattern id="{ident}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="{WHITE}"/>'
        f'<circle cx="2.5" cy="2.5" r="1.5" fill="{ORANGE}"/></pattern>',
        "</defs>",
    ]


def _fill(ident: str, series: int) -> tuple[str, str]:
    colour, pattern = SERIES[series % len(SERIES)]
    return (f"url(#{ident}-{pattern})" if pattern else colour), colour


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "%",
    target: float | None = None,
    width: int = 640,
) -> SafeString:
    """Horizontal bars, one per labelled figure, with the target as a dashed line."""
    if not items:
        return mark_safe("")
    ident = _id(title, items)
    values = [v for _, v in items if v is not None]
    top_value = max([*values, target or 0.0, 0.0]) or 1.0
    label_width, right_margin, row, top = 230.0, 70.0, 26.0, 30.0 if target is not None else 10.0
    height = int(top + row * len(items) + 10)
    plot = width - label_width - right_margin

    def x_of(value: float) -> float:
        return label_width + plot * max(value, 0.0) / top_value

    shown = ", ".join(f"{label} {format_value(v, unit)}" for label, v in items)
    desc = f"{title}: {shown}."
    if target is not None:
        desc += f" The dashed line marks the target, {format_value(target, unit)}."
    parts = _open(width, height, title, desc, ident)
    parts.append('<g aria-hidden="true">')
    parts.append(
        f'<line x1="{_num(label_width)}" y1="{_num(top - 4)}" x2="{_num(label_width)}" '
        f'y2="{_num(top + row * len(items))}" stroke="{TEXT}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(items):
        y = top + row * i
        parts.append(
            f'<text x="{_num(label_width - 8)}" y="{_num(y + 17)}" text-anchor="end">'
            f"{_esc(_short(label))}</text>"
        )
        if value is None:
            parts.append(f'<text x="{_num(label_width + 6)}" y="{_num(y + 17)}">–</text>')
            continue
        end = x_of(value)
        parts.append(
            f'<rect x="{_num(label_width)}" y="{_num(y + 4)}" width="{_num(end - label_width)}" '
            f'height="{_num(row - 8)}" fill="{BLUE}"/>'
        )
        parts.append(
            f'<text x="{_num(end + 6)}" y="{_num(y + 17)}">{_esc(format_value(value, unit))}</text>'
        )
    if target is not None:
        x = x_of(target)
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 6)}" x2="{_num(x)}" '
            f'y2="{_num(top + row * len(items))}" stroke="{ORANGE}" stroke-width="2" '
            'stroke-dasharray="6 3"/>'
        )
        parts.append(
            f'<text x="{_num(x)}" y="{_num(top - 12)}" text-anchor="middle">'
            f"Target {_esc(format_value(target, unit))}</text>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped.


def grouped_bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    unit: str = "%",
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """Vertical bars: a group per period (autumn, spring…), a bar per series in each."""
    if not groups or not series:
        return mark_safe("")
    ident = _id(title, groups, series)
    values = [v for _, vs in series for v in vs if v is not None]
    top_value = max([*values, 0.0]) or 1.0
    left, right, top, bottom = 48.0, width - 16.0, 44.0, height - 30.0
    group_width = (right - left) / len(groups)
    bar = min(56.0, (group_width - 24) / len(series))

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * max(value, 0.0) / top_value

    described = "; ".join(
        f"{name}: "
        + ", ".join(f"{group} {format_value(v, unit)}" for group, v in zip(groups, vs, strict=True))
        for name, vs in series
    )
    parts = _open(width, height, title, f"{title}. {described}.", ident)
    parts.append('<g aria-hidden="true">')
    x = left
    for i, (name, _) in enumerate(series):  # legend
        fill, stroke = _fill(ident, i)
        parts.append(
            f'<rect x="{_num(x)}" y="6" width="16" height="16" fill="{fill}" stroke="{stroke}"/>'
        )
        parts.append(f'<text x="{_num(x + 22)}" y="19">{_esc(name)}</text>')
        x += 34 + len(name) * FONT_SIZE * 0.56
    for tick in (0.0, top_value / 2, top_value):
        y = y_of(tick)
        parts.append(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="{TEXT if tick == 0 else GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end">'
            f"{_esc(format_value(tick, unit))}</text>"
        )
    for g, group in enumerate(groups):
        centre = left + group_width * (g + 0.5)
        start = centre - bar * len(series) / 2
        for s, (_, vs) in enumerate(series):
            value = vs[g]
            bx = start + bar * s
            if value is None:
                continue
            fill, stroke = _fill(ident, s)
            y = y_of(value)
            parts.append(
                f'<rect x="{_num(bx + 2)}" y="{_num(y)}" width="{_num(bar - 4)}" '
                f'height="{_num(bottom - y)}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{_num(bx + bar / 2)}" y="{_num(y - 4)}" text-anchor="middle">'
                f"{_esc(_num(value))}</text>"
            )
        parts.append(
            f'<text x="{_num(centre)}" y="{_num(bottom + 19)}" text-anchor="middle">'
            f"{_esc(group)}</text>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped.
