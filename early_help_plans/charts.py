"""A small SVG chart of one aspect's scores over the plan's life, for parent or carer and child.

Drawn like attendance/charts.py: presentation attributes only (a strict CSP allows them), no
JavaScript. It has its own small size; the page's `app-chart` wrapper only shrinks it to fit. It
reads in black and white: the child's line is dashed, and its points are squares where the
parent's are circles. Always followed on the page by a table of the same scores.
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

from attendance.charts import BLUE, FONT, GRID, ORANGE, TEXT

WIDTH, HEIGHT = 320, 140
LEFT, RIGHT, TOP, BOTTOM = 28, 14, 10, 24
CHILD_DASH = "6 3"


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(score: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (10 - score) / 10


def _line(scores: Sequence[int | None], colour: str, *, dash: str | None, square: bool) -> str:
    parts = []
    points = [(i, s) for i, s in enumerate(scores) if s is not None]
    if len(points) > 1:
        path = " ".join(f"{_x(i, len(scores)):.1f},{_y(s):.1f}" for i, s in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
        )
    for i, s in points:
        x, y = _x(i, len(scores)), _y(s)
        if square:
            parts.append(
                f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
            )
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    return "".join(parts)


def aspect_chart(
    label: str,
    points: Sequence[str],
    parent: Sequence[int | None],
    child: Sequence[int | None],
) -> SafeString:
    """`points` names each column (Agreed, Review 1, …); scores are None where not given."""
    title = escape(f"{label}: scores out of 10 over the plan")
    described = ", ".join(
        f"{name}: parent or carer {p if p is not None else 'not scored'}, "
        f"child {c if c is not None else 'not scored'}"
        for name, p, c in zip(points, parent, child, strict=True)
    )
    grid = []
    for score in (0, 5, 10):
        y = _y(score)
        grid.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"'
            ' stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-family="{FONT}"'
            f' font-size="11" fill="{TEXT}">{score}</text>'
        )
    last = len(points) - 1
    for i, name in enumerate(points):
        # The end labels are anchored at their point's inner side, so they stay inside the chart.
        anchor = "start" if i == 0 and last else "end" if i == last and last else "middle"
        x = LEFT - 6 if anchor == "start" else WIDTH if anchor == "end" else _x(i, len(points))
        grid.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="{anchor}"'
            f' font-family="{FONT}" font-size="11" fill="{TEXT}">{escape(name)}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{title}. {escape(described)}</title>'
        + "".join(grid)
        + _line(parent, BLUE, dash=None, square=False)
        + _line(child, ORANGE, dash=CHILD_DASH, square=True)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every piece of text in it is escaped above
