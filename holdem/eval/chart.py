"""Preflop range charts: a 13x13 grid of the 169 starting-hand classes, each cell split into action bars.

The grid is the one poker tools draw: ranks A..2 along both axes, pairs on
the diagonal, suited hands above it (row rank higher), offsuit hands below.
Each cell is split left to right into one bar per action (fold, check/call,
the raise sizes ascending, all-in), each as wide as the action's probability
for that class.  The legend gives each action's frequency over the whole
range, weighted by combinations (6 per pair, 4 per suited class, 12 per
offsuit class, 1326 in all), as "% of hands".

:func:`render_png` draws a chart as an RGB image (:mod:`holdem.eval.raster`);
:func:`html_page` writes charts as one self-contained HTML page (a table
per chart with CSS-gradient cells, hover text with every frequency).  The
numbers come from the blueprint (``holdem-policy chart``,
:mod:`holdem.cli.policy`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from holdem.cards import RANKS
from holdem.eval.raster import BLACK, blank, draw_text, text_height, text_width

GRID_RANKS = RANKS[::-1]  # "AKQJT98765432": the grid's rows and columns, aces first
N_GRID = len(GRID_RANKS)
COMBOS_PAIR, COMBOS_SUITED, COMBOS_OFFSUIT = 6, 4, 12
TOTAL_COMBOS = 1326
PERCENT_UNITS = "% of hands"

FOLD_COLOUR = (93, 140, 211)
CALL_COLOUR = (96, 170, 90)
RAISE_LIGHT, RAISE_DARK = (244, 170, 90), (196, 48, 43)  # smallest and largest raise sizes
ALLIN_COLOUR = (110, 24, 70)
KIND_FOLD, KIND_CALL, KIND_RAISE, KIND_ALLIN = "fold", "call", "raise", "allin"
KIND_ORDER = (KIND_FOLD, KIND_CALL, KIND_RAISE, KIND_ALLIN)

# PNG layout, pixels
CELL_W, CELL_H = 50, 42
LABEL_H = 14  # the strip at the top of a cell holding the hand's name
GAP = 1  # white line between cells
MARGIN = 16
LINE_H = 16  # one line of text
SWATCH = 10


def grid_cell(name: str) -> tuple[int, int]:
    """(row, column) of a class name in the 13x13 grid: pairs on the diagonal, suited above it, offsuit below."""
    hi, lo = GRID_RANKS.index(name[0]), GRID_RANKS.index(name[1])
    if len(name) == 2 or name[2] == "s":
        return hi, lo
    return lo, hi


def cell_name(row: int, col: int) -> str:
    """The class at (row, column): ``"AA"``, ``"AKs"`` (above the diagonal), ``"AKo"`` (below)."""
    if row == col:
        return GRID_RANKS[row] * 2
    hi, lo = min(row, col), max(row, col)
    return GRID_RANKS[hi] + GRID_RANKS[lo] + ("s" if row < col else "o")


def cell_combos() -> np.ndarray:
    """int64[13, 13]: the card combinations of each cell's class (they sum to 1326)."""
    out = np.full((N_GRID, N_GRID), COMBOS_OFFSUIT, dtype=np.int64)
    out[np.triu_indices(N_GRID, 1)] = COMBOS_SUITED
    np.fill_diagonal(out, COMBOS_PAIR)
    return out


@dataclass(frozen=True)
class ChartAction:
    """One concrete action of a chart: its ``--history`` token, its wording, its kind (fold, call, raise, allin)."""

    token: str
    label: str
    kind: str
    amount: int

    @property
    def order(self) -> tuple[int, int]:
        return KIND_ORDER.index(self.kind), self.amount


@dataclass(frozen=True)
class PreflopChart:
    """What one chart shows: ``freqs[row, col, a]`` is the probability of ``actions[a]`` for the cell's class."""

    title: str
    subtitle: str
    actions: tuple[ChartAction, ...]
    freqs: np.ndarray  # float64[13, 13, len(actions)]
    name: str = "chart"  # a file-name stem, e.g. "btn-open"

    def __post_init__(self):
        if self.freqs.shape != (N_GRID, N_GRID, len(self.actions)):
            raise ValueError(f"freqs must have shape (13, 13, {len(self.actions)}), got {self.freqs.shape}")

    def range_frequencies(self) -> np.ndarray:
        """float64[A]: each action's share of all 1326 hands (combination-weighted), summing to 1."""
        w = cell_combos().astype(np.float64)
        return np.einsum("rc,rca->a", w, self.freqs) / w.sum()

    def to_json(self) -> dict:
        shares = self.range_frequencies()
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "name": self.name,
            "units": PERCENT_UNITS,
            "actions": [{"token": a.token, "action": a.label, "percent_of_hands": round(100 * float(s), 3)}
                        for a, s in zip(self.actions, shares)],
        }


def sorted_actions(actions) -> list[ChartAction]:
    """Display order: fold, check/call, raises by amount, all-in."""
    return sorted(actions, key=lambda a: a.order)


def action_colours(actions) -> list[tuple[int, int, int]]:
    """One colour per action: blue fold, green check/call, raises from orange (smallest) to red, all-in purple."""
    raises = [a for a in actions if a.kind == KIND_RAISE]
    out = []
    for a in actions:
        if a.kind == KIND_FOLD:
            out.append(FOLD_COLOUR)
        elif a.kind == KIND_CALL:
            out.append(CALL_COLOUR)
        elif a.kind == KIND_ALLIN:
            out.append(ALLIN_COLOUR)
        else:
            t = raises.index(a) / (len(raises) - 1) if len(raises) > 1 else 0.0
            r, g, b = (int(round(lo + t * (hi - lo))) for lo, hi in zip(RAISE_LIGHT, RAISE_DARK))
            out.append((r, g, b))
    return out


def bar_edges(probabilities: np.ndarray, width: int) -> np.ndarray:
    """int[A + 1]: pixel edges of the bars of one cell (each bar within a pixel of its share of ``width``)."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 0.0, None)
    total = p.sum()
    cum = np.concatenate([[0.0], np.cumsum(p) / total]) if total > 0 else np.zeros(len(p) + 1)
    return np.rint(cum * width).astype(int)


def _percent(p: float) -> str:
    return f"{100 * p:.1f}%"


def grid_origin() -> tuple[int, int]:
    """(x, y) of the top-left pixel of cell (0, 0) in :func:`render_png`'s image."""
    return MARGIN + 2 * 8, MARGIN + 3 * LINE_H


def cell_box(row: int, col: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the bars of cell (row, col) in :func:`render_png`'s image (x1, y1 exclusive)."""
    gx, gy = grid_origin()
    x0, y0 = gx + col * CELL_W, gy + row * CELL_H + LABEL_H
    return x0, y0, x0 + CELL_W - GAP, gy + (row + 1) * CELL_H - GAP


def render_png(chart: PreflopChart) -> np.ndarray:
    """The chart as an RGB image: title, subtitle, rank labels, the grid, axis note and legend."""
    colours = action_colours(chart.actions)
    shares = chart.range_frequencies()
    gx, gy = grid_origin()
    grid_w, grid_h = N_GRID * CELL_W, N_GRID * CELL_H
    legend = [f"{a.label.upper()}: {_percent(s)} OF HANDS" for a, s in zip(chart.actions, shares)]
    notes = ["ROWS AND COLUMNS: CARD RANK. SUITED ABOVE THE DIAGONAL, OFFSUIT BELOW, PAIRS ON IT.",
             "BAR WIDTHS: FREQUENCY OF EACH ACTION, % OF THE HANDS OF THE CLASS."]
    width = max(gx + grid_w + MARGIN, *(MARGIN + text_width(t) + MARGIN
                                        for t in (chart.title.upper(), chart.subtitle.upper(), *notes)))
    height = gy + grid_h + LINE_H * (len(notes) + len(legend)) + 2 * MARGIN
    img = blank(height, width)
    draw_text(img, MARGIN, MARGIN, chart.title.upper())
    draw_text(img, MARGIN, MARGIN + LINE_H, chart.subtitle.upper())
    glyph = text_height()
    for i, r in enumerate(GRID_RANKS):
        draw_text(img, gx + i * CELL_W + (CELL_W - text_width(r)) // 2, gy - LINE_H, r)
        draw_text(img, MARGIN, gy + i * CELL_H + (CELL_H - glyph) // 2, r)
    for row in range(N_GRID):
        for col in range(N_GRID):
            x0, y0, x1, y1 = cell_box(row, col)
            img[y0 - LABEL_H : y0, x0:x1] = (236, 236, 236)
            draw_text(img, x0 + 3, y0 - LABEL_H + 2, cell_name(row, col), BLACK)
            edges = bar_edges(chart.freqs[row, col], x1 - x0)
            for a, colour in enumerate(colours):
                img[y0:y1, x0 + edges[a] : x0 + edges[a + 1]] = colour
    y = gy + grid_h + MARGIN // 2
    for note in notes:
        draw_text(img, MARGIN, y, note)
        y += LINE_H
    for text, colour in zip(legend, colours):
        img[y : y + SWATCH, MARGIN : MARGIN + SWATCH] = colour
        draw_text(img, MARGIN + SWATCH + 6, y, text)
        y += LINE_H
    return img


def _hex(colour) -> str:
    return "#" + "".join(f"{c:02x}" for c in colour)


def _gradient(probabilities: np.ndarray, colours) -> str:
    edges = bar_edges(probabilities, 1000) / 10.0
    stops = [f"{_hex(c)} {edges[a]:g}% {edges[a + 1]:g}%" for a, c in enumerate(colours) if edges[a + 1] > edges[a]]
    return f"linear-gradient(to right, {', '.join(stops)})" if stops else "#ffffff"


def _html_chart(chart: PreflopChart, png: str | None) -> str:
    colours = action_colours(chart.actions)
    shares = chart.range_frequencies()
    out = [f"<section id=\"{html.escape(chart.name)}\">",
           f"<h2>{html.escape(chart.title)}</h2>", f"<p>{html.escape(chart.subtitle)}</p>",
           "<ul class=\"legend\">"]
    for a, c, s in zip(chart.actions, colours, shares):
        out.append(f"<li><span class=\"swatch\" style=\"background:{_hex(c)}\"></span>"
                   f"{html.escape(a.label)}: {_percent(s)} of hands</li>")
    out.append("</ul>")
    out.append("<table class=\"grid\"><caption>Rows and columns: card rank; suited hands above the diagonal, "
               "offsuit below, pairs on it. Bar widths: frequency of each action, % of the hands of the class."
               "</caption>")
    out.append("<tr><th></th>" + "".join(f"<th>{r}</th>" for r in GRID_RANKS) + "</tr>")
    for row in range(N_GRID):
        cells = []
        for col in range(N_GRID):
            name = cell_name(row, col)
            p = chart.freqs[row, col]
            hover = f"{name}: " + ", ".join(f"{a.label} {_percent(q)}" for a, q in zip(chart.actions, p))
            cells.append(f"<td title=\"{html.escape(hover)}\" style=\"background:{_gradient(p, colours)}\">"
                         f"{name}</td>")
        out.append(f"<tr><th>{GRID_RANKS[row]}</th>{''.join(cells)}</tr>")
    out.append("</table>")
    if png:
        out.append(f"<p><a href=\"{html.escape(png)}\">PNG of this chart</a></p>")
    out.append("</section>")
    return "\n".join(out)


_STYLE = """body { font-family: sans-serif; margin: 1.5em; }
table.grid { border-collapse: collapse; }
table.grid td { width: 3.2em; height: 2.4em; border: 1px solid #fff; font-size: 0.8em; vertical-align: top;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
table.grid th { font-weight: bold; padding: 0 0.4em; }
table.grid caption { caption-side: bottom; text-align: left; font-size: 0.85em; padding-top: 0.4em; }
ul.legend { list-style: none; padding: 0; }
span.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em; vertical-align: middle; }"""


def html_page(title: str, charts, pngs=None) -> str:
    """A self-contained HTML page with one grid per chart; ``pngs``: a link per chart (file names), or None."""
    pngs = list(pngs) if pngs is not None else [None] * len(charts)
    body = "\n".join(_html_chart(c, p) for c, p in zip(charts, pngs))
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n")
