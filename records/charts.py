"""Chart geometry for the dashboards, drawn as inline SVG by the templates: no JavaScript, no
CDN, nothing the content security policy forbids (SVG presentation attributes, no inline
styles). Every chart sits beside a table of the same figures, which is what screen readers
and anyone who prefers numbers read; the SVG itself is aria-hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the y-axis labels
BOTTOM = 28  # room for the x-axis labels
TOP = 10
RIGHT = 12


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    points: str  # SVG polyline points
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
    values: Sequence[tuple[str, Decimal | None]], *, low: int = 0, high: int = 100, step: int = 20
) -> LineChart | None:
    """A line through (label, percentage) points, evenly spaced left to right, on a fixed
    low..high scale; points without a value are skipped. None when nothing can be drawn."""
    known = [(index, value) for index, (_, value) in enumerate(values) if value is not None]
    if not known:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    count = max(len(values) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + plot_width * index / count, 1)

    def y(value: Decimal | float) -> float:
        clamped = min(max(float(value), low), high)
        return round(TOP + plot_height * (high - clamped) / (high - low), 1)

    dots = [(x(index), y(value)) for index, value in known]
    every = max(1, len(values) // 8)
    return LineChart(
        points=" ".join(f"{px},{py}" for px, py in dots),
        dots=dots,
        y_ticks=[Tick(y(level), f"{level}%") for level in range(low, high + 1, step)],
        x_ticks=[Tick(x(index), label) for index, (label, _) in enumerate(values)][::every],
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Decimal
    length: float  # share of the longest bar, 0-100
    y: int


BAR_HEIGHT = 28


def bar_chart(
    values: Sequence[tuple[str, int | Decimal | None]], *, scale: int | None = None
) -> list[Bar]:
    """Horizontal bars, the longest filling the width, or on a fixed `scale` (100 for
    percentages); a missing value is an empty bar."""
    values = [(label, value or 0) for label, value in values]
    longest = scale or max((value for _, value in values), default=0)
    return [
        Bar(
            label,
            value,
            round(100 * float(value) / longest, 1) if longest else 0.0,
            index * BAR_HEIGHT,
        )
        for index, (label, value) in enumerate(values)
    ]
