import math

import numpy as np
import pytest

from holdem.eval.stats import Z95, mean_ci95, running_ci95, to_mbb


def test_interval_is_normal_approximation_over_groups():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    e = mean_ci95(v)
    assert e.mean == 2.5 and e.groups == 4
    assert e.half_width == pytest.approx(Z95 * np.std(v, ddof=1) / 2)
    assert math.isinf(mean_ci95(np.array([3.0])).half_width)
    with pytest.raises(ValueError):
        mean_ci95(np.array([]))


def test_running_interval_ends_at_the_full_one():
    v = np.random.default_rng(1).normal(size=50)
    mean, half = running_ci95(v)
    assert np.isnan(half[0]) and mean[-1] == pytest.approx(v.mean())
    assert half[-1] == pytest.approx(mean_ci95(v).half_width)


def test_mbb():
    assert to_mbb(50.0, 100) == 500.0
    assert np.allclose(to_mbb(np.array([1.0, -2.0]), 100), [10.0, -20.0])
