"""The .npz writer: valid zip64 archives that np.load and zipfile read, data at aligned offsets, CRCs over
the bytes written, and the page cache taking over where O_DIRECT is refused or fails."""
from __future__ import annotations

import errno
import fcntl
import io
import mmap
import os
import zipfile

import numpy as np
import pytest

from holdem.mccfr import npz_writer
from holdem.mccfr.npz_writer import ALIGN, Member, npy_header, write_npz


def direct_works(directory) -> bool:
    """Whether the file system of ``directory`` takes an aligned O_DIRECT write."""
    if not getattr(os, "O_DIRECT", 0):
        return False
    path = directory / "probe"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT)
        try:
            return os.pwrite(fd, mmap.mmap(-1, ALIGN), 0) == ALIGN
        finally:
            os.close(fd)
    except OSError:
        return False
    finally:
        path.unlink(missing_ok=True)


@pytest.fixture
def small_buffer(monkeypatch):
    """A buffer of three blocks, so that small arrays span many buffer writes."""
    monkeypatch.setattr(npz_writer, "BUFFER_BYTES", 3 * ALIGN)


def _members(arrays: dict[str, np.ndarray], piece: int = 1000):
    """Each array in pieces of ``piece`` elements (the last shorter), as a writer's caller gives them."""
    for name, a in arrays.items():
        flat = a.reshape(-1)
        yield Member(name, a.dtype, a.shape, (flat[i:i + piece] for i in range(0, flat.size, piece)))


def _arrays(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"ints": rng.integers(0, 1 << 40, size=(777, 2)), "floats": rng.standard_normal(12_345).astype("<f4"),
            "doubles": rng.random(3001), "empty": np.empty((0, 2), np.int64), "one": np.array([7.5])}


def _data_offsets(path) -> dict[str, int]:
    """File offset of each member's array data."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as raw:
        for info in z.infolist():
            raw.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(raw.read(4), "<u2")
            with z.open(info) as f:
                version = np.lib.format.read_magic(f)
                (np.lib.format.read_array_header_2_0 if version == (2, 0) else np.lib.format.read_array_header_1_0)(f)
                out[info.filename] = info.header_offset + 30 + int(name_len) + int(extra_len) + f.tell()
    return out


@pytest.mark.parametrize("direct", [True, False])
def test_round_trip_through_numpy_and_zipfile(tmp_path, small_buffer, direct):
    arrays = _arrays()
    path = tmp_path / "a.npz"
    written = write_npz(path, _members(arrays), direct=direct)
    if not direct:
        assert written == 0
    elif direct_works(tmp_path):
        assert written >= 3 * ALIGN and written % ALIGN == 0
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()] == [f"{n}.npy" for n in arrays]
    with np.load(path, allow_pickle=False) as z:
        for name, a in arrays.items():
            assert z[name].dtype == a.dtype and np.array_equal(z[name], a)
    offsets = _data_offsets(path)
    assert all(offset % ALIGN == 0 for offset in offsets.values())
    mapped = np.memmap(path, np.float64, "r", offset=offsets["doubles.npy"], shape=arrays["doubles"].shape)
    assert np.array_equal(mapped, arrays["doubles"])  # what the alignment is for: arrays mapped from the file


def test_both_paths_write_the_same_bytes(tmp_path, small_buffer):
    write_npz(tmp_path / "direct.npz", _members(_arrays()), direct=True)
    write_npz(tmp_path / "buffered.npz", _members(_arrays()), direct=False)
    assert (tmp_path / "direct.npz").read_bytes() == (tmp_path / "buffered.npz").read_bytes()


def test_refused_o_direct_goes_through_the_page_cache(tmp_path, small_buffer, monkeypatch):
    monkeypatch.setattr(npz_writer, "_set_direct", lambda fd, on: False)  # as a file system without it answers
    path = tmp_path / "a.npz"
    assert write_npz(path, _members(_arrays())) == 0
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None


def test_a_failed_direct_write_is_written_again_through_the_page_cache(tmp_path, small_buffer, monkeypatch):
    if not direct_works(tmp_path):
        pytest.skip("this file system refuses O_DIRECT")
    real = os.pwrite
    direct_writes = []

    def pwrite(fd, data, offset):
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            direct_writes.append(offset)
            if len(direct_writes) == 2:
                raise OSError(errno.EINVAL, "refused")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    path = tmp_path / "a.npz"
    assert write_npz(path, _members(_arrays())) == 3 * ALIGN  # the first buffer only
    assert len(direct_writes) == 2  # none after the failure
    monkeypatch.setattr(os, "pwrite", real)
    with np.load(path) as z:
        assert np.array_equal(z["doubles"], _arrays()["doubles"])


def test_arrays_changed_while_written_still_pass_the_crc(tmp_path, small_buffer):
    """The CRC covers the bytes as they were copied out, whatever the array holds when the buffer is written."""
    a = np.arange(20_000, dtype=np.float64)
    want = a.copy()

    def pieces():
        for i in range(0, a.size, 700):
            yield a[i:i + 700]
            a[i:i + 700] = -1.0  # training goes on: the piece changes once handed over

    path = tmp_path / "a.npz"
    write_npz(path, [Member("live", a.dtype, a.shape, pieces())])
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    with np.load(path) as z:
        assert np.array_equal(z["live"], want)


def test_pieces_must_fill_the_shape(tmp_path):
    with pytest.raises(ValueError, match="hold 8 bytes"):
        write_npz(tmp_path / "a.npz", [Member("x", np.float64, (2,), [np.zeros(1)])])


@pytest.mark.parametrize("at", [0, 1, 30, ALIGN - 1, ALIGN, 5 * ALIGN + 77])
def test_npy_headers_end_on_an_aligned_offset_and_parse(at):
    for dtype, shape in ((np.dtype("<f4"), (10,)), (np.dtype("<i8"), (3, 2)), (np.dtype("<f8"), (1,) * 30_000)):
        header = npy_header(dtype, shape, at)
        assert (at + len(header)) % ALIGN == 0
        f = io.BytesIO(header)
        version = np.lib.format.read_magic(f)
        assert version == ((2, 0) if len(shape) > 1000 else (1, 0))
        read = np.lib.format.read_array_header_2_0 if version == (2, 0) else np.lib.format.read_array_header_1_0
        assert read(f, max_header_size=1 << 20) == (shape, False, dtype)
        assert f.read() == b""
