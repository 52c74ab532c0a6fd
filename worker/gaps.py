"""Strictly increasing entry indices as byte-coded gaps: how a sparse table part names its entries on the wire.

The first index is the part's ``start``; each later one is coded as its gap
from the one before (always at least 1): one byte for a gap below 256, else
a zero byte followed by the gap as a little-endian uint32 (gaps of 2**32 or
more are refused: tables stay below that many entries per part's span).
Changed entries of a sync sit a few apart, so this takes about one byte an
entry, as zlib did, and decodes in one compiled pass, several times faster
than inflating: the head decodes every host's changes, and this was the
slowest step of its merge.
"""
from __future__ import annotations

import numpy as np
from numba import njit

ESCAPE = 0
WIDE = 1 << 32


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _encoded_size(index):
    n = 0
    for k in range(1, index.shape[0]):
        g = index[k] - index[k - 1]
        n += 1 if g < 256 else 5
    return n


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _encode(index, out):
    j = 0
    for k in range(1, index.shape[0]):
        g = index[k] - index[k - 1]
        if g < 256:
            out[j] = g
            j += 1
        else:
            out[j] = ESCAPE
            for b in range(4):
                out[j + 1 + b] = (g >> (8 * b)) & 0xFF
            j += 5


def encode(index: np.ndarray) -> bytes:
    """The gaps of strictly increasing int64 ``index`` (its first element is the part's start, not coded)."""
    index = np.ascontiguousarray(index, dtype=np.int64)
    if len(index) > 1:
        gaps = np.diff(index)
        if gaps.min() < 1 or gaps.max() >= WIDE:
            raise ValueError("indices must increase by 1 to 2**32 - 1 at each step")
    out = np.empty(_encoded_size(index) if len(index) > 1 else 0, np.uint8)
    if len(index) > 1:
        _encode(index, out)
    return out.tobytes()


@njit(cache=True, nogil=True, error_model="numpy", _nrt=False)
def _decode(data, start, limit, out):
    """Fill out[:] from start and the coded gaps; returns 0, or a negative code: -1 data too short, -2 data
    left over, -3 an index at or past limit, -4 a zero gap."""
    n = out.shape[0]
    out[0] = start
    j = 0
    size = data.shape[0]
    current = start
    for k in range(1, n):
        if j >= size:
            return -1
        g = np.int64(data[j])
        j += 1
        if g == ESCAPE:
            if j + 4 > size:
                return -1
            g = (np.int64(data[j]) | (np.int64(data[j + 1]) << 8) | (np.int64(data[j + 2]) << 16)
                 | (np.int64(data[j + 3]) << 24))
            j += 4
            if g == 0:
                return -4
        current += g
        if current >= limit:
            return -3
        out[k] = current
    if j != size:
        return -2
    return 0


DECODE_ERRORS = {-1: "the gaps end before the part's count of entries",
                 -2: "bytes left over after the part's count of entries",
                 -3: "indices run past the table", -4: "a zero gap (indices must strictly increase)"}


def decode(data: bytes, start: int, count: int, limit: int) -> np.ndarray | str:
    """The ``count`` indices from ``start`` (below ``limit``); or, for bad data, what is wrong with it."""
    out = np.empty(count, np.int64)
    if count == 0:
        return out if not data else DECODE_ERRORS[-2]
    if start >= limit:
        return DECODE_ERRORS[-3]
    code = _decode(np.frombuffer(data, np.uint8), start, limit, out)
    return out if code == 0 else DECODE_ERRORS[code]
