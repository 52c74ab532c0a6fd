"""The C heap's policy for large blocks in long-lived processes: given back to the system when freed.

glibc serves a block above its *mmap threshold* from a mapping of its own,
which ``free`` unmaps.  But by default it raises the threshold (up to 32 MiB
on 64-bit) each time such a block is freed, and blocks below the new
threshold then come from the heap, where memory freed above the heap's
live top stays with the process.  A process that handles a stream of
multi-megabyte buffers for hours (the supervisor decoding and merging
hosts' change sets, numpy temporaries included) would keep the peak of
what it ever held.  Setting the threshold explicitly turns the adjustment
off (``mallopt(3)``, M_MMAP_THRESHOLD); elsewhere than glibc this does
nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # mallopt parameter numbers, from glibc's malloc.h
LARGE_BLOCK_BYTES = 1 << 20  # blocks this large or larger are mapped, and unmapped when freed


def return_large_blocks(threshold: int = LARGE_BLOCK_BYTES) -> bool:
    """Fix the mmap threshold at ``threshold`` bytes; returns whether the C library took it."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, int(threshold)))
