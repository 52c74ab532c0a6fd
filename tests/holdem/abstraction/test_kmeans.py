import numpy as np
import pytest

from holdem.abstraction.kmeans import CDF_SCALE, assign_nearest, kmeans


def _cdfs(hists: np.ndarray) -> np.ndarray:
    """Fixed-point CDFs without the last entry, as the builder stores them."""
    cum = np.cumsum(hists, axis=1) / hists.sum(axis=1, keepdims=True)
    return np.round(cum[:, :-1] * CDF_SCALE).astype(np.int16)


def _random_points(n, bins, seed):
    rng = np.random.default_rng(seed)
    return _cdfs(rng.dirichlet(np.full(bins, 0.4), size=n))


def test_assignment_matches_a_full_scan_with_lowest_index_ties():
    pts = _random_points(3000, 12, 0)
    rng = np.random.default_rng(1)
    cents = pts[rng.choice(len(pts), 25, replace=False)].astype(np.int32)
    cents[7] = cents[3]  # exact tie: the full scan picks 3
    labels = np.empty(len(pts), np.int32)
    dist = np.empty(len(pts), np.int64)
    assign_nearest(pts, cents, labels, dist)
    full = np.abs(pts[:, None, :].astype(np.int64) - cents[None]).sum(axis=2)
    assert np.array_equal(labels, full.argmin(axis=1))
    assert np.array_equal(dist, full.min(axis=1))
    assert not (labels == 7).any()


def test_l1_between_cdfs_is_the_earth_movers_distance():
    # moving all mass from bin 0 to bin 3 costs 3 bin widths
    a = _cdfs(np.array([[1.0, 0, 0, 0, 0]]))
    b = _cdfs(np.array([[0, 0, 0, 1.0, 0]]))
    labels = np.empty(1, np.int32)
    dist = np.empty(1, np.int64)
    assign_nearest(a, b.astype(np.int32), labels, dist)
    assert dist[0] == 3 * CDF_SCALE


def test_same_seed_same_result_and_seed_matters():
    pts = _random_points(4000, 10, 2)
    r1 = kmeans(pts, 12, seed=5)
    r2 = kmeans(pts, 12, seed=5)
    r3 = kmeans(pts, 12, seed=6)
    assert np.array_equal(r1.centroids, r2.centroids) and np.array_equal(r1.labels, r2.labels)
    assert not np.array_equal(r1.centroids, r3.centroids)


def test_recovers_well_separated_groups():
    rng = np.random.default_rng(3)
    bins = 10
    centres = np.eye(bins)[[0, 4, 9]] * 0.9 + 0.01
    hists = np.concatenate([c + rng.uniform(0, 0.05, size=(200, bins)) for c in centres])
    truth = np.repeat(np.arange(3), 200)
    res = kmeans(_cdfs(hists), 3, seed=0)
    # every true group lands in exactly one cluster and clusters do not mix groups
    pairs = set(zip(truth.tolist(), res.labels.tolist()))
    assert len(pairs) == 3 and len({p[1] for p in pairs}) == 3


def test_weights_pull_the_centroid():
    pts = np.array([[0], [1000]], np.int16)
    res = kmeans(pts, 1, seed=0, weights=np.array([1, 3]))
    assert res.centroids[0, 0] == 750


def test_too_few_distinct_points_is_a_clear_error():
    pts = np.zeros((50, 4), np.int16)
    pts[25:] = 100
    with pytest.raises(ValueError, match="cannot make 3 clusters from 2 distinct points"):
        kmeans(pts, 3, seed=0)


def test_bad_weights_rejected():
    with pytest.raises(ValueError, match="positive integer per point"):
        kmeans(np.arange(10, dtype=np.int16).reshape(-1, 1), 2, seed=0, weights=np.zeros(10))
