"""The monthly report's two charts as inline SVG (docs/finance.md, "The monthly report"): drawn
here in Python, so the HTML needs no script and no external file and Chromium prints them as
they are.

- :func:`trend_chart`: twelve months of cost, proven yield and the unproven lines' gross
  figures as grouped bars (the unproven bars hatched: shown, never summed);
- :func:`cost_chart`: the month's cost lines as horizontal bars.

Labels are escaped; amounts are formatted by the caller's ``money`` (the reader's locale).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

COST = "#c2571a"
PROVEN = "#2f7d4f"
UNPROVEN = "#8a93a3"
AXIS = "#5b6577"
GRID = "#e3e6ea"
INK = "#1b2733"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]  # cents, one per month
    color: str
    hatched: bool = False


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2 or 5 × 10^k), zero among them
    when the range holds it."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = 10,
          color: str = INK, weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{color}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
    )


HATCH = (
    '<defs><pattern id="{id}" width="5" height="5" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="5" height="5" fill="#eef0f3"/>'
    '<line x1="0" y1="0" x2="0" y2="5" stroke="{color}" stroke-width="2.2"/></pattern></defs>'
)


def trend_chart(
    months: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    money: Callable[[float], str],
    width: int = 700,
    height: int = 280,
) -> str:
    """Grouped bars, one group per month (``months``: the x labels), one bar per series."""
    left, right, top, bottom = 78, 10, 34, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values]
    ticks = nice_ticks(min([0, *values]), max([0, *values]))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(title)}</title>",
        *(HATCH.format(id=f"hatch-{k}", color=s.color) for k, s in enumerate(series) if s.hatched),
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{AXIS if tick == 0 else GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y(tick) + 3.5, money(tick), anchor="end", size=9, color=AXIS))
    group = plot_w / max(len(months), 1)
    bar = group * 0.8 / max(len(series), 1)
    for m, label in enumerate(months):
        x0 = left + m * group + group * 0.1
        for k, s in enumerate(series):
            value = s.values[m]
            y_top, y_bottom = sorted((y(value), y(0)))
            fill = f"url(#hatch-{k})" if s.hatched else s.color
            parts.append(
                f'<rect x="{x0 + k * bar:.1f}" y="{y_top:.1f}" width="{bar * 0.92:.1f}" '
                f'height="{max(y_bottom - y_top, 0.0):.1f}" fill="{fill}" '
                f'stroke="{s.color}" stroke-width="{0.8 if s.hatched else 0}">'
                f"<title>{escape(label)} · {escape(s.label)}: {escape(money(value))}</title></rect>"
            )
        parts.append(_text(left + (m + 0.5) * group, height - bottom + 14, label,
                           anchor="middle", size=9, color=AXIS))  # fmt: skip
    x = float(left)
    for k, s in enumerate(series):
        fill = f"url(#hatch-{k})" if s.hatched else s.color
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{fill}" stroke="{s.color}" '
            f'stroke-width="{0.8 if s.hatched else 0}"/>'
        )
        parts.append(_text(x + 17, 18, s.label, size=10))
        x += 17 + 6.2 * len(s.label) + 22
    parts.append("</svg>")
    return "".join(parts)


def cost_chart(
    lines: Sequence[tuple[str, int]],
    *,
    title: str,
    money: Callable[[float], str],
    width: int = 700,
) -> str:
    """Horizontal bars: each cost line (label, cents) with its amount written beside it."""
    label_w, value_w, row = 210, 90, 24
    top = 6
    height = top * 2 + row * max(len(lines), 1)
    high = max([1, *(cents for _label, cents in lines)])
    plot_w = width - label_w - value_w
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{label_w}" x2="{label_w}" y1="{top}" y2="{height - top}" stroke="{AXIS}"/>',
    ]
    for k, (label, cents) in enumerate(lines):
        y0 = top + k * row
        length = plot_w * max(cents, 0) / high
        parts.append(_text(label_w - 8, y0 + row * 0.65, label, anchor="end", size=10))
        parts.append(
            f'<rect x="{label_w}" y="{y0 + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{COST}"><title>{escape(label)}: {escape(money(cents))}</title></rect>'
        )
        parts.append(_text(label_w + length + 6, y0 + row * 0.65, money(cents), size=10))
    parts.append("</svg>")
    return "".join(parts)
