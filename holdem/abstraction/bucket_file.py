"""Bucket files: an ``.npz`` archive with a JSON manifest and a content hash; never pickle.

Layout: a zip archive that :func:`numpy.load` reads (``allow_pickle=False``)
holding ``manifest.json`` and one ``.npy`` member per array of
:class:`holdem.abstraction.buckets.BucketTables`.  The manifest names the
format and its version, the preset with every parameter, the seed, the bucket
count per street, each array's dtype and shape, and
``content_hash`` = SHA-256 over the manifest's content fields (canonical JSON)
and every array's name, dtype, shape and bytes.  Build figures (times,
machine) sit under ``build`` and are not hashed, so two builds with one seed
have one hash.  The hash doubles as the abstraction hash of a training run.

Loading checks everything and says what is wrong and how to rebuild:
missing file, pickle (refused: loading a pickle runs arbitrary code), not a
bucket file, truncated or corrupt archive, other format version, arrays with
the wrong dtype, shape or bucket range, hash mismatch.

Writes are atomic (temporary file in the same directory, fsync, rename), so
a crash or a second process building at once never leaves a torn file.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import platform
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from holdem import isomorphism
from holdem.abstraction.buckets import BucketTables, build_buckets, table_dtype
from holdem.abstraction.features import N_EQUITY_VALUES
from holdem.abstraction.presets import Preset, get_preset
from holdem.abstraction.progress import Progress, ProgressBar
from holdem.atomic import fsync_dir
from holdem.mccfr.pages import release_pages

FORMAT = "holdem-buckets"
VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = ("flop", "turn", "river_lut", "flop_centroids", "turn_centroids", "river_centroids")
RIVER_TABLE = "river"  # present when the preset stores the river table; kept uncompressed and memory-mapped
CACHE_ENV = "HOLDEM_CACHE"
DEFAULT_CACHE = Path("~/.cache/holdem")
PICKLE_SUFFIXES = (".pkl", ".pickle")
_PICKLE_PROTOCOL_OPCODE = 0x80  # first byte of every pickle of protocol 2 or later


class BucketFileError(ValueError):
    """A bucket file that cannot be used; the message names the file, the fault and the fix.

    A ValueError, so command-line tools that report bad input without a
    traceback report this too.
    """


def rebuild_hint(path: Path | str, preset: str | None = None) -> str:
    return f"rebuild it with: holdem-buckets build --preset {preset or 'small'} --out {path}"


# ---------------------------------------------------------------------------
# hashing


def _canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _content_fields(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k not in ("content_hash", "build")}


def content_hash(manifest: dict, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(_canonical_json(_content_fields(manifest)))
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(_canonical_json([name, a.dtype.str, list(a.shape)]))
        h.update(a.data)
    return "sha256:" + h.hexdigest()


def tables_hash(tables: BucketTables) -> str:
    """The content hash a file of ``tables`` gets (the abstraction hash of a run)."""
    return _manifest(tables)["content_hash"]


def _manifest(tables: BucketTables) -> dict:
    arrays = tables.arrays()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "preset": tables.preset.to_dict(),
        "seed": tables.seed,
        "buckets_per_street": list(tables.buckets_per_street),
        "river": (
            "table: river bucket per river index (= river_lut at the hand's exact equity)"
            if tables.river is not None
            else "equity lookup: river bucket = river_lut[2*wins + ties] over the 990 opponent holes"
        ),
        "arrays": {k: {"dtype": a.dtype.str, "shape": list(a.shape)} for k, a in arrays.items()},
    }
    manifest["content_hash"] = content_hash(manifest, arrays)
    manifest["build"] = {
        "stats": tables.stats,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    return manifest


# ---------------------------------------------------------------------------
# writing


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_buckets(tables: BucketTables, path: str | os.PathLike) -> dict:
    """Write ``tables`` to ``path`` atomically; returns the manifest."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise BucketFileError(f"{path}: refusing to write a bucket file with a pickle suffix; use .npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(tables)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
                for name, array in tables.arrays().items():
                    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                    # the river table stays uncompressed so every process can memory-map one shared copy
                    info.compress_type = zipfile.ZIP_STORED if name == RIVER_TABLE else zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    with zf.open(info, "w", force_zip64=array.nbytes > 2**31) as f:
                        np.lib.format.write_array(f, np.ascontiguousarray(array), allow_pickle=False)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a bucket file is ordinary data
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
    return manifest


# ---------------------------------------------------------------------------
# reading


def _refuse_pickle(path: Path) -> None:
    with open(path, "rb") as f:
        head = f.read(2)
    pickled = len(head) == 2 and head[0] == _PICKLE_PROTOCOL_OPCODE and head[1] <= 5
    if path.suffix.lower() in PICKLE_SUFFIXES or pickled:
        raise BucketFileError(
            f"{path}: refusing to load a pickle file: loading a pickle runs arbitrary code, so this program "
            f"never does. Build a safe .npz bucket file instead: holdem-buckets build --preset small --out "
            f"{path.with_suffix('.npz')}"
        )


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of a bucket file, checked for format and version (arrays not read)."""
    path = Path(path)
    with _open_archive(path) as zf:
        return _checked_manifest(path, zf)


@contextlib.contextmanager
def _open_archive(path: Path):
    if not path.exists():
        raise BucketFileError(
            f"{path}: no such bucket file; build one with: holdem-buckets build --preset small --out {path}"
        )
    if not path.is_file():
        raise BucketFileError(f"{path}: not a file; give the path of a bucket file (.npz)")
    _refuse_pickle(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        # a zip's directory sits at its end, so a cut-off archive fails here
        if path.stat().st_size > 0 and _looks_like_zip_start(path):
            raise BucketFileError(f"{path}: truncated or corrupt bucket file (the archive's end is missing); "
                                  + rebuild_hint(path)) from None
        raise BucketFileError(f"{path}: not a bucket file (not an .npz archive); " + rebuild_hint(path)) from None
    except OSError as e:
        raise BucketFileError(f"{path}: cannot read: {e.strerror or e}") from None
    with zf:
        yield zf


def _looks_like_zip_start(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _checked_manifest(path: Path, zf: zipfile.ZipFile) -> dict:
    if MANIFEST not in zf.namelist():
        raise BucketFileError(f"{path}: not a bucket file (an .npz archive without {MANIFEST}); " + rebuild_hint(path))
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, zlib.error, json.JSONDecodeError, UnicodeDecodeError, EOFError) as e:
        raise BucketFileError(
            f"{path}: corrupt bucket file ({MANIFEST} unreadable: {e}); " + rebuild_hint(path)
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BucketFileError(f"{path}: not a bucket file ({MANIFEST} does not say format {FORMAT!r}); "
                              + rebuild_hint(path))
    preset_name = (manifest.get("preset") or {}).get("name") if isinstance(manifest.get("preset"), dict) else None
    if manifest.get("version") != VERSION:
        raise BucketFileError(
            f"{path}: bucket file format version {manifest.get('version')!r}, but this program reads version "
            f"{VERSION}; " + rebuild_hint(path, preset_name)
        )
    return manifest


def _fault(path: Path, manifest: dict, what: str) -> BucketFileError:
    name = manifest.get("preset", {}).get("name") if isinstance(manifest.get("preset"), dict) else None
    return BucketFileError(f"{path}: {what}; " + rebuild_hint(path, name))


def load_buckets(path: str | os.PathLike) -> tuple[BucketTables, dict]:
    """Read and verify a bucket file: (tables, manifest).  Raises :class:`BucketFileError`."""
    path = Path(path)
    with _open_archive(path) as zf:
        manifest = _checked_manifest(path, zf)
        try:
            preset = Preset.from_dict(manifest["preset"])
            seed = int(manifest["seed"])
            counts = tuple(int(c) for c in manifest["buckets_per_street"])
            specs = manifest["arrays"]
        except (KeyError, TypeError, ValueError) as e:
            raise _fault(path, manifest, f"inconsistent manifest ({e})") from None
        arrays: dict[str, np.ndarray] = {}
        for name in ARRAYS + ((RIVER_TABLE,) if preset.river_table else ()):
            member = f"{name}.npy"
            if member not in zf.namelist():
                raise _fault(path, manifest, f"array {name!r} is missing")
            try:
                if name == RIVER_TABLE:
                    arrays[name] = _memory_map(path, zf.getinfo(member))
                else:
                    with zf.open(member) as f:
                        arrays[name] = np.lib.format.read_array(io.BytesIO(f.read()), allow_pickle=False)
            except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError) as e:
                raise _fault(path, manifest, f"corrupt array {name!r} ({e})") from None
            spec = specs.get(name) if isinstance(specs, dict) else None
            a = arrays[name]
            if not spec or spec.get("dtype") != a.dtype.str or list(spec.get("shape", [])) != list(a.shape):
                raise _fault(path, manifest, f"array {name!r} has dtype {a.dtype.str} shape {list(a.shape)}, "
                                             f"the manifest says {spec}")
    expected = content_hash(manifest, arrays)
    if manifest.get("content_hash") != expected:
        raise _fault(path, manifest, f"content hash mismatch (manifest {manifest.get('content_hash')}, "
                                     f"contents {expected}): the file was modified or damaged")
    tables = BucketTables(
        preset=preset,
        seed=seed,
        flop=arrays["flop"],
        turn=arrays["turn"],
        river_lut=arrays["river_lut"],
        flop_centroids=arrays["flop_centroids"],
        turn_centroids=arrays["turn_centroids"],
        river_centroids=arrays["river_centroids"],
        river=arrays.get(RIVER_TABLE),
        stats=manifest.get("build", {}).get("stats", {}),
    )
    _check_consistent(path, manifest, tables, counts)
    if tables.river is not None:
        # its pages, read by the checks above, leave this process's resident set (they stay in the page
        # cache): a process that never looks up a river bucket (the supervisor) does not carry the table
        release_pages(tables.river)
    return tables, manifest


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zip local file header, 30 bytes


def _memory_map(path: Path, info: zipfile.ZipInfo) -> np.ndarray:
    """Read-only memory map of an uncompressed ``.npy`` member (pages shared by every process)."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"member {info.filename} is compressed; the river table must be stored")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
        if fields[0] != b"PK\x03\x04":
            raise ValueError(f"bad local header for {info.filename}")
        name_len, extra_len = fields[-2], fields[-1]
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        f.seek(start)
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"member {info.filename} has .npy format {version}; expected 1.0 or 2.0")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        offset = f.tell()
    if fortran or dtype.hasobject:
        raise ValueError(f"member {info.filename} is not a plain C-ordered array")
    if offset - start + int(np.prod(shape)) * dtype.itemsize != info.file_size:
        raise ValueError(f"member {info.filename} is cut short")
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def _check_consistent(path: Path, manifest: dict, t: BucketTables, counts: tuple) -> None:
    def bad(what: str) -> BucketFileError:
        return _fault(path, manifest, f"inconsistent bucket counts: {what}")

    if counts != t.preset.buckets_per_street:
        raise bad(f"buckets_per_street {list(counts)} but the preset says {list(t.preset.buckets_per_street)}")
    p = t.preset
    for name, table, board_len, k in (("flop", t.flop, 3, p.flop_buckets), ("turn", t.turn, 4, p.turn_buckets)):
        if table.shape != (isomorphism.size(board_len),) or table.dtype != table_dtype(k):
            raise bad(f"{name} table has shape {table.shape} dtype {table.dtype}; expected "
                      f"({isomorphism.size(board_len)},) {table_dtype(k)}")
        if table.size and int(table.max()) >= k:
            raise bad(f"{name} table holds bucket {int(table.max())} but the preset has {k} buckets")
    if t.river_lut.shape != (N_EQUITY_VALUES,) or t.river_lut.min() < 0 or t.river_lut.max() >= p.river_buckets:
        raise bad(f"river lookup must map {N_EQUITY_VALUES} equity values to 0..{p.river_buckets - 1}")
    if (np.diff(t.river_lut) < 0).any():
        raise bad("river lookup is not ordered by equity")
    if (t.river is not None) != p.river_table:
        raise bad("the preset and the presence of a river table disagree")
    if t.river is not None:
        if t.river.shape != (isomorphism.size(5),) or t.river.dtype != table_dtype(p.river_buckets):
            raise bad(f"river table has shape {t.river.shape} dtype {t.river.dtype}")
        if int(t.river.max()) >= p.river_buckets:
            raise bad(f"river table holds bucket {int(t.river.max())} but the preset has {p.river_buckets} buckets")
    for name, c, k, d in (("flop", t.flop_centroids, p.flop_buckets, p.flop_bins - 1),
                          ("turn", t.turn_centroids, p.turn_buckets, p.turn_bins - 1),
                          ("river", t.river_centroids, p.river_buckets, 1)):
        if c.shape != (k, d):
            raise bad(f"{name} centroids have shape {c.shape}; expected {(k, d)}")


# ---------------------------------------------------------------------------
# the cache used by training


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def cache_path(preset: str, seed: int = 0) -> Path:
    return cache_dir() / f"buckets-{preset}-seed{seed}-v{VERSION}.npz"


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # a second builder waits here, then finds the file built
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_buckets(preset: str, seed: int = 0, progress: Progress | None = None, log=None) -> Path:
    """Path of a verified bucket file for ``preset``, building it into the cache on first use.

    The cache is ``$HOLDEM_CACHE`` (default ``~/.cache/holdem/``).  A cached
    file that fails verification is rebuilt.  Concurrent callers serialise on
    a lock file; the write itself is atomic.  Progress goes to stderr when it
    is a terminal, unless ``progress`` says otherwise.
    """
    spec = get_preset(preset)
    path = cache_path(spec.name, seed)
    say = log or (lambda msg: print(msg, file=sys.stderr))
    with _exclusive(path.with_name(path.name + ".lock")):
        if path.exists():
            try:
                load_buckets(path)
                return path
            except BucketFileError as e:
                say(f"cached bucket file unusable, rebuilding: {e}")
        say(f"building bucket preset {spec.name!r} (seed {seed}) into {path}; this is done once per machine")
        write_buckets(build_buckets(spec, seed=seed, progress=progress or ProgressBar(sys.stderr)), path)
    return path
