"""A PNG line chart with a 95% interval band (drawn with :mod:`holdem.eval.raster`; no matplotlib).

The chart: a series (a running result against hands played, or a learning
curve against training time) as a line, its 95% interval as a shaded band
(linear between the points), the zero line, axes with tick labels in a 3x5
pixel font, a title above the frame, the y label inside its top-left corner
and the x label under its middle.  The file is written atomically.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from holdem.eval.raster import (
    BLACK,
    GREY,
    PNG_SIGNATURE,
    blank,
    draw_polyline,
    draw_text,
    encode_png,
    text_height,
    text_width,
    write_png,
)

__all__ = ["BAND", "LINE", "PNG_SIGNATURE", "encode_png", "line_chart", "plot_running", "running_chart"]

LINE = (31, 90, 180)
BAND = (190, 210, 240)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 60, 20, 15, 30
MARKER = 3  # half the side of a point's square marker, pixels
RUNNING_SCALE_SKIP = 1 / 20  # running results: the y range ignores the first 1/20 of the points


def _label(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"


def _y_range(y: np.ndarray, hw: np.ndarray, skip: int) -> tuple[float, float]:
    """Range of the line and its finite band from point ``skip`` on, with 0 in it."""
    ys, hs = y[skip:], hw[skip:]
    band = np.isfinite(hs)
    values = np.concatenate([ys, ys[band] - hs[band], ys[band] + hs[band], [0.0]])
    lo, hi = float(values.min()), float(values.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("chart values must be finite")
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    return lo, hi


def line_chart(x: np.ndarray, mean: np.ndarray, half_width: np.ndarray | None = None, *, width: int = 720,
               height: int = 400, title: str = "", xlabel: str = "", ylabel: str = "", scale_skip: float = 0.0,
               markers: bool = False) -> np.ndarray:
    """RGB image: ``mean`` against ``x`` (x from 0 to its maximum) with a shaded ``mean +- half_width`` band.

    A NaN or infinite half-width draws no band at that point.  ``scale_skip``:
    the share of leading points the y range ignores (they are clipped at the
    frame).  ``markers``: a square at each point (a few points, e.g. one per
    snapshot).  Text is drawn upper-case.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(mean, dtype=np.float64)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"x and mean must be non-empty and of one length, got {x.shape} and {y.shape}")
    hw = np.full_like(y, np.nan) if half_width is None else np.asarray(half_width, dtype=np.float64)
    hw = np.where(np.isfinite(hw), hw, np.nan)
    order = np.argsort(x, kind="stable")
    x, y, hw = x[order], y[order], hw[order]
    lo, hi = _y_range(y, hw, int(len(y) * scale_skip))
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    x0, x1 = MARGIN_LEFT, width - MARGIN_RIGHT
    y0, y1 = MARGIN_TOP, height - MARGIN_BOTTOM
    xmax = float(x.max()) if x.max() > 0 else 1.0

    def px(v):
        return x0 + (np.asarray(v) / xmax) * (x1 - x0)

    def py(v):
        return y1 - (np.asarray(v) - lo) / (hi - lo) * (y1 - y0)

    img = blank(height, width)
    _band(img, px(x), py(y + hw), py(y - hw), y0, y1)
    zero = int(round(float(py(0.0))))
    img[zero, x0:x1:4] = GREY
    img[y0 : y1 + 1, x0] = BLACK
    img[y1, x0 : x1 + 1] = BLACK
    line_y = np.clip(py(y), y0, y1)
    draw_polyline(img, px(x), line_y, LINE)
    if markers:
        for cx, cy in zip(np.rint(px(x)).astype(int), np.rint(line_y).astype(int)):
            img[max(cy - MARKER, 0) : cy + MARKER + 1, max(cx - MARKER, 0) : cx + MARKER + 1] = LINE
    glyph = text_height()
    for value in (hi - pad, 0.0, lo + pad):
        row = int(round(float(py(value))))
        img[row, x0 - 4 : x0] = BLACK
        label = _label(value)
        draw_text(img, x0 - 8 - text_width(label), row - glyph // 2, label)
    label = _label(xmax)
    draw_text(img, x1 - text_width(label), y1 + 8, label)
    draw_text(img, x0, y1 + 8, "0")
    if title:
        draw_text(img, x0, 2, title.upper())
    if ylabel:
        draw_text(img, x0 + 6, y0 + 4, ylabel.upper())
    if xlabel:
        draw_text(img, (x0 + x1 - text_width(xlabel)) // 2, y1 + 8, xlabel.upper())
    return img


def _band(img: np.ndarray, xs: np.ndarray, top: np.ndarray, bottom: np.ndarray, y0: int, y1: int) -> None:
    """Shade between ``top`` and ``bottom`` (pixel rows), linear between neighbouring points that both have a band."""
    has = np.isfinite(top) & np.isfinite(bottom)
    cols = np.rint(xs).astype(int)
    for i in range(len(cols)):
        if not has[i]:
            continue
        nxt = i + 1 < len(cols) and has[i + 1] and cols[i + 1] > cols[i]
        c = np.arange(cols[i], cols[i + 1] if nxt else cols[i] + 1)
        t = (c - cols[i]) / (cols[i + 1] - cols[i]) if nxt else np.zeros(len(c))
        j = i + 1 if nxt else i
        tops = np.rint(top[i] + t * (top[j] - top[i])).astype(int)
        bottoms = np.rint(bottom[i] + t * (bottom[j] - bottom[i])).astype(int)
        for col, a, b in zip(c, tops, bottoms):
            img[max(a, y0) : max(min(b, y1) + 1, y0), col] = BAND


def running_chart(hands: np.ndarray, mean: np.ndarray, half_width: np.ndarray | None = None,
                  width: int = 720, height: int = 400, title: str = "", xlabel: str = "",
                  ylabel: str = "") -> np.ndarray:
    """A running result against hands played; the first twentieth of the points is left out of the y range
    (one group's interval is huge and would flatten the rest)."""
    return line_chart(hands, mean, half_width, width=width, height=height, title=title, xlabel=xlabel,
                      ylabel=ylabel, scale_skip=RUNNING_SCALE_SKIP)


def plot_running(path: str | os.PathLike, hands: np.ndarray, mean: np.ndarray,
                 half_width: np.ndarray | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> Path:
    return write_png(path, running_chart(hands, mean, half_width, title=title, xlabel=xlabel, ylabel=ylabel))
