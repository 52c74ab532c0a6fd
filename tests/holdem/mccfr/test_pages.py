"""Pages of lazily backed and memory-mapped arrays leave the resident set on request."""
import numpy as np

from holdem.mccfr.pages import LAZY_MIN_BYTES, lazy_zeros, release_pages, resident_extents


def resident(array: np.ndarray) -> int:
    return sum(end - start for start, end in resident_extents(array))


def test_a_lazy_array_gives_its_pages_back_and_reads_as_zeros():
    a = lazy_zeros(LAZY_MIN_BYTES // 8, np.float64)
    a[::512] = 1.0
    assert resident(a) > 0
    assert release_pages(a)
    assert resident(a) == 0 and not a[::512].any()


def test_a_memory_mapped_file_is_read_again_after_its_pages_go(tmp_path):
    path = tmp_path / "t.bin"
    np.arange(1 << 20, dtype=np.int32).tofile(path)
    m = np.memmap(path, dtype=np.int32, mode="r")
    assert int(m.sum()) == (1 << 20) * ((1 << 20) - 1) // 2
    assert release_pages(m)
    assert int(m[12345]) == 12345


def test_an_ordinary_array_is_left_alone():
    assert not release_pages(np.zeros(10))
