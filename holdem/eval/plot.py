"""A tiny PNG line chart (numpy rasterising + zlib), for running results without matplotlib.

PNG per the W3C PNG specification (2003): signature, IHDR (8-bit RGB),
one zlib-compressed IDAT of filter-type-0 scanlines, IEND; each chunk
length-prefixed and CRC-32'd.  The chart: the running mean as a line, its
95% interval as a shaded band, the zero line, axes with tick labels drawn in
a 3x5 pixel digit font (y in mbb/hand, x in hands).  The file is written
atomically (temporary file, fsync, rename).
"""
from __future__ import annotations

import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from holdem.atomic import write_bytes_atomic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BIT_DEPTH = 8
COLOR_RGB = 2
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (170, 170, 170)
LINE = (31, 90, 180)
BAND = (190, 210, 240)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 60, 20, 15, 30
FONT_SCALE = 2
SCALE_SKIP_DIVISOR = 20  # the y range ignores the first 1/20 of the points (clipped at the frame)

# 3x5 glyphs, rows top to bottom, 3 bits each (4 = left pixel)
_GLYPHS = {
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7), "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7), "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1),
    "8": (7, 5, 7, 5, 7), "9": (7, 5, 7, 1, 7), "-": (0, 0, 7, 0, 0), ".": (0, 0, 0, 0, 2),
    "+": (0, 2, 7, 2, 0), "k": (4, 5, 6, 5, 5), " ": (0, 0, 0, 0, 0),
    # capitals and a few signs, for titles and axis labels (drawn upper-case)
    "A": (2, 5, 7, 5, 5), "B": (6, 5, 6, 5, 6), "C": (3, 4, 4, 4, 3), "D": (6, 5, 5, 5, 6),
    "E": (7, 4, 6, 4, 7), "F": (7, 4, 6, 4, 4), "G": (3, 4, 5, 5, 3), "H": (5, 5, 7, 5, 5),
    "I": (7, 2, 2, 2, 7), "J": (1, 1, 1, 5, 2), "K": (5, 5, 6, 5, 5), "L": (4, 4, 4, 4, 7),
    "M": (5, 7, 7, 5, 5), "N": (6, 5, 5, 5, 5), "O": (2, 5, 5, 5, 2), "P": (6, 5, 6, 4, 4),
    "Q": (2, 5, 5, 6, 3), "R": (6, 5, 6, 5, 5), "S": (3, 4, 2, 1, 6), "T": (7, 2, 2, 2, 2),
    "U": (5, 5, 5, 5, 7), "V": (5, 5, 5, 5, 2), "W": (5, 5, 7, 7, 5), "X": (5, 5, 2, 5, 5),
    "Y": (5, 5, 2, 2, 2), "Z": (7, 1, 2, 4, 7), "(": (1, 2, 2, 2, 1), ")": (4, 2, 2, 2, 4),
    "/": (1, 1, 2, 4, 4), ",": (0, 0, 0, 2, 4), ":": (0, 2, 0, 2, 0), "=": (0, 7, 0, 7, 0),
    "%": (5, 1, 2, 4, 5), "_": (0, 0, 0, 0, 7),
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an ``uint8[H, W, 3]`` image."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    h, w, _ = rgb.shape
    raw = np.zeros((h, 1 + 3 * w), dtype=np.uint8)  # leading 0 per row: filter type None
    raw[:, 1:] = rgb.reshape(h, 3 * w)
    header = struct.pack(">IIBBBBB", w, h, BIT_DEPTH, COLOR_RGB, 0, 0, 0)
    data = zlib.compress(raw.tobytes(), 9)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def write_png(path: str | os.PathLike, rgb: np.ndarray) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, encode_png(rgb))
    return path


def _text(img: np.ndarray, x: int, y: int, text: str, color=BLACK) -> None:
    """Draw ``text`` with its top-left corner at (x, y), clipped to the image."""
    s = FONT_SCALE
    for k, ch in enumerate(text):
        rows = _GLYPHS.get(ch, _GLYPHS[" "])
        for r, bits in enumerate(rows):
            for c in range(3):
                if bits & (4 >> c):
                    x0, y0 = x + (4 * k + c) * s, y + r * s
                    img[max(y0, 0) : max(y0 + s, 0), max(x0, 0) : max(x0 + s, 0)] = color


def _label(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"


def _line(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, color, thickness: int = 2) -> None:
    h, w, _ = img.shape
    for i in range(len(xs) - 1):
        steps = int(max(abs(xs[i + 1] - xs[i]), abs(ys[i + 1] - ys[i]))) + 1
        px = np.rint(np.linspace(xs[i], xs[i + 1], steps + 1)).astype(int)
        py = np.rint(np.linspace(ys[i], ys[i + 1], steps + 1)).astype(int)
        for d in range(thickness):
            ok = (px >= 0) & (px < w) & (py + d >= 0) & (py + d < h)
            img[py[ok] + d, px[ok]] = color
    if len(xs) == 1:
        img[int(np.clip(ys[0], 0, h - 1)), int(np.clip(xs[0], 0, w - 1))] = color


def running_chart(hands: np.ndarray, mean: np.ndarray, half_width: np.ndarray | None = None,
                  width: int = 720, height: int = 400, title: str = "", xlabel: str = "",
                  ylabel: str = "") -> np.ndarray:
    """RGB image: ``mean`` against ``hands`` with a shaded ``mean +- half_width`` band (NaN: no band);
    ``title`` above the frame, ``ylabel`` inside its top-left corner, ``xlabel`` under its middle."""
    x = np.asarray(hands, dtype=np.float64)
    y = np.asarray(mean, dtype=np.float64)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(f"hands and mean must be non-empty and of one length, got {x.shape} and {y.shape}")
    hw = np.zeros_like(y) if half_width is None else np.nan_to_num(np.asarray(half_width, dtype=np.float64), nan=0.0)
    # the first few points (one group's interval is huge) would flatten the rest: scale from 5% of the way in
    k = len(y) // SCALE_SKIP_DIVISOR
    lo, hi = float(min(0.0, (y[k:] - hw[k:]).min())), float(max(0.0, (y[k:] + hw[k:]).max()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("chart values must be finite")
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    x0, x1 = MARGIN_LEFT, width - MARGIN_RIGHT
    y0, y1 = MARGIN_TOP, height - MARGIN_BOTTOM
    xmax = max(float(x.max()), 1.0)

    def px(v):
        return x0 + (np.asarray(v) / xmax) * (x1 - x0)

    def py(v):
        return y1 - (np.asarray(v) - lo) / (hi - lo) * (y1 - y0)

    img = np.empty((height, width, 3), dtype=np.uint8)
    img[:] = WHITE
    cols = np.rint(px(x)).astype(int)
    top = np.rint(py(y + hw)).astype(int)
    bottom = np.rint(py(y - hw)).astype(int)
    for i in range(len(cols)):  # band: a vertical span per data point, filled to the next point
        c_end = cols[i + 1] if i + 1 < len(cols) else cols[i] + 1
        img[max(top[i], y0) : max(min(bottom[i], y1) + 1, y0), cols[i] : max(c_end, cols[i] + 1)] = BAND
    zero = int(round(float(py(0.0))))
    img[zero, x0:x1:4] = GREY
    img[y0 : y1 + 1, x0] = BLACK
    img[y1, x0 : x1 + 1] = BLACK
    _line(img, px(x), np.clip(py(y), y0, y1), LINE)
    for value in (hi - pad, 0.0, lo + pad):
        row = int(round(float(py(value))))
        img[row, x0 - 4 : x0] = BLACK
        label = _label(value)
        _text(img, x0 - 8 - 4 * FONT_SCALE * len(label), row - 2 * FONT_SCALE, label)
    label = _label(xmax)
    _text(img, x1 - 4 * FONT_SCALE * len(label), y1 + 8, label)
    _text(img, x0, y1 + 8, "0")
    if title:
        _text(img, x0, 2, title.upper())
    if ylabel:
        _text(img, x0 + 6, y0 + 4, ylabel.upper())
    if xlabel:
        _text(img, (x0 + x1 - 4 * FONT_SCALE * len(xlabel)) // 2, y1 + 8, xlabel.upper())
    return img


def plot_running(path: str | os.PathLike, hands: np.ndarray, mean: np.ndarray,
                 half_width: np.ndarray | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> Path:
    return write_png(path, running_chart(hands, mean, half_width, title=title, xlabel=xlabel, ylabel=ylabel))
