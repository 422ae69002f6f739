"""The attendance panel that pupil and case pages show: this year's figures, chart and table."""

from typing import Any

from django import template

from attendance import selectors
from attendance.charts import attendance_chart, chart_points, with_cumulative_rates
from schools.models import AcademicYear, Pupil

register = template.Library()


@register.inclusion_tag("attendance/panel.html")
def attendance_panel(pupil: Pupil, start_year: int | None = None) -> dict[str, Any]:
    """Callers have already checked that the viewer may see this pupil."""
    start_year = start_year or selectors.current_start_year()
    records = selectors.pupil_records(pupil, start_year)
    rows = with_cumulative_rates(records)
    return {
        "pupil": pupil,
        "year": AcademicYear(start_year=start_year),
        "figures": selectors.pupil_attendance_year(pupil, start_year),
        "rows": rows,
        "chart": attendance_chart(
            chart_points(records), title=f"{pupil.full_name}: attendance this academic year"
        ),
    }
