"""Which parts of a table hold memory: the runs of pages that were ever written.

Tables are laid out densely (row = offset[node] + bucket * actions) but only
the pages that training touches are backed by memory: a shared-memory
segment is a sparse tmpfs file and a private table is anonymous memory, both
filled on first touch by the operating system.  Snapshots write only those
pages, and the run reports how many there are, without reading the rest (a
read would back them too).

A shared segment is asked with ``lseek(SEEK_DATA/SEEK_HOLE)`` (its holes are
exact); private memory with ``mincore(2)``, which reports resident pages.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import sys

import numpy as np

PAGE = mmap.PAGESIZE


LAZY_MIN_BYTES = 64 << 20  # smaller arrays come from the allocator as usual
_LINUX_MAP_NORESERVE = 0x4000  # <sys/mman.h> on Linux; Python's mmap module names it from 3.13


def lazy_zeros(size: int, dtype) -> np.ndarray:
    """A zeroed array whose pages get memory when first touched, whatever its size.

    ``np.zeros`` is lazy too, but the kernel refuses one allocation larger than
    memory plus swap under its default overcommit rule, and a 6-max table is
    larger; a private anonymous mapping with ``MAP_NORESERVE`` is not counted
    until used.
    """
    dtype = np.dtype(dtype)
    nbytes = int(size) * dtype.itemsize
    flags = getattr(mmap, "MAP_NORESERVE", _LINUX_MAP_NORESERVE if sys.platform.startswith("linux") else 0)
    if nbytes < LAZY_MIN_BYTES or not flags:
        return np.zeros(size, dtype)
    buffer = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | flags)
    return np.frombuffer(buffer, dtype=dtype, count=int(size))


def file_extents(fd: int, nbytes: int) -> list[tuple[int, int]]:
    """(start, end) byte ranges of ``fd``'s first ``nbytes`` that hold data, holes skipped."""
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < nbytes:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:  # ENXIO: no data after pos
            break
        if start >= nbytes:
            break
        end = min(os.lseek(fd, start, os.SEEK_HOLE), nbytes)
        out.append((start, end))
        pos = end
    return out


def release_pages(array: np.ndarray) -> bool:
    """Let a memory-mapped array's pages leave the resident set; returns whether it could.

    A private anonymous mapping (:func:`lazy_zeros`) then reads as zeros
    again (MADV_DONTNEED does so on Linux); a file mapping (``np.memmap``)
    reads its file again, from the page cache.
    """
    mapping = getattr(array, "_mmap", None)  # np.memmap
    if mapping is None:
        mapping = getattr(array.base, "obj", array.base)  # np.frombuffer holds a memoryview of the mapping
    if isinstance(mapping, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        mapping.madvise(mmap.MADV_DONTNEED)
        return True
    return False


_libc = None


def resident_extents(array: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) byte ranges of ``array``'s buffer whose pages are resident (``mincore``)."""
    global _libc
    nbytes = array.nbytes
    if nbytes == 0:
        return []
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    addr = array.ctypes.data
    base = addr - addr % PAGE
    length = addr + nbytes - base
    pages = (length + PAGE - 1) // PAGE
    vec = np.zeros(pages, np.uint8)
    rc = _libc.mincore(ctypes.c_void_p(base), ctypes.c_size_t(length), vec.ctypes.data_as(ctypes.c_void_p))
    if rc != 0:  # not a mapping mincore understands: count every page
        return [(0, nbytes)]
    resident = (vec & 1).astype(bool)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], resident, [False])).astype(np.int8)))
    out = []
    for lo, hi in zip(edges[::2], edges[1::2]):
        start = max(int(lo) * PAGE + base - addr, 0)
        end = min(int(hi) * PAGE + base - addr, nbytes)
        out.append((start, end))
    return out


def entry_extents(byte_extents: list[tuple[int, int]], itemsize: int) -> np.ndarray:
    """int64[k, 2] (first entry, entries) of byte ranges, widened to whole entries."""
    out = np.empty((len(byte_extents), 2), np.int64)
    for i, (start, end) in enumerate(byte_extents):
        first = start // itemsize
        out[i] = first, -(-end // itemsize) - first
    return out


def table_extents(array: np.ndarray, fd: int | None = None) -> np.ndarray:
    """int64[k, 2] (first entry, entries) of the allocated parts of a 1-D table; ``fd``: the
    shared-memory file the table maps from its start, if any."""
    ranges = file_extents(fd, array.nbytes) if fd is not None else resident_extents(array)
    return entry_extents(ranges, array.itemsize)


def allocated_entries(extents: np.ndarray) -> int:
    return int(extents[:, 1].sum()) if extents.size else 0
