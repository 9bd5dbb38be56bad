"""Charts drawn on the server as inline SVG: no script, nothing from another host, the strict CSP kept.

Colours come from classes in caseflow/static/caseflow/app.css (`.chart .t1` …), never from style
attributes, which the CSP refuses. Every text is escaped here. A chart says what it shows in its
<title>; the numbers themselves are in the table the page puts beside it, for screen readers and print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
LABEL_WIDTH = 210
ROW = 26
BAR = 16
TOP = 34  # room for the legend
_ids = count(1)


@dataclass(frozen=True)
class Series:
    """One coloured part of every bar: a label for the legend and a value per category."""

    label: str
    values: list[float | None]
    tone: int = 1


def axis(maximum: float, integers: bool = True) -> tuple[float, float]:
    """The end of an axis and its step: at most five steps of 1, 2 or 5 × 10ⁿ (also 2.5 for fractions;
    never less than 1 for counts), so that every tick is a round number."""
    if maximum <= 0:
        return 1.0, 1.0
    bases = (1, 2, 5) if integers else (1, 2, 2.5, 5)
    power = math.floor(math.log10(maximum)) - 1
    while True:
        for base in bases:
            step = base * 10.0**power
            if (integers and step < 1) or maximum / step > 5:
                continue
            return math.ceil(maximum / step - 1e-9) * step, step
        power += 1


def _integers(series: list[Series]) -> bool:
    return all(value is None or float(value).is_integer() for item in series for value in item.values)


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(number_format(int(value), force_grouping=True))
    # round() first: number_format cuts the other decimals off instead of rounding.
    return str(number_format(round(value, 1), decimal_pos=1, force_grouping=True))


def _legend(series: list[Series], x: float = 0) -> list[str]:
    parts = []
    for item in series:
        parts.append(f'<rect class="t{item.tone}" x="{x:.0f}" y="6" width="12" height="12" rx="2"/>')
        parts.append(f'<text class="legend" x="{x + 17:.0f}" y="16">{escape(item.label)}</text>')
        x += 30 + 7.5 * len(item.label) + (6 * sum(1 for ch in item.label if ord(ch) > 0x2E7F))
    return parts


def _open(title: str, height: float, width: float = WIDTH) -> tuple[str, str]:
    ident = f"chart-{next(_ids)}"
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-labelledby="{ident}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}">{escape(title)}</title>'
    )
    return head, "</svg>"


def bar_chart(*, title: str, categories: list[str], series: list[Series], stacked: bool = True) -> SafeString:
    """Horizontal bars, one row per category: the series stacked end to end, or side by side."""
    if not categories:
        return mark_safe("")  # nosec B308, B703 - an empty string
    per_row = ROW if stacked else max(ROW, BAR * len(series) + 10)
    height = TOP + per_row * len(categories) + 24
    totals = [
        sum(item.values[i] or 0 for item in series)
        if stacked
        else max((item.values[i] or 0 for item in series), default=0)
        for i in range(len(categories))
    ]
    top, step = axis(max(totals, default=0), _integers(series))
    span = WIDTH - LABEL_WIDTH - 60
    scale = span / top
    head, tail = _open(title, height)
    parts = [head, *_legend(series)]
    for tick in range(round(top / step) + 1):
        x = LABEL_WIDTH + tick * step * scale
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 20}"/>')
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - 6}" text-anchor="middle">{_number(tick * step)}</text>'
        )
    for i, category in enumerate(categories):
        y = TOP + per_row * i
        label = category if len(category) <= 28 else category[:27] + "…"
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(label)}</text>'
        )
        x = float(LABEL_WIDTH)
        for j, item in enumerate(series):
            value = item.values[i] or 0
            width = value * scale
            bar_y = y if stacked else y + j * BAR
            height_bar = BAR if stacked else BAR - 2
            if width > 0:
                parts.append(
                    f'<rect class="t{item.tone}" x="{x:.1f}" y="{bar_y}" width="{width:.1f}" height="{height_bar}">'
                    f"<title>{escape(category)} · {escape(item.label)}: {_number(value)}</title></rect>"
                )
            if stacked:
                x += width
            elif item.values[i] is not None:
                parts.append(
                    f'<text class="value" x="{LABEL_WIDTH + width + 4:.1f}" y="{bar_y + height_bar - 3}">'
                    f"{_number(value)}</text>"
                )
        if stacked:
            parts.append(f'<text class="value" x="{x + 4:.1f}" y="{y + BAR - 3}">{_number(totals[i])}</text>')
    parts.append(tail)
    # Every text above went through escape(); numbers are formatted by this module.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703


def column_chart(*, title: str, categories: list[str], series: list[Series], stacked: bool = False) -> SafeString:
    """Vertical columns, one group per category (a month): side by side, or stacked."""
    if not categories:
        return mark_safe("")  # nosec B308, B703 - an empty string
    left, bottom, plot_height = 48, 40, 200
    slot = max(12.0, min(56.0, (WIDTH - left - 10) / len(categories)))
    width = max(WIDTH, left + slot * len(categories) + 10)
    height = TOP + plot_height + bottom
    totals = [
        sum(item.values[i] or 0 for item in series)
        if stacked
        else max((item.values[i] or 0 for item in series), default=0)
        for i in range(len(categories))
    ]
    top, step = axis(max(totals, default=0), _integers(series))
    scale = plot_height / top
    base = TOP + plot_height
    head, tail = _open(title, height, width)
    parts = [head, *_legend(series, left)]
    for tick in range(round(top / step) + 1):
        y = base - tick * step * scale
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - 10:.0f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick * step)}</text>'
        )
    # A label on every column while they fit, else on every n-th (ten years are 120 months).
    every = max(1, math.ceil(44 / slot))
    bar_width = (slot - 4) if stacked else (slot - 4) / len(series)
    for i, category in enumerate(categories):
        x0 = left + slot * i + 2
        y = float(base)
        for j, item in enumerate(series):
            value = item.values[i] or 0
            h = value * scale
            x = x0 if stacked else x0 + j * bar_width
            if h > 0:
                y_top = y - h if stacked else base - h
                parts.append(
                    f'<rect class="t{item.tone}" x="{x:.1f}" y="{y_top:.1f}" width="{max(bar_width - 1, 1):.1f}" '
                    f'height="{h:.1f}"><title>{escape(category)} · {escape(item.label)}: {_number(value)}</title>'
                    "</rect>"
                )
                if stacked:
                    y -= h
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{x0 + (slot - 4) / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{escape(category)}</text>"
            )
    parts.append(tail)
    # Every text above went through escape(); numbers are formatted by this module.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308, B703
