"""Snapshots: round trip, atomic layout, and clear errors for missing, truncated or corrupt files."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from holdem.mccfr import npz_writer
from holdem.mccfr.npz_writer import ALIGN
from holdem.mccfr.snapshot import (
    LATEST_FILE,
    MANIFEST_FILE,
    TABLES_FILE,
    SnapshotError,
    latest_snapshot,
    read_manifest,
    read_snapshot,
    write_snapshot,
)
from holdem.mccfr.tables import Tables


def _tables(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return Tables(rng.standard_normal(n).astype(np.float32), rng.random(n))


def test_round_trip_and_latest(tmp_path):
    t = _tables()
    path = write_snapshot(tmp_path, 1500, t, {"game": "leduc", "note": [1, 2]})
    assert path == tmp_path / "snapshots" / "1500"
    assert (tmp_path / LATEST_FILE).read_text().strip() == "snapshots/1500"
    loaded, manifest = read_snapshot(tmp_path)
    assert np.array_equal(loaded.regret, t.regret) and np.array_equal(loaded.strategy, t.strategy)
    assert manifest["game"] == "leduc" and manifest["iteration"] == 1500 and manifest["note"] == [1, 2]
    assert manifest["tables"]["regret"] == {"size": 1000, "dtype": "float32", "allocated": 1000}
    assert manifest["tables"]["strategy"] == {"size": 1000, "dtype": "float64", "allocated": 1000}
    # a second snapshot moves latest; the first stays readable by its directory
    write_snapshot(tmp_path, 3000, _tables(seed=1), {"game": "leduc"})
    assert latest_snapshot(tmp_path) == tmp_path / "snapshots" / "3000"
    old, _ = read_snapshot(path)
    assert np.array_equal(old.regret, t.regret)
    # no temporary directories or files left behind
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["1500", "3000"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_files_are_plain_numpy_and_json(tmp_path):
    t = _tables(10)
    path = write_snapshot(tmp_path, 7, t, {})
    with np.load(path / TABLES_FILE, allow_pickle=False) as z:
        assert np.array_equal(z["regret"], t.regret)
    json.loads((path / MANIFEST_FILE).read_text())


def test_read_into_existing_arrays(tmp_path):
    t = _tables()
    write_snapshot(tmp_path, 1, t, {})
    dest = Tables.zeros(1000)
    regret = dest.regret
    got, _ = read_snapshot(tmp_path, into=dest)
    assert got is dest and dest.regret is regret and np.array_equal(regret, t.regret)
    with pytest.raises(SnapshotError, match="destination has 999"):
        read_snapshot(tmp_path, into=Tables.zeros(999))


def test_rewriting_the_same_iteration_replaces_it(tmp_path):
    write_snapshot(tmp_path, 5, _tables(seed=1), {"v": 1})
    write_snapshot(tmp_path, 5, _tables(seed=2), {"v": 2})
    t, m = read_snapshot(tmp_path)
    assert m["v"] == 2 and np.array_equal(t.regret, _tables(seed=2).regret)


def test_missing_snapshot(tmp_path):
    with pytest.raises(SnapshotError, match="no snapshot"):
        read_snapshot(tmp_path)


def test_truncated_tables(tmp_path):
    path = write_snapshot(tmp_path, 1, _tables(), {})
    data = (path / TABLES_FILE).read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 100):
        (path / TABLES_FILE).write_bytes(data[:cut])
        with pytest.raises(SnapshotError, match="truncated or corrupt"):
            read_snapshot(tmp_path)


def test_corrupt_table_bytes_fail_the_crc(tmp_path):
    path = write_snapshot(tmp_path, 1, _tables(), {})
    data = bytearray((path / TABLES_FILE).read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside regret's data
    (path / TABLES_FILE).write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="corrupt"):
        read_snapshot(tmp_path)


def test_wrong_array_in_file(tmp_path):
    path = write_snapshot(tmp_path, 1, _tables(), {})
    with open(path / TABLES_FILE, "wb") as f:
        runs = np.array([[0, 1000]], np.int64)
        np.savez(f, regret_extents=runs, regret=np.zeros(1000, dtype=np.float64), strategy_extents=runs,
                 strategy=np.zeros(1000, dtype=np.float32))
    with pytest.raises(SnapshotError, match="inconsistent"):
        read_snapshot(tmp_path)
    with zipfile.ZipFile(path / TABLES_FILE, "w") as z:
        z.writestr("other.npy", b"")
    with pytest.raises(SnapshotError, match="no 'regret' array"):
        read_snapshot(tmp_path)


def test_manifest_problems(tmp_path):
    path = write_snapshot(tmp_path, 1, _tables(), {})
    text = (path / MANIFEST_FILE).read_text()
    (path / MANIFEST_FILE).write_text(text[: len(text) // 2])
    with pytest.raises(SnapshotError, match="not valid JSON"):
        read_manifest(tmp_path)
    (path / MANIFEST_FILE).write_text(json.dumps({**json.loads(text), "format_version": 99}))
    with pytest.raises(SnapshotError, match="format_version"):
        read_manifest(tmp_path)
    (path / MANIFEST_FILE).unlink()
    with pytest.raises(SnapshotError, match="missing"):
        read_snapshot(path)


def test_latest_pointing_nowhere(tmp_path):
    write_snapshot(tmp_path, 1, _tables(), {})
    (tmp_path / LATEST_FILE).write_text("snapshots/42\n")
    with pytest.raises(SnapshotError, match="does not exist"):
        read_snapshot(tmp_path)
    (tmp_path / LATEST_FILE).write_text("../../etc\n")
    with pytest.raises(SnapshotError, match="corrupt"):
        read_snapshot(tmp_path)


def test_unserialisable_manifest_leaves_nothing(tmp_path):
    write_snapshot(tmp_path, 1, _tables(), {})
    with pytest.raises(TypeError):
        write_snapshot(tmp_path, 2, _tables(), {"bad": object()})
    assert latest_snapshot(tmp_path) == tmp_path / "snapshots" / "1"
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["1"]


def test_version_1_snapshots_with_float32_sums_are_widened(tmp_path):
    """Snapshots written before strategy sums were float64 still load, with and without ``into``."""
    t = _tables(50)
    path = write_snapshot(tmp_path, 10, t, {"game": "leduc"})
    narrow = t.strategy.astype(np.float32)
    with open(path / TABLES_FILE, "wb") as f:
        np.savez(f, regret=t.regret, strategy=narrow)
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["format_version"] = 1
    manifest["tables"]["strategy"]["dtype"] = "float32"
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    loaded, _ = read_snapshot(tmp_path)
    assert loaded.strategy.dtype == np.float64 and np.array_equal(loaded.strategy, narrow.astype(np.float64))
    dest = Tables.zeros(50)
    read_snapshot(tmp_path, into=dest)
    assert np.array_equal(dest.strategy, narrow.astype(np.float64)) and np.array_equal(dest.regret, t.regret)
    # a version-2 manifest over float32 sums is inconsistent, not silently widened
    manifest["format_version"] = 2
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="inconsistent"):
        read_snapshot(tmp_path)


def test_only_the_given_runs_are_written_and_the_rest_reads_as_zero(tmp_path):
    t = _tables(5000)
    runs = {"regret": np.array([[10, 90], [4000, 1000]], np.int64), "strategy": np.array([[0, 7]], np.int64)}
    path = write_snapshot(tmp_path, 3, t, {}, extents=runs)
    manifest = read_manifest(path)
    assert manifest["tables"]["regret"]["allocated"] == 1090 and manifest["tables"]["strategy"]["allocated"] == 7
    loaded, _ = read_snapshot(tmp_path)
    want = np.zeros(5000, np.float32)
    want[10:100], want[4000:] = t.regret[10:100], t.regret[4000:]
    assert np.array_equal(loaded.regret, want)
    assert np.array_equal(loaded.strategy[:7], t.strategy[:7]) and not loaded.strategy[7:].any()
    # written run by run: the file holds the runs, not the whole tables
    with zipfile.ZipFile(path / TABLES_FILE) as z:
        assert z.getinfo("regret.npy").file_size < 1090 * 4 + ALIGN + 256  # header padded to ALIGN


def test_overlapping_runs_are_refused(tmp_path):
    t = _tables(100)
    write_snapshot(tmp_path, 3, t, {}, extents={"regret": np.array([[0, 50], [40, 10]], np.int64),
                                                 "strategy": np.array([[0, 1]], np.int64)})
    with pytest.raises(SnapshotError, match="overlapping"):
        read_snapshot(tmp_path)


def test_version_2_snapshots_take_the_table_scale_they_resume_at(tmp_path):
    """Whole, eagerly discounted tables (format 2) are multiplied by the scale their run continues at."""
    t = _tables(50)
    path = write_snapshot(tmp_path, 10, t, {})
    with open(path / TABLES_FILE, "wb") as f:
        np.savez(f, regret=t.regret, strategy=t.strategy)
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    manifest["format_version"] = 2
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    as_is, _ = read_snapshot(tmp_path)
    assert np.array_equal(as_is.regret, t.regret)  # no discount applied yet: scale 1
    manifest["schedule"] = {"discounts_applied": 2}
    (path / MANIFEST_FILE).write_text(json.dumps(manifest))
    scaled, _ = read_snapshot(tmp_path)
    assert np.array_equal(scaled.regret, t.regret * np.float32(3)) and np.allclose(scaled.strategy, 3 * t.strategy)


def _random_runs(rng, size: int) -> np.ndarray:
    """Sorted, disjoint runs of any start and length: empty, single entries, page-sized and odd ones."""
    cuts = np.sort(rng.choice(size, size=60, replace=False))
    runs = []
    for lo, hi in zip(cuts[::2], cuts[1::2]):
        length = int(rng.choice([0, 1, hi - lo, 1024, 513]))
        runs.append((int(lo), min(length, int(hi - lo))))
    return np.array(runs, np.int64)


def _expected(t: Tables, runs: dict[str, np.ndarray]) -> Tables:
    want = Tables(np.zeros(t.size, np.float32), np.zeros(t.size))
    for name in ("regret", "strategy"):
        for first, length in runs[name]:
            getattr(want, name)[first:first + length] = getattr(t, name)[first:first + length]
    return want


@pytest.fixture(params=["direct", "page cache"])
def write_path(request, monkeypatch):
    """Snapshots written with O_DIRECT (where the file system takes it) or as where it is refused; a small
    buffer, so that the runs span many buffer writes."""
    monkeypatch.setattr(npz_writer, "BUFFER_BYTES", 4 * ALIGN)
    if request.param == "page cache":
        monkeypatch.setattr(npz_writer, "_set_direct", lambda fd, on: False)
    return request.param


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_runs_round_trip(tmp_path, write_path, seed):
    rng = np.random.default_rng(seed)
    t = _tables(40_000, seed)
    runs = {"regret": _random_runs(rng, t.size), "strategy": _random_runs(rng, t.size)}
    path = write_snapshot(tmp_path, 9, t, {}, extents=runs)
    with zipfile.ZipFile(path / TABLES_FILE) as z:
        assert z.testzip() is None
    want = _expected(t, runs)
    loaded, manifest = read_snapshot(tmp_path)
    assert np.array_equal(loaded.regret, want.regret) and np.array_equal(loaded.strategy, want.strategy)
    assert manifest["tables"]["strategy"]["allocated"] == int(runs["strategy"][:, 1].sum())
    dest = Tables.zeros(t.size)
    read_snapshot(tmp_path, into=dest)
    assert np.array_equal(dest.regret, want.regret) and np.array_equal(dest.strategy, want.strategy)


def test_whole_and_empty_tables_round_trip(tmp_path, write_path):
    t = _tables(30_001)
    write_snapshot(tmp_path, 1, t, {})  # one run of every entry
    loaded, _ = read_snapshot(tmp_path)
    assert np.array_equal(loaded.regret, t.regret) and np.array_equal(loaded.strategy, t.strategy)
    none = {"regret": np.empty((0, 2), np.int64), "strategy": np.empty((0, 2), np.int64)}
    write_snapshot(tmp_path, 2, t, {}, extents=none)
    loaded, manifest = read_snapshot(tmp_path)
    assert not loaded.regret.any() and not loaded.strategy.any() and manifest["tables"]["regret"]["allocated"] == 0
    write_snapshot(tmp_path, 3, Tables.zeros(0), {})
    assert read_snapshot(tmp_path)[0].size == 0


def test_a_corrupt_byte_in_a_large_snapshot_fails_the_crc(tmp_path, write_path):
    t = _tables(40_000, 5)
    runs = {"regret": _random_runs(np.random.default_rng(5), t.size), "strategy": np.array([[0, 40_000]], np.int64)}
    path = write_snapshot(tmp_path, 1, t, {}, extents=runs)
    file = path / TABLES_FILE
    with zipfile.ZipFile(file) as z:
        at = z.getinfo("strategy.npy").header_offset + 2 * ALIGN + 12_345  # inside strategy's data
    data = bytearray(file.read_bytes())
    data[at] ^= 0x01
    file.write_bytes(bytes(data))
    with pytest.raises(SnapshotError, match="'strategy' failed its integrity check"):
        read_snapshot(tmp_path)
