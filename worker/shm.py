"""Attaching to the run's tables in shared memory (DESIGN.md, "Data").

The supervisor creates two segments (cumulative regret, cumulative strategy),
float32 each; local workers attach and update them in place without locks,
as Pluribus did.  Memory per host does not grow with the number of workers.

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

SEGMENT_PREFIX = "hdm"
TABLE_DTYPE = np.float32
ROLES = ("r", "s")  # regret, strategy


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


def table_view(segment: shared_memory.SharedMemory, size: int) -> np.ndarray:
    """The segment as ``float32[size]``; raises if the segment is too small."""
    need = size * np.dtype(TABLE_DTYPE).itemsize
    if segment.size < need:
        raise ValueError(
            f"shared-memory segment {segment.name!r} holds {segment.size} bytes; the table needs {need}"
        )
    return np.ndarray((size,), dtype=TABLE_DTYPE, buffer=segment.buf)


def attach_tables(names: tuple[str, str], size: int):
    """Attach both segments: returns (segments, regret view, strategy view)."""
    segments = [open_segment(n) for n in names]
    return segments, table_view(segments[0], size), table_view(segments[1], size)


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
