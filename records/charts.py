"""Chart geometry for the dashboards, drawn as inline SVG by the templates: no JavaScript, no
CDN, nothing the content security policy forbids (SVG presentation attributes, no inline
styles). Every chart sits beside a table of the same figures. A bar chart writes each bar's
category and value as text above the bar (`Bar.text`, HTML that wraps at any width); the
weekly line chart is aria-hidden, with its table of weeks beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the y-axis labels
BOTTOM = 28  # room for the x-axis labels
TOP = 10
RIGHT = 12
# Two weeks whose Mondays are further apart than this have a holiday between them: the line
# stops at the first and starts again at the second.
WEEK_DAYS = 7


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    segments: list[str]  # SVG polyline points, one polyline per run of consecutive weeks
    dots: list[tuple[float, float]]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM
    top: int = TOP


def line_chart(
    values: Sequence[tuple[date, str, Decimal | None]],
    *,
    low: int = 0,
    high: int = 100,
    step: int = 20,
) -> LineChart | None:
    """A line through (day, label, percentage) points on a fixed low..high scale, each point
    placed left to right by its day, so weeks without sessions (a half-term or a holiday)
    leave a gap as wide as they are long, and the line breaks across it (issue 16: the
    weekly chart spaced weeks evenly across half-term gaps). Points without a value are
    skipped. None when nothing can be drawn."""
    known = [(day, value) for day, _, value in values if value is not None]
    if not known:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    first = min(day for day, _, _ in values)
    span = max((max(day for day, _, _ in values) - first).days, 1)

    def x(day: date) -> float:
        return round(LEFT + plot_width * (day - first).days / span, 1)

    def y(value: Decimal | float) -> float:
        clamped = min(max(float(value), low), high)
        return round(TOP + plot_height * (high - clamped) / (high - low), 1)

    segments: list[list[tuple[float, float]]] = []
    previous: date | None = None
    for day, value in known:
        if previous is None or (day - previous).days > WEEK_DAYS:
            segments.append([])
        segments[-1].append((x(day), y(value)))
        previous = day
    every = max(1, len(values) // 8)
    return LineChart(
        segments=[" ".join(f"{px},{py}" for px, py in segment) for segment in segments],
        dots=[dot for segment in segments for dot in segment],
        y_ticks=[Tick(y(level), f"{level}%") for level in range(low, high + 1, step)],
        x_ticks=[Tick(x(day), label) for day, label, _ in values][::every],
    )


BAR_THICKNESS = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Decimal | None
    text: str  # what the chart writes for this bar: "Under 5%: 12 children"
    length: float  # share of the chart's width, 0-100 (a percentage of the SVG's width)


@dataclass(frozen=True)
class BarChart:
    """Bars drawn as HTML text (which wraps on a small screen) above an SVG bar each: the
    text is what a screen reader reads, so each bar's SVG is aria-hidden. `title` is the
    figure's caption."""

    title: str
    bars: list[Bar]
    thickness: int = BAR_THICKNESS


def bar_chart(
    values: Sequence[tuple[str, int | Decimal | None]],
    *,
    title: str,
    unit: str = "",
    scale: int | None = None,
) -> BarChart:
    """Horizontal bars, the longest filling the width, or on a fixed `scale` (100 for
    percentages), each with its category and value as text ("Under 5%: 12", with `unit`
    after the value; "no figure" for a missing value, an empty bar), under `title`."""
    longest = scale or max((float(value or 0) for _, value in values), default=0)
    bars = [
        Bar(
            label=label,
            value=value,
            text=f"{label}: {'no figure' if value is None else f'{value}{unit}'}",
            length=round(100 * float(value or 0) / longest, 1) if longest else 0.0,
        )
        for label, value in values
    ]
    return BarChart(title=title, bars=bars)
