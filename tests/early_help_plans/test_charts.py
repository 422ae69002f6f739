"""The aspect chart: small, its end labels inside it, its text escaped."""

import re

from early_help_plans.charts import HEIGHT, WIDTH, aspect_chart


def test_the_chart_keeps_its_own_size_and_its_end_labels_inside():
    svg = aspect_chart("Education", ["Agreed", "Review 1", "Review 2"], [3, 5, 7], [2, None, 8])

    assert f'width="{WIDTH}" height="{HEIGHT}"' in svg
    labels = re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"[^>]*>(Agreed|Review \d)<', svg
    )
    assert [(anchor, name) for _, anchor, name in labels] == [
        ("start", "Agreed"),
        ("middle", "Review 1"),
        ("end", "Review 2"),
    ]
    assert all(0 <= float(x) <= WIDTH for x, _, _ in labels)


def test_the_charts_text_is_escaped_and_says_every_score():
    svg = aspect_chart("Drugs & alcohol", ["Agreed", "Review 1"], [4, 6], [None, 5])

    assert "Drugs &amp; alcohol" in svg
    assert "Agreed: parent or carer 4, child not scored" in svg
    assert "Review 1: parent or carer 6, child 5" in svg
