import numpy as np
import pytest
from pngkit import count_colour, decode_png

from holdem.eval.plot import BAND, LINE, line_chart, plot_running, running_chart
from holdem.eval.raster import GLYPHS, encode_png, text_width


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
    assert count_colour(img, LINE) > 100
    assert count_colour(img, BAND) > 1000
    path = plot_running(tmp_path / "sub" / "run.png", hands, mean, half)
    assert np.array_equal(decode_png(path.read_bytes()), img)
    assert [p.name for p in path.parent.iterdir()] == ["run.png"]  # no temporary file left behind


def test_a_single_point_and_a_flat_series_still_plot():
    assert running_chart(np.array([2]), np.array([0.0])).shape == (400, 720, 3)
    assert running_chart(np.arange(1, 5), np.zeros(4), np.full(4, np.nan)).shape == (400, 720, 3)


def test_the_band_is_linear_between_few_points_and_missing_where_the_interval_is_not_finite():
    x = np.array([10.0, 20.0, 40.0])
    img = line_chart(x, np.array([100.0, 50.0, 0.0]), np.array([np.inf, 20.0, 20.0]), markers=True)
    cols = np.flatnonzero((img == BAND).all(axis=2).any(axis=0))
    # a band from the second point to the third only: one contiguous run of columns, none left of the 2nd point
    assert cols.size > 100 and np.all(np.diff(cols) == 1)
    x0, x1 = 60, 720 - 20
    second = x0 + 20 / 40 * (x1 - x0)
    assert abs(cols[0] - second) <= 4 and abs(cols[-1] - x1) <= 4  # markers cover a few columns at the ends
    # three square markers in the line's colour
    assert count_colour(img, LINE) >= 3 * 7 * 7


def test_text_is_drawn_with_the_font():
    assert text_width("AB") == (4 * 2 - 1) * 2
    assert {"s", "o", "'"} <= set(GLYPHS)
