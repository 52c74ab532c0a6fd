"""The run's tables (and its betting tree) in shared memory, and the sweep of segments left by dead runs.

The supervisor creates both segments (see :mod:`worker.shm` for names and
attaching) and unlinks them on every exit path it controls: normal end,
Ctrl-C, failed start, exceptions (``SharedTables.release`` from a
``finally``).  A SIGKILLed supervisor controls nothing, so before creating its
segments every run writes a registry entry (owner pid and segment names) to a
per-user directory; the next run's :func:`sweep_stale` unlinks the segments
of every entry whose owner is dead.  The registry is a directory of small
JSON files rather than a listing of ``/dev/shm``, which macOS does not have.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

import numpy as np

from holdem.atomic import write_json_atomic
from worker.shm import (
    TABLE_DTYPES,
    array_views,
    arrays_segment_name,
    open_segment,
    pack_layout,
    pid_alive,
    segment_names,
    table_view,
    unlink_quietly,
    unlink_segment,
)

REGISTRY_ENV = "HOLDEM_SHM_REGISTRY"


def registry_dir() -> Path:
    """Where runs record their segments: ``$HOLDEM_SHM_REGISTRY`` or a per-user temp directory."""
    env = os.environ.get(REGISTRY_ENV)
    if env:
        return Path(env)
    return Path(tempfile.gettempdir()) / f"holdem-shm-{os.getuid()}"


class SharedTables:
    """Regret (float32[size]) and strategy (float64[size]) tables in two shared-memory segments."""

    def __init__(self, size: int, run_id: str, registry: Path | None = None) -> None:
        self.size = int(size)
        self.registry = Path(registry) if registry is not None else registry_dir()
        self.registry.mkdir(parents=True, exist_ok=True)
        self.names = segment_names(os.getpid(), secrets.token_hex(3))
        self.run_id = run_id
        self.arrays_name = ""  # the packed-arrays segment, once share_arrays made it
        self.arrays: dict[str, np.ndarray] = {}
        self.entry = self.registry / f"{self.names[0][:-1]}.json"
        # the flock of private-mode merges (worker.private): on a local disk beside the registry entry,
        # not in the log directory, which may be on a network file system without locks
        self.lock_path = self.entry.with_suffix(".lock")
        self._register(self.names)
        self._segments = []
        try:
            for name, dtype in zip(self.names, TABLE_DTYPES):
                self._segments.append(open_segment(name, create=True, nbytes=self.size * dtype.itemsize))
            self.regret = table_view(self._segments[0], self.size, TABLE_DTYPES[0])
            self.strategy = table_view(self._segments[1], self.size, TABLE_DTYPES[1])
        except BaseException:
            self.release()
            raise

    def extents(self) -> dict[str, np.ndarray]:
        """Per table, the runs of entries that hold memory (pages ever written; holes read as zero and
        are not backed: :mod:`holdem.mccfr.pages`)."""
        from holdem.mccfr.pages import table_extents

        return {name: table_extents(array, getattr(segment, "_fd", None))
                for name, array, segment in zip(("regret", "strategy"), (self.regret, self.strategy),
                                                self._segments)}

    def allocated_bytes(self) -> dict[str, int]:
        """Memory backing each table now (bytes): what training has touched, not the tables' size."""
        out = {}
        for name, segment in zip(("regret", "strategy"), self._segments):
            fd = getattr(segment, "_fd", None)
            out[name] = os.fstat(fd).st_blocks * 512 if fd is not None else segment.size
        return out

    def _register(self, segments) -> None:
        """Record the run's segments before creating one, so no crash can leave a segment nobody knows of."""
        write_json_atomic(self.entry, {"owner_pid": os.getpid(), "run_id": self.run_id, "segments": list(segments)})

    def release(self) -> None:
        """Unlink both segments and forget them; safe to call more than once."""
        self.regret = self.strategy = None
        self.arrays = {}
        for segment in self._segments:
            try:
                unlink_segment(segment)
            except FileNotFoundError:
                pass
            try:
                segment.close()
            except BufferError:
                # a view is still alive somewhere; the mapping goes with the process,
                # and the name is already unlinked, which is what matters
                pass
        self._segments = []
        self.lock_path.unlink(missing_ok=True)
        try:
            self.entry.unlink()
        except FileNotFoundError:
            pass

    def __enter__(self) -> "SharedTables":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def share_arrays(self, arrays: dict[str, np.ndarray]) -> list[dict]:
        """Copy named arrays into one more segment of this run (the betting tree, so workers need
        not build and hold their own); returns its layout (:func:`worker.shm.pack_layout`).

        Registered, released and swept with the tables."""
        if self.arrays_name:
            raise RuntimeError("this run already shares its arrays")
        layout, nbytes = pack_layout(arrays)
        name = arrays_segment_name(self.names)
        self._register((*self.names, name))
        segment = open_segment(name, create=True, nbytes=nbytes)
        self._segments.append(segment)
        self.arrays_name = name
        views = array_views(segment, layout)
        for entry in layout:
            views[entry["name"]][...] = arrays[entry["name"]]
        self.arrays = views
        return layout


def sweep_stale(registry: Path | None = None) -> list[str]:
    """Unlink the segments of every registered run whose owner process is dead.

    Returns the names of the segments that were still there.  Unreadable
    entries are removed too (they can only come from a crash mid-write).
    """
    registry = Path(registry) if registry is not None else registry_dir()
    removed: list[str] = []
    if not registry.is_dir():
        return removed
    for entry in sorted(registry.glob("*.json")):
        try:
            record = json.loads(entry.read_text())
            owner = int(record["owner_pid"])
            names = [str(n) for n in record["segments"]]
        except (OSError, ValueError, KeyError, TypeError):
            entry.unlink(missing_ok=True)
            continue
        if pid_alive(owner):
            continue
        for name in names:
            if unlink_quietly(name):
                removed.append(name)
        entry.with_suffix(".lock").unlink(missing_ok=True)
        entry.unlink(missing_ok=True)
    return removed
