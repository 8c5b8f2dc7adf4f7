"""Line charts of training curves, drawn as text for a terminal and as SVG for a file, with no plotting library.

Both front ends draw curves: the TUI's live loss chart (``tui/loss_chart.py``) and ``hangul-rnn history`` (a
finished model's loss and accuracy per epoch). The scaling of points onto a character grid is written once here
and returned as rich :class:`~rich.text.Text`, which Textual renders too.

Why no matplotlib: it would be a 40 MB dependency of a terminal tool for one picture. A chart of a few series of
a few dozen points is a page of SVG, which every browser and document tool opens and which stays sharp when
scaled; the pictures are written by :func:`history_svg` below.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from rich.text import Text

from hangul_rnn.atomic import write_text
from hangul_rnn.errors import HangulRNNError, UsageError

#: The marks of a training and a validation series, in the terminal.
TRAIN_MARK = "•"
VAL_MARK = "◆"
#: Their colours in SVG (Okabe–Ito blue and vermillion: told apart with any colour vision).
_SVG_COLOURS = ("#0072B2", "#D55E00")


@dataclass(frozen=True)
class Series:
    """Points ``(x, y)`` of one curve, with the mark and rich style it is drawn with in the terminal."""

    name: str
    points: Sequence[tuple[float, float]]
    mark: str = TRAIN_MARK
    style: str = "cyan"


@dataclass(frozen=True)
class Panel:
    """One chart: a quantity (loss, accuracy) with its training and validation series."""

    title: str
    series: tuple[Series, ...]


def text_chart(series: Sequence[Series], width: int, height: int, *, x_max: float | None = None,
               x_min: float = 0.0, connect: bool = False) -> Text:
    """The series on one y scale in a ``width`` × ``height`` character grid, each row led by its y value.

    ``x`` runs from ``x_min`` at the left edge to ``x_max`` (default: the largest x) at the right. ``connect``
    joins each series' consecutive points with faint dots, for curves with few points across a wide grid.
    """
    width, height = max(2, width), max(2, height)
    points = [p for s in series for p in s.points]
    ys = [y for _, y in points if math.isfinite(y)]
    low, high = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if high - low < 1e-9:
        high = low + 1e-3
    x_top = x_max if x_max is not None else max((x for x, _ in points), default=1.0)
    span = x_top - x_min if x_top > x_min else 1.0
    grid = [[" "] * width for _ in range(height)]
    styles = [[""] * width for _ in range(height)]

    def cell(x: float, y: float) -> tuple[int, int]:
        col = min(width - 1, max(0, int((x - x_min) / span * (width - 1))))
        row = height - 1 - int((y - low) / (high - low) * (height - 1))
        return min(height - 1, max(0, row)), col

    for s in series:
        finite = [(x, y) for x, y in s.points if math.isfinite(y)]
        if connect:
            for (x0, y0), (x1, y1) in zip(finite, finite[1:]):
                (_, c0), (_, c1) = cell(x0, y0), cell(x1, y1)
                for c in range(c0 + 1, c1):
                    x = x0 + (x1 - x0) * (c - c0) / (c1 - c0)
                    row, col = cell(x, y0 + (y1 - y0) * (x - x0) / (x1 - x0))
                    if grid[row][col] == " ":
                        grid[row][col], styles[row][col] = "·", f"dim {s.style}"
        for x, y in finite:
            row, col = cell(x, y)
            grid[row][col], styles[row][col] = s.mark, s.style
    text = Text()
    for r in range(height):
        label = high - (high - low) * r / (height - 1)
        text.append(f"{label:6.3f} ", style="dim")
        for c in range(width):
            text.append(grid[r][c], style=styles[r][c] or None)
        if r < height - 1:
            text.append("\n")
    return text


def history_panels(history: dict) -> list[Panel]:
    """The loss and accuracy charts of a bundle's ``history.json`` (per-epoch Keras logs): training and
    validation per epoch, x = the epoch number from 1. A quantity the history lacks has no panel."""
    panels = []
    for key, title in (("loss", "loss"), ("accuracy", "accuracy")):
        series = []
        for name, field, mark, style in (("train", key, TRAIN_MARK, "cyan"),
                                          ("validation", f"val_{key}", VAL_MARK, "bold magenta")):
            values = history.get(field) or []
            if values:
                series.append(Series(name, [(i + 1.0, float(v)) for i, v in enumerate(values)], mark, style))
        if series:
            panels.append(Panel(title, tuple(series)))
    return panels


def epochs_of(history: dict) -> int:
    """How many epochs the history records (its longest series)."""
    return max((len(v) for v in history.values() if isinstance(v, list)), default=0)


def epoch_axis(width: int, epochs: int) -> Text:
    """The x axis under a :func:`text_chart` of epochs 1 to ``epochs`` (``x_min=1``): a rule and the numbers."""
    width = max(2, width)
    line = [" "] * width
    step = max(1, math.ceil(epochs * 4 / width))  # at least 4 columns per label
    for epoch in range(1, epochs + 1, step):
        col = int((epoch - 1) / (epochs - 1) * (width - 1)) if epochs > 1 else 0
        label = str(epoch)
        start = max(0, min(width - len(label), col - len(label) // 2))
        if all(ch == " " for ch in line[max(0, start - 1) : start + len(label)]):
            line[start : start + len(label)] = list(label)
    text = Text("       " + "─" * width + "\n", style="dim")
    text.append("epoch  " + "".join(line), style="dim")
    return text


# --------------------------------------------------------------------------------------------------- SVG


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) covering ``[low, high]``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UsageError("cannot chart values that are not finite")
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 12))
        value += step
    return ticks


_PANEL_W, _PANEL_H, _MARGIN_L, _MARGIN_B, _MARGIN_T, _MARGIN_R = 420, 300, 58, 44, 36, 16


def _svg_panel(panel: Panel, left: float, epochs: int) -> list[str]:
    """The SVG elements of one panel whose box starts ``left`` pixels from the picture's left edge."""
    ys = [y for s in panel.series for _, y in s.points if math.isfinite(y)]
    ticks = nice_ticks(min(ys), max(ys)) if ys else [0.0, 1.0]
    y_low, y_high = ticks[0], ticks[-1]
    x0, x1 = left + _MARGIN_L, left + _PANEL_W - _MARGIN_R
    y0, y1 = _MARGIN_T, _PANEL_H - _MARGIN_B

    def px(x: float, y: float) -> tuple[float, float]:
        fx = (x - 1) / (epochs - 1) if epochs > 1 else 0.5
        return x0 + fx * (x1 - x0), y1 - (y - y_low) / (y_high - y_low or 1.0) * (y1 - y0)

    out = [f'<g class="panel" data-quantity="{escape(panel.title)}">',
           f'<text x="{(x0 + x1) / 2:.1f}" y="{y0 - 14}" text-anchor="middle" font-weight="bold">'
           f'{escape(panel.title)}</text>',
           f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#999"/>']
    for tick in ticks:
        _, y = px(1, tick)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    step = max(1, math.ceil(epochs / 10))
    for epoch in range(1, epochs + 1, step):
        x, _ = px(epoch, y_low)
        out.append(f'<text x="{x:.1f}" y="{y1 + 16}" text-anchor="middle">{epoch}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 34}" text-anchor="middle">epoch</text>')
    for s, colour in zip(panel.series, _SVG_COLOURS):
        points = [px(x, y) for x, y in s.points if math.isfinite(y)]
        joined = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline class="series" data-series="{escape(s.name)}" points="{joined}" fill="none" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
    # The legend goes in the right-hand corner the curves end farther from (bottom right for rising accuracy).
    ends = [px(*s.points[-1])[1] for s in panel.series if s.points and math.isfinite(s.points[-1][1])]
    box_h = 18 * len(panel.series) + 4
    top = y1 - box_h - 4 if ends and sum(ends) / len(ends) < (y0 + y1) / 2 else y0 + 4
    out.append(f'<rect x="{x1 - 116}" y="{top}" width="110" height="{box_h}" fill="white" fill-opacity="0.85"/>')
    for i, (s, colour) in enumerate(zip(panel.series, _SVG_COLOURS)):
        lx, ly = x1 - 110, top + 12 + 18 * i
        out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 20}" y2="{ly - 4}" stroke="{colour}" '
                   'stroke-width="2"/>')
        out.append(f'<text x="{lx + 26}" y="{ly}">{escape(s.name)}</text>')
    out.append("</g>")
    return out


def history_svg(history: dict, title: str) -> str:
    """A picture of a bundle's training curves: one panel per quantity (loss, accuracy) side by side, training
    and validation per epoch; UsageError when the history has no curve to draw."""
    panels = history_panels(history)
    if not panels:
        raise UsageError(f"{title}: the history has no loss or accuracy per epoch to draw")
    epochs = epochs_of(history)
    width, height = _PANEL_W * len(panels), _PANEL_H + 24
    body = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<g transform="translate(0, 24)"><text x="{width / 2}" y="-6" text-anchor="middle" font-size="14">'
            f"{escape(title)}</text>"]
    for i, panel in enumerate(panels):
        body.extend(_svg_panel(panel, i * _PANEL_W, epochs))
    body.append("</g></svg>")
    return "\n".join(body) + "\n"


def save_history_chart(history: dict, title: str, path: str | Path) -> Path:
    """Write :func:`history_svg` to ``path`` (an ``.svg`` file, replaced atomically); one-line errors for another
    kind of file (UsageError) and for a place that cannot be written (HangulRNNError)."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".svg":
        raise UsageError(f"--save {path}: pictures are written as SVG; name the file .svg (browsers open it; "
                         "'rsvg-convert -o chart.png chart.svg' makes a PNG)")
    svg = history_svg(history, title)
    try:
        write_text(path, svg)
    except OSError as exc:
        raise HangulRNNError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


__all__ = ["Panel", "Series", "TRAIN_MARK", "VAL_MARK", "epoch_axis", "epochs_of", "history_panels",
           "history_svg", "nice_ticks", "save_history_chart", "text_chart"]
