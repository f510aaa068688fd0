"""The dashboards' chart geometry (records/charts.py): bars say what they show, and the weekly
line places weeks by their dates (issue 16)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from records.charts import LEFT, RIGHT, WIDTH, bar_chart, line_chart


def test_every_bar_writes_its_category_and_value():
    chart = bar_chart(
        [("Under 5%", 12), ("5% to 10%", 3), ("Not counted", None)],
        title="Children by absence",
        unit=" children",
    )
    assert [bar.text for bar in chart.bars] == [
        "Under 5%: 12 children",
        "5% to 10%: 3 children",
        "Not counted: no figure",
    ]
    assert [bar.length for bar in chart.bars] == [100.0, 25.0, 0.0]
    assert chart.title == "Children by absence"


def test_bars_on_a_fixed_scale():
    chart = bar_chart([("KS2", Decimal("40.0"))], title="Standards", unit="%", scale=100)
    assert chart.bars[0].length == 40.0
    assert chart.bars[0].text == "KS2: 40.0%"


def test_no_bars_is_an_empty_chart_with_its_title():
    chart = bar_chart([], title="Exclusions by reason")
    assert chart.bars == []
    assert chart.title == "Exclusions by reason"


def _weeks(*mondays: date) -> list[tuple[date, str, Decimal]]:
    return [(monday, f"{monday:%-d %b}", Decimal("90")) for monday in mondays]


def test_weeks_are_placed_by_date_so_a_half_term_is_a_gap():
    first = date(2024, 10, 14)
    # Two weeks, a half-term week without sessions, then two more weeks.
    mondays = [first, first + timedelta(weeks=1), first + timedelta(weeks=3)]
    mondays.append(first + timedelta(weeks=4))
    chart = line_chart(_weeks(*mondays))
    xs = [x for x, _ in chart.dots]
    plot = WIDTH - LEFT - RIGHT
    # 28 days from the first Monday to the last: a week is a quarter of the plot.
    assert xs == [LEFT, LEFT + plot / 4, LEFT + plot * 3 / 4, LEFT + plot]
    assert xs[2] - xs[1] == 2 * (xs[1] - xs[0])  # the gap is as wide as two weeks
    # The line stops before the half-term and starts again after it.
    assert len(chart.segments) == 2
    assert chart.segments[0] == f"{xs[0]},{chart.dots[0][1]} {xs[1]},{chart.dots[1][1]}"
    assert [tick.position for tick in chart.x_ticks] == xs


def test_consecutive_weeks_are_one_line_evenly_spaced():
    first = date(2024, 9, 2)
    chart = line_chart(_weeks(*(first + timedelta(weeks=index) for index in range(5))))
    xs = [x for x, _ in chart.dots]
    steps = {round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}
    assert len(steps) == 1
    assert len(chart.segments) == 1


def test_a_week_without_a_figure_is_skipped_and_breaks_nothing_else():
    first = date(2024, 9, 2)
    values = [
        (first, "2 Sep", Decimal("95")),
        (first + timedelta(weeks=1), "9 Sep", None),
        (first + timedelta(weeks=2), "16 Sep", Decimal("80")),
    ]
    chart = line_chart(values, low=50, high=100, step=10)
    assert len(chart.dots) == 2
    assert chart.dots[1][0] == WIDTH - RIGHT
    assert line_chart([(first, "2 Sep", None)]) is None
