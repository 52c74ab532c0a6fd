"""Attaching to the run's tables in shared memory (docs/architecture.md, "Data").

The supervisor creates two segments (cumulative regret, float32; cumulative
strategy, float64: see :mod:`holdem.mccfr.tables`); local workers attach and
update them in place without locks, as Pluribus did.  Memory per host does not grow with the number of workers.

Segment names are ``hdm<owner pid>_<token><r|s>``: a recognizable prefix, the
pid of the process that owns (and must unlink) them, and a random token.  They
stay under macOS's 31-character limit for POSIX shared-memory names.

Python up to 3.12 registers every segment it opens, even one it merely
attached, with the ``multiprocessing`` resource tracker, which unlinks it
(and warns about a "leak") when that process exits; a worker's exit would
then destroy the supervisor's tables.  So every open here is untracked, and
unlinking is the owner's job (plus the stale-segment sweep in
:mod:`supervisor.shm` for owners that were SIGKILLed).
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from multiprocessing import resource_tracker, shared_memory

import numpy as np

from holdem.mccfr.tables import REGRET_DTYPE, STRATEGY_DTYPE

SEGMENT_PREFIX = "hdm"
ROLES = ("r", "s")  # regret, strategy
TABLE_DTYPES = (REGRET_DTYPE, STRATEGY_DTYPE)  # by role


def segment_names(owner_pid: int, token: str) -> tuple[str, str]:
    """Names of the regret and strategy segments of one run."""
    return tuple(f"{SEGMENT_PREFIX}{owner_pid}_{token}{role}" for role in ROLES)


@contextmanager
def _untracked():
    """Keep the resource tracker out of one SharedMemory call (Python < 3.13).

    Both directions: registering on open, and unregistering on unlink (which
    would start a tracker process only to have it complain about a name it
    never saw).
    """
    register, unregister = resource_tracker.register, resource_tracker.unregister
    resource_tracker.register = resource_tracker.unregister = lambda name, rtype: None
    try:
        yield
    finally:
        resource_tracker.register, resource_tracker.unregister = register, unregister


def open_segment(name: str, create: bool = False, nbytes: int = 0) -> shared_memory.SharedMemory:
    """Create or attach a segment without the resource tracker."""
    # a zero-size segment cannot be created; an empty table still gets one byte
    size = max(int(nbytes), 1)
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, create=create, size=size, track=False)
    with _untracked():
        return shared_memory.SharedMemory(name=name, create=create, size=size)


def unlink_segment(segment: shared_memory.SharedMemory) -> None:
    """Remove the segment's name (the memory lives on while anyone maps it)."""
    if sys.version_info >= (3, 13):
        segment.unlink()
        return
    with _untracked():
        segment.unlink()


def table_view(segment: shared_memory.SharedMemory, size: int, dtype: np.dtype) -> np.ndarray:
    """The segment as ``dtype[size]``; raises if the segment is too small."""
    need = size * np.dtype(dtype).itemsize
    if segment.size < need:
        raise ValueError(
            f"shared-memory segment {segment.name!r} holds {segment.size} bytes; the table needs {need}"
        )
    return np.ndarray((size,), dtype=dtype, buffer=segment.buf)


def attach_tables(names: tuple[str, str], size: int):
    """Attach both segments: returns (segments, regret view, strategy view)."""
    segments = [open_segment(n) for n in names]
    return segments, table_view(segments[0], size, TABLE_DTYPES[0]), table_view(segments[1], size, TABLE_DTYPES[1])


def unlink_quietly(name: str) -> bool:
    """Unlink one segment by name; True if it existed."""
    try:
        segment = open_segment(name)
    except FileNotFoundError:
        return False
    try:
        unlink_segment(segment)
    except FileNotFoundError:
        return False
    finally:
        try:
            segment.close()
        except BufferError:
            pass
    return True


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ----------------------------------------------------------------- named arrays in one segment

ARRAYS_ROLE = "t"  # the betting tree's arrays and the block marks, packed in one segment
ARRAY_ALIGN = 64  # every array starts on a cache line
MARKS_CELL = "block_cell"  # with remote workers, beside the tree: the epoch cell and the block marks
MARKS_ARRAY = "block_marks"  # (holdem.mccfr.blocks.BlockMarks), which every local writer keeps
ARRAY_DTYPES = ("|i1", "|b1", "<i4", "<u4", "<i8", "<f4", "<f8")  # the dtypes a packed layout may name


def arrays_segment_name(tables_names: tuple[str, str]) -> str:
    """The name of a run's packed-arrays segment, beside its two table segments."""
    return tables_names[0][:-1] + ARRAYS_ROLE


def pack_layout(arrays: dict[str, np.ndarray]) -> tuple[list[dict], int]:
    """Where each array goes in one segment: ([{name, dtype, shape, offset}], total bytes)."""
    layout, offset = [], 0
    for name, a in arrays.items():
        dtype = np.dtype(a.dtype).str
        if dtype not in ARRAY_DTYPES:
            raise ValueError(f"array {name!r} has dtype {dtype}; a packed segment takes {ARRAY_DTYPES}")
        offset = -(-offset // ARRAY_ALIGN) * ARRAY_ALIGN
        layout.append({"name": name, "dtype": dtype, "shape": [int(n) for n in a.shape], "offset": offset})
        offset += a.nbytes
    return layout, offset


def array_views(segment: shared_memory.SharedMemory, layout) -> dict[str, np.ndarray]:
    """Views of the arrays a layout (from :func:`pack_layout`, possibly off the wire) names.

    Every entry is checked (known dtype, non-negative shape, inside the segment)
    before a view is made; a ValueError says what is wrong.
    """
    if not isinstance(layout, list):
        raise ValueError("array layout: expected a list of entries")
    views: dict[str, np.ndarray] = {}
    for entry in layout:
        try:
            name, dtype, shape, offset = entry["name"], entry["dtype"], entry["shape"], entry["offset"]
        except (TypeError, KeyError) as exc:
            raise ValueError(f"array layout: bad entry {entry!r} (needs name, dtype, shape, offset)") from exc
        if not isinstance(name, str) or name in views:
            raise ValueError(f"array layout: bad or repeated name {name!r}")
        if dtype not in ARRAY_DTYPES:
            raise ValueError(f"array layout: {name}: dtype {dtype!r} is not one of {ARRAY_DTYPES}")
        if (not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape)
                or type(offset) is not int or offset < 0 or offset % ARRAY_ALIGN):
            raise ValueError(f"array layout: {name}: bad shape {shape!r} or offset {offset!r}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if offset + nbytes > segment.size:
            raise ValueError(f"array layout: {name} ends at byte {offset + nbytes}, past the segment's "
                             f"{segment.size}")
        views[name] = np.ndarray(tuple(shape), dtype=np.dtype(dtype), buffer=segment.buf, offset=offset)
    return views
