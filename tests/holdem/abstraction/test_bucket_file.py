import dataclasses
import io
import json
import pickle
import threading
import zipfile

import numpy as np
import pytest

from holdem.abstraction import bucket_file
from holdem.abstraction.bucket_file import (
    MANIFEST,
    VERSION,
    BucketFileError,
    ensure_buckets,
    load_buckets,
    write_buckets,
)


def _rewrite(src, dst, manifest_edit=None, array_edit=None):
    """Copy a bucket file, editing the manifest or one array, without fixing the hash."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == MANIFEST and manifest_edit:
                m = json.loads(data)
                manifest_edit(m)
                data = json.dumps(m).encode()
            elif array_edit and name == array_edit[0] + ".npy":
                a = np.lib.format.read_array(io.BytesIO(data)).copy()
                array_edit[1](a)
                buf = io.BytesIO()
                np.lib.format.write_array(buf, a)
                data = buf.getvalue()
            zout.writestr(name, data)


def test_round_trip_keeps_every_array_and_the_hash(test_tables, test_file):
    tables, manifest = load_buckets(test_file)
    for name, a in test_tables.arrays().items():
        assert np.array_equal(tables.arrays()[name], a) and tables.arrays()[name].dtype == a.dtype
    assert tables.preset == test_tables.preset
    assert manifest["content_hash"].startswith("sha256:")
    assert np.load(test_file, allow_pickle=False)["flop"].shape == test_tables.flop.shape  # a plain npz


def test_river_table_round_trip_is_memory_mapped_and_checked(river_tables, river_file, tmp_path):
    tables, manifest = load_buckets(river_file)
    assert isinstance(tables.river, np.memmap) and np.array_equal(tables.river, river_tables.river)
    assert manifest["river"].startswith("table")
    with zipfile.ZipFile(river_file) as zf:
        info = zf.getinfo("river.npy")
    assert info.compress_type == zipfile.ZIP_STORED
    data = bytearray(river_file.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 200 + info.file_size // 2] ^= 1
    bad = tmp_path / "river_flipped.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(BucketFileError, match=r"river_flipped\.npz: (content hash mismatch|inconsistent)"):
        load_buckets(bad)


def test_truncated_file_refused_with_rebuild_hint(test_file, tmp_path):
    bad = tmp_path / "cut.npz"
    bad.write_bytes(test_file.read_bytes()[: test_file.stat().st_size // 2])
    with pytest.raises(BucketFileError, match=r"cut\.npz: truncated or corrupt.*holdem-buckets build --preset"):
        load_buckets(bad)


def test_corrupt_bytes_refused(test_file, tmp_path):
    data = bytearray(test_file.read_bytes())
    with zipfile.ZipFile(test_file) as zf:
        info = zf.getinfo("turn.npy")
    pos = info.header_offset + 30 + len(info.filename) + info.compress_size // 2  # inside turn's data
    data[pos] ^= 0xFF
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(
        BucketFileError,
        match=r"flipped\.npz: corrupt array 'turn'.*rebuild it with: holdem-buckets build --preset test",
    ):
        load_buckets(bad)


def test_hash_mismatch_refused(test_file, tmp_path):
    bad = tmp_path / "edited.npz"
    _rewrite(test_file, bad, array_edit=("flop", lambda a: a.__setitem__(0, (a[0] + 1) % 8)))
    with pytest.raises(BucketFileError, match=r"edited\.npz: content hash mismatch"):
        load_buckets(bad)


def test_wrong_version_refused(test_file, tmp_path):
    bad = tmp_path / "future.npz"
    _rewrite(test_file, bad, manifest_edit=lambda m: m.update(version=VERSION + 1))
    with pytest.raises(
        BucketFileError,
        match=rf"future\.npz: bucket file format version {VERSION + 1}, but this program reads version {VERSION}",
    ):
        load_buckets(bad)


def test_inconsistent_counts_refused_even_with_a_valid_hash(test_tables, tmp_path):
    flop = test_tables.flop.copy()
    flop[5] = test_tables.preset.flop_buckets  # one past the last bucket
    bad = tmp_path / "counts.npz"
    write_buckets(dataclasses.replace(test_tables, flop=flop), bad)
    with pytest.raises(
        BucketFileError,
        match=r"counts\.npz: inconsistent bucket counts: flop table holds bucket 8 but the preset has 8 buckets",
    ):
        load_buckets(bad)


def test_other_npz_and_random_bytes_are_not_bucket_files(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))
    with pytest.raises(
        BucketFileError, match=r"other\.npz: not a bucket file \(an \.npz archive without manifest\.json\)"
    ):
        load_buckets(other)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"hello, not a zip")
    with pytest.raises(BucketFileError, match=r"junk\.npz: not a bucket file \(not an \.npz archive\)"):
        load_buckets(junk)
    with pytest.raises(BucketFileError, match=r"missing\.npz: no such bucket file"):
        load_buckets(tmp_path / "missing.npz")


@pytest.mark.parametrize("name", ["buckets.pkl", "buckets.npz"])
def test_pickles_refused_by_suffix_and_by_content(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(pickle.dumps({"flop": [1, 2, 3]}, protocol=4))
    with pytest.raises(BucketFileError, match="refusing to load a pickle file: loading a pickle runs arbitrary code"
                       ".*holdem-buckets build --preset"):
        load_buckets(path)


def test_written_files_are_readable_by_others(test_file):
    assert test_file.stat().st_mode & 0o044  # not the 0600 of the temporary file


def test_ensure_builds_once_reuses_and_heals(monkeypatch, tmp_path, test_tables):
    monkeypatch.setenv("HOLDEM_CACHE", str(tmp_path / "cache"))
    builds = []

    def fake_build(preset, seed=0, progress=None):
        builds.append(preset.name)
        return test_tables

    monkeypatch.setattr(bucket_file, "build_buckets", fake_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(ensure_buckets("test", log=lambda m: None)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == ["test"] and len(set(results)) == 1
    path = results[0]
    assert path.parent == tmp_path / "cache" and load_buckets(path)[1]["preset"]["name"] == "test"
    assert ensure_buckets("test", log=lambda m: None) == path and builds == ["test"]
    path.write_bytes(path.read_bytes()[:1000])  # damaged cache: rebuilt, not fatal
    messages = []
    assert ensure_buckets("test", log=messages.append) == path
    assert builds == ["test", "test"] and "rebuilding" in messages[0]
    load_buckets(path)


def test_unknown_preset_named(monkeypatch, tmp_path):
    monkeypatch.setenv("HOLDEM_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="unknown bucket preset 'huge'; choose one of: test, small, mid, large"):
        ensure_buckets("huge")
