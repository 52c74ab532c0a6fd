import struct
import zlib

import numpy as np
import pytest

from holdem.eval.plot import BAND, LINE, PNG_SIGNATURE, encode_png, plot_running, running_chart


def decode_png(data: bytes) -> np.ndarray:
    """Independent minimal decoder for 8-bit RGB, filter 0 (what encode_png writes); checks every CRC."""
    assert data[:8] == PNG_SIGNATURE
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    w, h, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color) == (8, 2)
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(h, 1 + 3 * w)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(h, w, 3)


def test_png_round_trips_through_an_independent_decoder():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(7, 11, 3), dtype=np.uint8)
    assert np.array_equal(decode_png(encode_png(img)), img)
    with pytest.raises(ValueError, match="RGB"):
        encode_png(np.zeros((4, 4), np.uint8))


def test_chart_draws_the_line_and_band_and_is_written_atomically(tmp_path):
    hands = np.arange(1, 101) * 2
    mean = np.linspace(-50, 120, 100)
    half = np.full(100, 30.0)
    img = running_chart(hands, mean, half)
    assert (img == LINE).all(axis=2).sum() > 100
    assert (img == BAND).all(axis=2).sum() > 1000
    path = plot_running(tmp_path / "sub" / "run.png", hands, mean, half)
    assert np.array_equal(decode_png(path.read_bytes()), img)
    assert [p.name for p in path.parent.iterdir()] == ["run.png"]  # no temporary file left behind


def test_a_single_point_and_a_flat_series_still_plot():
    assert running_chart(np.array([2]), np.array([0.0])).shape == (400, 720, 3)
    assert running_chart(np.arange(1, 5), np.zeros(4), np.full(4, np.nan)).shape == (400, 720, 3)
