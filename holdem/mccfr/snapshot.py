"""Snapshots of the tables: ``DIR/snapshots/<iteration>/{tables.npz, manifest.json}`` and ``DIR/latest``.

A snapshot is written into a temporary directory next to its final place,
every file fsynced, then renamed into place and the parent directory
fsynced; only then is ``DIR/latest`` (a one-line text file naming the
snapshot directory relative to ``DIR``) replaced the same way.  A crash at
any point leaves the previous snapshot and ``latest`` whole (DESIGN.md:
"written to a temporary name, fsynced and renamed").

Formats: ``tables.npz`` holds ``regret`` (float32) and ``strategy`` (float64),
1-D, zip CRC-checked on read; ``manifest.json`` holds the caller's manifest
plus ``format_version``, ``iteration`` and the table sizes and dtypes.
Version 1 snapshots (float32 strategy sums) are still read: their sums are
widened to float64 on loading.  Nothing is
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
from holdem.mccfr.tables import TABLE_DTYPES, Tables

FORMAT_VERSION = 2  # 2: strategy sums float64 (1: float32, still read)
READABLE_VERSIONS = (1, 2)
V1_DTYPES = {"regret": np.dtype("<f4"), "strategy": np.dtype("<f4")}
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


def write_snapshot(logdir: str | os.PathLike, iteration: int, tables: Tables, manifest: dict[str, Any]) -> Path:
    """Write the tables and manifest for ``iteration`` atomically; return the snapshot directory."""
    if iteration < 0:
        raise ValueError(f"iteration must be >= 0, got {iteration}")
    logdir = Path(logdir)
    snaps = logdir / SNAPSHOTS_DIR
    snaps.mkdir(parents=True, exist_ok=True)
    full = dict(manifest)
    full["format_version"] = FORMAT_VERSION
    full["iteration"] = int(iteration)
    full["tables"] = {name: {"size": int(getattr(tables, name).shape[0]), "dtype": TABLE_DTYPES[name].name}
                      for name in TABLE_NAMES}
    text = json.dumps(full, indent=2, sort_keys=True) + "\n"  # fails here, before touching disk, if not JSON-able

    final = snaps / str(int(iteration))
    tmp = snaps / f".tmp-{iteration}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        _write_file(tmp / TABLES_FILE, lambda f: np.savez(f, regret=tables.regret, strategy=tables.strategy))
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


def _read_stored(zf: zipfile.ZipFile, name: str, size: int, out: np.ndarray | None, where: Path,
                 stored: np.dtype) -> np.ndarray:
    member = f"{name}.npy"
    try:
        f = zf.open(member)
    except KeyError:
        raise SnapshotError(f"{where} has no {name!r} array; the file is corrupt") from None
    with f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as e:
            raise SnapshotError(f"{where}: bad header for {name!r} ({e}); the file is corrupt") from None
        if dtype != stored or shape != (size,) or fortran:
            raise SnapshotError(
                f"{where}: {name!r} is {dtype} {shape}, the manifest says {stored.name} ({size},); "
                "the snapshot is inconsistent"
            )
        if out is None:
            out = np.empty(size, dtype=stored)
        view = memoryview(out).cast("B")
        done = 0
        total = view.nbytes
        try:
            while done < total:
                chunk = f.read(min(_READ_CHUNK, total - done))
                if not chunk:
                    raise SnapshotError(f"{where}: {name!r} is truncated ({done} of {total} bytes)")
                view[done : done + len(chunk)] = chunk
                done += len(chunk)
            if f.read(1):
                raise SnapshotError(f"{where}: {name!r} has trailing data; the file is corrupt")
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
            raise SnapshotError(f"{where}: {name!r} failed its integrity check ({e}); the file is corrupt") from None
    return out


def read_snapshot(path: str | os.PathLike, into: Tables | None = None) -> tuple[Tables, dict[str, Any]]:
    """Load (tables, manifest) from a log directory or snapshot directory.

    With ``into``, the data is read straight into those arrays (e.g. shared
    memory; sizes must match) and ``into`` is returned.
    """
    snap = resolve_snapshot(path)
    manifest = read_manifest(snap)
    try:
        sizes = {name: int(manifest["tables"][name]["size"]) for name in TABLE_NAMES}
    except (KeyError, TypeError, ValueError):
        raise SnapshotError(f"{snap / MANIFEST_FILE}: 'tables' must give the size of {TABLE_NAMES}") from None
    if into is not None and into.size != sizes["regret"]:
        raise SnapshotError(f"snapshot {snap} holds tables of {sizes['regret']} entries; the destination has {into.size}")
    file = snap / TABLES_FILE
    if not file.is_file():
        raise SnapshotError(f"{file} is missing; the snapshot is incomplete")
    stored = TABLE_DTYPES if manifest["format_version"] >= 2 else V1_DTYPES
    try:
        with zipfile.ZipFile(file) as zf:
            arrays = {
                name: _read_array_into(zf, name, sizes[name], None if into is None else getattr(into, name), file,
                                       stored[name])
                for name in TABLE_NAMES
            }
    except zipfile.BadZipFile as e:
        raise SnapshotError(f"{file} is not a valid .npz ({e}); it is truncated or corrupt") from None
    tables = into if into is not None else Tables(arrays["regret"], arrays["strategy"])
    return tables, manifest
