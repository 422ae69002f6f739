"""The attendance chart: well-formed, accessible SVG that a strict CSP and WeasyPrint accept."""

import datetime
import itertools
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from attendance.charts import ChartPoint, attendance_chart, chart_points, with_cumulative_rates

SVG = "{http://www.w3.org/2000/svg}"
START = datetime.date(2025, 9, 5)


def week(n: int) -> datetime.date:
    return START + datetime.timedelta(weeks=n)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def record(end, possible, attended, start=None):
    return SimpleNamespace(
        period_start=start or end - datetime.timedelta(days=4),
        period_end=end,
        possible_sessions=possible,
        attended_sessions=attended,
        attendance_rate=100 * attended / possible if possible else None,
        school=SimpleNamespace(name="Example Primary"),
    )


@pytest.fixture
def two_weeks():
    return [ChartPoint(week(0), 100.0, 100.0), ChartPoint(week(1), 72.0, 50.0)]


def test_no_points_draws_nothing():
    assert attendance_chart([], title="Attendance") == ""


def test_the_svg_is_xml_with_an_accessible_name_and_description(two_weeks):
    root = parse(attendance_chart(two_weeks, title="Amira's attendance"))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("class") == "app-chart"
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 240"
    assert root.get("font-family") == "Arial, sans-serif"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (title_id, "Amira's attendance")
    assert desc.get("id") == desc_id
    assert desc.text.startswith(
        "Year-to-date attendance 72% on 12 September 2025, from 100% on 5 September."
    )


def test_no_style_attributes_or_elements_anywhere(two_weeks):
    svg = attendance_chart(two_weeks, title="Attendance")
    root = parse(svg)

    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag not in {f"{SVG}style", f"{SVG}script"}
    assert "style" not in svg


def test_the_title_is_escaped(two_weeks):
    svg = attendance_chart(two_weeks, title='Ben <&> "Sample"')

    assert "Ben &lt;&amp;&gt; &quot;Sample&quot;" in svg
    assert parse(svg).find(f"{SVG}title").text == 'Ben <&> "Sample"'


def test_both_reference_lines_are_drawn_dashed_and_labelled(two_weeks):
    root = parse(attendance_chart(two_weeks, title="Attendance"))

    assert "Persistent absence: 90%" in texts(root)
    assert "Severe absence: 50%" in texts(root)
    dashed = {
        (line.get("stroke"), line.get("stroke-dasharray"))
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-dasharray") and line.get("x2") == "620"
    }
    assert {colour for colour, _ in dashed} == {"#f47738", "#d4351c"}
    assert len({dash for _, dash in dashed}) == 2, "told apart by pattern as well as colour"


def test_higher_attendance_is_drawn_higher_up(two_weeks):
    two_weeks = [ChartPoint(week(0), 100.0, 100.0), ChartPoint(week(1), 50.0, 0.0)]
    root = parse(attendance_chart(two_weeks, title="Attendance"))

    markers = [c for c in root.iter(f"{SVG}circle") if c.get("r") == "3.5"][1:]  # not the key's
    assert len(markers) == 2
    hundred, fifty = (float(c.get("cy")) for c in markers)
    assert hundred < fifty  # SVG's y grows downwards


def test_y_axis_and_date_labels(two_weeks):
    labels = texts(parse(attendance_chart(two_weeks, title="Attendance")))

    assert {"0%", "25%", "50%", "75%", "100%"} <= set(labels)
    assert {"5 Sep", "12 Sep"} <= set(labels)


def test_one_point():
    root = parse(attendance_chart([ChartPoint(START, 100.0, 100.0)], title="Attendance"))

    assert "5 Sep" in texts(root)
    assert root.find(f"{SVG}desc").text.startswith(
        "Year-to-date attendance 100% on 5 September 2025."
    )
    assert "Attendance in each period" not in texts(root)  # nothing dotted to explain


def test_a_whole_year_thins_the_date_labels():
    points = [ChartPoint(week(n), 90.0 - n / 2, 80.0 if n % 5 else None) for n in range(45)]
    root = parse(attendance_chart(points, title="Attendance"))

    dates = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    xs = [float(t.get("x")) for t in dates]
    assert 5 <= len(dates) <= 12
    assert dates[0].text == "5 Sep"
    assert dates[-1].text == "10 Jul"
    assert all(b - a >= 56 for a, b in itertools.pairwise(xs))
    # A gap in the dotted line wherever a week had no sessions.
    assert len([p for p in root.iter(f"{SVG}polyline") if p.get("stroke-dasharray")]) == 9


def test_chart_points_hand_worked():
    points = chart_points([record(week(0), 8, 8), record(week(1), 10, 7)])

    assert [p.period_end for p in points] == [week(0), week(1)]
    assert points[0].cumulative_rate == 100.0
    assert points[1].cumulative_rate == pytest.approx(83.333, abs=0.001)  # 15 of 18
    assert [p.period_rate for p in points] == [100.0, 70.0]


def test_chart_points_skip_a_period_rate_without_sessions():
    points = chart_points([record(week(0), 0, 0), record(week(1), 10, 5), record(week(2), 0, 0)])

    assert [(p.cumulative_rate, p.period_rate) for p in points] == [(50.0, 50.0), (50.0, None)]


def test_chart_points_join_two_schools_ending_the_same_day():
    points = chart_points([record(week(0), 4, 4), record(week(0), 6, 3)])

    assert [(p.cumulative_rate, p.period_rate) for p in points] == [(70.0, 70.0)]


def test_the_component_renders_a_figure_and_a_table():
    rows = with_cumulative_rates(
        [
            record(datetime.date(2025, 9, 12), 8, 8, start=datetime.date(2025, 9, 8)),
            record(datetime.date(2025, 10, 3), 10, 7, start=datetime.date(2025, 9, 29)),
        ]
    )
    chart = attendance_chart(chart_points(rows), title="Attendance")

    html = render_to_string("components/attendance_chart.html", {"chart": chart, "rows": rows})

    for part in ("<figure", "<figcaption", 'role="img"', "70.0%", "83.3%"):
        assert part in html
    assert "Attendance by period</caption>" in html
    assert "8 to 12 Sep 2025" in html
    assert "29 Sep to 3 Oct 2025" in html
    assert html.count('scope="col"') == 6
    assert " style=" not in html
