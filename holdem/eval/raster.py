"""Raster primitives for the evaluation pictures: PNG encoding, a 3x5 pixel font, lines (numpy + zlib).

PNG per the W3C PNG specification (2003): signature, IHDR (8-bit RGB),
one zlib-compressed IDAT of filter-type-0 scanlines, IEND; each chunk
length-prefixed and CRC-32'd.  Images are ``uint8[H, W, 3]`` arrays; files
are written atomically (:mod:`holdem.atomic`).  The line charts
(:mod:`holdem.eval.plot`) and the preflop range charts
(:mod:`holdem.eval.chart`) draw with these.
"""
from __future__ import annotations

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
FONT_SCALE = 2
GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ADVANCE = 3, 5, 4  # pixels of the unscaled font

# 3x5 glyphs, rows top to bottom, 3 bits each (4 = left pixel)
GLYPHS = {
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
    "%": (5, 1, 2, 4, 5), "_": (0, 0, 0, 0, 7), "'": (2, 2, 0, 0, 0),
    # the suited / offsuit marks of starting-hand names (AKs, AKo)
    "s": (0, 3, 4, 1, 6), "o": (0, 2, 5, 5, 2),
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


def blank(height: int, width: int) -> np.ndarray:
    """A white ``uint8[height, width, 3]`` image."""
    return np.full((height, width, 3), 255, dtype=np.uint8)


def text_width(text: str, scale: int = FONT_SCALE) -> int:
    """Pixels from the left of the first glyph to the right of the last."""
    return max(0, (GLYPH_ADVANCE * len(text) - 1) * scale)


def text_height(scale: int = FONT_SCALE) -> int:
    return GLYPH_HEIGHT * scale


def draw_text(img: np.ndarray, x: int, y: int, text: str, color=BLACK, scale: int = FONT_SCALE) -> None:
    """Draw ``text`` with its top-left corner at (x, y), clipped to the image; unknown characters are blank."""
    for k, ch in enumerate(text):
        rows = GLYPHS.get(ch, GLYPHS[" "])
        for r, bits in enumerate(rows):
            for c in range(GLYPH_WIDTH):
                if bits & (4 >> c):
                    x0, y0 = x + (GLYPH_ADVANCE * k + c) * scale, y + r * scale
                    img[max(y0, 0) : max(y0 + scale, 0), max(x0, 0) : max(x0 + scale, 0)] = color


def draw_polyline(img: np.ndarray, xs: np.ndarray, ys: np.ndarray, color, thickness: int = 2) -> None:
    """Straight segments through the points (pixel coordinates), ``thickness`` pixels downwards; clipped."""
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
