"""Snapshots of the tables: ``DIR/snapshots/<iteration>/{tables.npz, manifest.json}`` and ``DIR/latest``.

A snapshot is written into a temporary directory next to its final place,
every file fsynced, then renamed into place and the parent directory
fsynced; only then is ``DIR/latest`` (a one-line text file naming the
snapshot directory relative to ``DIR``) replaced the same way.  A crash at
any point leaves the previous snapshot and ``latest`` whole.

Formats: ``tables.npz`` holds, per table, ``<name>_extents`` (int64[k, 2]:
first entry and length of each allocated run, :mod:`holdem.mccfr.pages`) and
``<name>`` (the values of those runs, back to back: float32 regrets, float64
strategy sums); entries outside the runs are zero.  Written by
:mod:`holdem.mccfr.npz_writer` (``O_DIRECT``, each array's data at a
page-aligned offset, CRCs over the bytes as written, so a snapshot of tables
that training changes meanwhile still passes them); CRC-checked on read.
``manifest.json`` holds the caller's manifest plus ``format_version``,
``iteration``, the table sizes and dtypes and ``allocated`` entries.  Since
version 3 the tables hold values times the run's table scale
(:func:`holdem.mccfr.schedule.table_scale`); versions 1 and 2 (whole tables,
eagerly discounted; version 1 with float32 strategy sums) are still read,
widened, and multiplied by the scale their run continues at.  Nothing is
pickled, and loading uses no pickle (the .npy headers are parsed and data is
read straight into the destination arrays, which may be shared memory).
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from holdem.atomic import fsync_dir
from holdem.mccfr.npz_writer import Member, write_npz
from holdem.mccfr.pages import allocated_entries
from holdem.mccfr.tables import TABLE_DTYPES, Tables

FORMAT_VERSION = 3  # 3: allocated runs only, scaled values; 2: whole tables; 1: float32 strategy sums
READABLE_VERSIONS = (1, 2, 3)
V1_DTYPES: dict[str, np.dtype] = {"regret": np.dtype("<f4"), "strategy": np.dtype("<f4")}
SNAPSHOTS_DIR = "snapshots"
TABLES_FILE = "tables.npz"
MANIFEST_FILE = "manifest.json"
LATEST_FILE = "latest"
TABLE_NAMES = ("regret", "strategy")
_READ_CHUNK = 1 << 24  # bytes per read when loading tables


class SnapshotError(ValueError):
    """A snapshot is missing, truncated, corrupt or does not fit what it is loaded into."""


def _write_file(path: Path, write) -> None:
    with open(path, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


def write_tables(path: str | os.PathLike, tables: Tables, extents: dict[str, np.ndarray], direct: bool = True) -> int:
    """Write ``tables.npz`` of format 3 at ``path`` and fsync it: the ``extents`` runs, read from the tables
    as they are written (:func:`holdem.mccfr.npz_writer.write_npz`, ``O_DIRECT`` unless ``direct`` is
    false).  Returns the bytes written with ``O_DIRECT``."""
    def members():
        for name in TABLE_NAMES:
            runs = np.ascontiguousarray(extents[name], dtype=np.int64).reshape(-1, 2)
            table = getattr(tables, name)
            yield Member(f"{name}_extents", runs.dtype, runs.shape, [runs])
            yield Member(name, table.dtype, (allocated_entries(runs),),
                         (table[first:first + length] for first, length in runs.tolist()))

    return write_npz(path, members(), direct)


def whole_extents(tables: Tables) -> dict[str, np.ndarray]:
    """Every entry of both tables as one run (small tables, where finding pages is not worth it)."""
    return {name: np.array([[0, tables.size]], np.int64) if tables.size else np.empty((0, 2), np.int64)
            for name in TABLE_NAMES}


def write_snapshot(logdir: str | os.PathLike, iteration: int, tables: Tables, manifest: dict[str, Any],
                   extents: dict[str, np.ndarray] | None = None) -> Path:
    """Write the tables and manifest for ``iteration`` atomically; return the snapshot directory.

    ``extents``: per table, the allocated runs to write (int64[k, 2]); default every entry.
    """
    if iteration < 0:
        raise ValueError(f"iteration must be >= 0, got {iteration}")
    logdir = Path(logdir)
    snaps = logdir / SNAPSHOTS_DIR
    snaps.mkdir(parents=True, exist_ok=True)
    full = dict(manifest)
    full["format_version"] = FORMAT_VERSION
    full["iteration"] = int(iteration)
    extents = whole_extents(tables) if extents is None else extents
    full["tables"] = {name: {"size": int(getattr(tables, name).shape[0]), "dtype": TABLE_DTYPES[name].name,
                             "allocated": allocated_entries(extents[name])}
                      for name in TABLE_NAMES}
    text = json.dumps(full, indent=2, sort_keys=True) + "\n"  # fails here, before touching disk, if not JSON-able

    final = snaps / str(int(iteration))
    tmp = snaps / f".tmp-{iteration}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write_tables(tmp / TABLES_FILE, tables, extents)
        _write_file(tmp / MANIFEST_FILE, lambda f: f.write(text.encode()))
        fsync_dir(tmp)
        old = None
        if final.exists():
            old = snaps / f".old-{iteration}-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
        os.rename(tmp, final)
        fsync_dir(snaps)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    latest_tmp = logdir / f".{LATEST_FILE}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    _write_file(latest_tmp, lambda f: f.write(f"{SNAPSHOTS_DIR}/{int(iteration)}\n".encode()))
    os.replace(latest_tmp, logdir / LATEST_FILE)
    fsync_dir(logdir)
    return final


def latest_snapshot(logdir: str | os.PathLike) -> Path | None:
    """The snapshot directory ``DIR/latest`` names, or None when there is no ``latest`` file."""
    logdir = Path(logdir)
    latest = logdir / LATEST_FILE
    if not latest.is_file():
        return None
    name = latest.read_text().strip()
    if not name or Path(name).is_absolute() or ".." in Path(name).parts:
        raise SnapshotError(f"{latest} is corrupt: expected a line like 'snapshots/1000', got {name!r}")
    return logdir / name


def resolve_snapshot(path: str | os.PathLike) -> Path:
    """A snapshot directory from a log directory (via ``latest``) or a snapshot directory itself."""
    path = Path(path)
    if (path / MANIFEST_FILE).is_file() or (path / TABLES_FILE).is_file():
        return path
    snap = latest_snapshot(path) if path.is_dir() else None
    if snap is None:
        raise SnapshotError(
            f"no snapshot at {path}: expected a log directory containing '{LATEST_FILE}' "
            f"or a snapshot directory containing {MANIFEST_FILE} and {TABLES_FILE}"
        )
    if not snap.is_dir():
        raise SnapshotError(f"{path / LATEST_FILE} names {snap}, which does not exist; the log directory is damaged")
    return snap


def list_snapshots(logdir: str | os.PathLike) -> list[tuple[int, Path]]:
    """(iteration, directory) of every whole snapshot of a log directory, by iteration.

    Whole: named by its iteration and holding its manifest (the last file a
    snapshot writes before the rename), so one being written is not listed.
    """
    snaps = Path(logdir) / SNAPSHOTS_DIR
    if not snaps.is_dir():
        return []
    found = [(int(d.name), d) for d in snaps.iterdir()
             if d.name.isdigit() and d.is_dir() and (d / MANIFEST_FILE).is_file()]
    return sorted(found)


def run_directory(snapshot: str | os.PathLike) -> Path:
    """The log directory a snapshot directory belongs to (``DIR/snapshots/<iteration>`` -> ``DIR``);
    a snapshot directory outside a log directory is its own."""
    snap = Path(snapshot)
    return snap.parent.parent if snap.parent.name == SNAPSHOTS_DIR else snap


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    snap = resolve_snapshot(path)
    file = snap / MANIFEST_FILE
    if not file.is_file():
        raise SnapshotError(f"{file} is missing; the snapshot is incomplete")
    try:
        manifest = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SnapshotError(f"{file} is not valid JSON (truncated or corrupt?): {e}") from None
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{file} must hold a JSON object, got {type(manifest).__name__}")
    version = manifest.get("format_version")
    if version not in READABLE_VERSIONS:
        raise SnapshotError(f"{file} has format_version {version!r}; this program reads versions {READABLE_VERSIONS}")
    for key in ("iteration", "tables"):
        if key not in manifest:
            raise SnapshotError(f"{file} lacks {key!r}; the manifest is corrupt")
    return manifest


def _read_array_into(zf: zipfile.ZipFile, name: str, size: int, out: np.ndarray | None, where: Path,
                     stored: np.dtype) -> np.ndarray:
    """Read table ``name`` (stored as ``stored``) into ``out`` (or a new array of the table's dtype)."""
    wanted = TABLE_DTYPES[name]
    if stored != wanted:  # an older format: read as stored, then widen
        narrow = _read_stored(zf, name, size, None, where, stored)
        if out is None:
            return narrow.astype(wanted)
        out[:] = narrow
        return out
    return _read_stored(zf, name, size, out, where, stored)


def _read_header(f, name: str, where: Path) -> tuple[tuple, bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(f)
        raise ValueError(f"unsupported .npy version {version}")
    except ValueError as e:
        raise SnapshotError(f"{where}: bad header for {name!r} ({e}); the file is corrupt") from None


def _open_member(zf: zipfile.ZipFile, member: str, name: str, where: Path):
    try:
        return zf.open(member)
    except KeyError:
        raise SnapshotError(f"{where} has no {name!r} array ({member} is missing); the file is corrupt") from None


def _read_runs(zf: zipfile.ZipFile, name: str, size: int, out: np.ndarray | None, where: Path) -> np.ndarray:
    """Format 3: the allocated runs of table ``name`` into ``out`` (zeroed elsewhere if new)."""
    member = f"{name}_extents.npy"
    with _open_member(zf, member, name, where) as f:
        shape, fortran, dtype = _read_header(f, member, where)
        if dtype != np.int64 or len(shape) != 2 or shape[1] != 2 or fortran:
            raise SnapshotError(f"{where}: {member!r} is {dtype} {shape}; expected int64 (k, 2)")
        runs = np.frombuffer(_read_exact(f, shape[0] * 16, member, where), np.int64).reshape(shape)
    starts, lengths = runs[:, 0], runs[:, 1]
    if runs.size and ((lengths < 0).any() or (starts < 0).any() or (starts + lengths > size).any()
                      or (starts[1:] < starts[:-1] + lengths[:-1]).any()):
        raise SnapshotError(f"{where}: {member!r} has runs outside the table or overlapping; the file is corrupt")
    wanted = TABLE_DTYPES[name]
    if out is None:
        out = np.zeros(size, dtype=wanted)
    with _open_member(zf, f"{name}.npy", name, where) as f:
        shape, fortran, dtype = _read_header(f, name, where)
        total = int(lengths.sum())
        if dtype != wanted or shape != (total,) or fortran:
            raise SnapshotError(f"{where}: {name!r} is {dtype} {shape}, its runs need {wanted.name} ({total},); "
                                "the snapshot is inconsistent")
        for first, length in runs:
            _read_into(f, _bytes_of(out[first:first + length]), name, where)
        _expect_end(f, name, where)
    return out


def _bytes_of(array: np.ndarray) -> memoryview:
    """A writable byte view of a contiguous array (reads land in it without a copy)."""
    return memoryview(array.data).cast("B")


def _read_exact(f, nbytes: int, name: str, where: Path) -> bytes:
    buf = bytearray(nbytes)
    _read_into(f, memoryview(buf), name, where)
    return bytes(buf)


def _read_into(f, view: memoryview, name: str, where: Path) -> None:
    done, total = 0, view.nbytes
    try:
        while done < total:
            chunk = f.read(min(_READ_CHUNK, total - done))
            if not chunk:
                raise SnapshotError(f"{where}: {name!r} is truncated ({done} of {total} bytes)")
            view[done : done + len(chunk)] = chunk
            done += len(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise SnapshotError(f"{where}: {name!r} failed its integrity check ({e}); the file is corrupt") from None


def _expect_end(f, name: str, where: Path) -> None:
    try:
        if f.read(1):
            raise SnapshotError(f"{where}: {name!r} has trailing data; the file is corrupt")
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise SnapshotError(f"{where}: {name!r} failed its integrity check ({e}); the file is corrupt") from None


def _read_stored(zf: zipfile.ZipFile, name: str, size: int, out: np.ndarray | None, where: Path,
                 stored: np.dtype) -> np.ndarray:
    """Formats 1 and 2: a whole table."""
    with _open_member(zf, f"{name}.npy", name, where) as f:
        shape, fortran, dtype = _read_header(f, name, where)
        if dtype != stored or shape != (size,) or fortran:
            raise SnapshotError(
                f"{where}: {name!r} is {dtype} {shape}, the manifest says {stored.name} ({size},); "
                "the snapshot is inconsistent"
            )
        if out is None:
            out = np.empty(size, dtype=stored)
        _read_into(f, _bytes_of(out), name, where)
        _expect_end(f, name, where)
    return out


def read_snapshot(path: str | os.PathLike, into: Tables | None = None) -> tuple[Tables, dict[str, Any]]:
    """Load (tables, manifest) from a log directory or snapshot directory.

    With ``into``, the data is read straight into those arrays (e.g. shared
    memory; sizes must match, and they must be zero where the snapshot has no
    runs) and ``into`` is returned.  A snapshot older than format 3 holds
    true values: they are multiplied by the table scale its run continues at,
    1 + the discounts its manifest says were applied (policies read ratios and
    do not mind; a resumed run needs it).
    """
    snap = resolve_snapshot(path)
    manifest = read_manifest(snap)
    try:
        sizes = {name: int(manifest["tables"][name]["size"]) for name in TABLE_NAMES}
    except (KeyError, TypeError, ValueError):
        raise SnapshotError(f"{snap / MANIFEST_FILE}: 'tables' must give the size of {TABLE_NAMES}") from None
    if into is not None and into.size != sizes["regret"]:
        raise SnapshotError(f"snapshot {snap} holds tables of {sizes['regret']} entries; "
                            f"the destination has {into.size}")
    file = snap / TABLES_FILE
    if not file.is_file():
        raise SnapshotError(f"{file} is missing; the snapshot is incomplete")
    version = manifest["format_version"]
    stored = TABLE_DTYPES if version >= 2 else V1_DTYPES
    try:
        with zipfile.ZipFile(file) as zf:
            arrays = {}
            for name in TABLE_NAMES:
                out = None if into is None else getattr(into, name)
                if version >= 3:
                    arrays[name] = _read_runs(zf, name, sizes[name], out, file)
                else:
                    arrays[name] = _read_array_into(zf, name, sizes[name], out, file, stored[name])
    except zipfile.BadZipFile as e:
        raise SnapshotError(f"{file} is not a valid .npz ({e}); it is truncated or corrupt") from None
    tables = into if into is not None else Tables(arrays["regret"], arrays["strategy"])
    scale = 1 + int((manifest.get("schedule") or {}).get("discounts_applied", 0)) if version < 3 else 1
    if scale != 1:
        tables.regret *= np.float32(scale)
        tables.strategy *= scale
    return tables, manifest
