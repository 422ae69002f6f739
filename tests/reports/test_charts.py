"""The dashboard's SVG charts: accessible, escaped, and drawn without data too."""

from reports.charts import bar_chart, grouped_bar_chart


def test_a_bar_chart_names_itself_and_says_its_figures_in_words():
    svg = bar_chart([("Primary", 5.6), ("Secondary", 9.1)], title="Overall absence by phase")

    assert 'role="img"' in svg
    assert "<title" in svg
    assert "Overall absence by phase: Primary 5.6%, Secondary 9.1%." in svg


def test_a_label_is_escaped():
    svg = bar_chart([("St Mary & St <John>", 1.0)], title="By school", unit="")

    assert "<John>" not in svg
    assert "St Mary &amp; St &lt;John&gt;" in svg


def test_a_long_label_is_shortened_in_the_picture_only():
    name = "The Very Long Name Church of England Voluntary Aided Primary School"

    svg = bar_chart([(name, 3.0)], title="By school", unit="")

    assert f"{name} 3" in svg  # the description has it whole
    assert "The Very Long Name Church of…" in svg


def test_a_target_line_is_labelled():
    svg = bar_chart([("With both", 27.0)], title="Coverage", target=100.0)

    assert "Target 100%" in svg
    assert "The dashed line marks the target, 100%." in svg


def test_a_missing_figure_is_drawn_as_a_dash_not_a_bar():
    svg = grouped_bar_chart(
        ["Autumn", "Spring"], [("Overall absence", [7.5, None])], title="Absence by term"
    )

    assert svg.count("<rect") == 1 + 2 + 1  # legend, the two patterns' backgrounds, one bar
    assert "Spring no figure" in svg


def test_no_figures_draw_no_chart():
    assert bar_chart([], title="Nothing") == ""
    assert grouped_bar_chart([], [], title="Nothing") == ""
