"""k-means over 1-D distributions with the earth mover's distance (compiled).

The card abstraction clusters hands by the histogram of their river equity
(Johanson, Burch, Valenzano & Bowling 2013, "Evaluating state-space
abstractions in extensive-form games"; Ganzfried & Sandholm 2014,
"Potential-aware imperfect-recall abstraction with earth mover's distance").
Between two 1-D histograms of equal mass the earth mover's distance is the
L1 distance between their cumulative distribution functions (times the bin
width), so every point here is a CDF and the distance is **L1 between
CDFs**, which *is* the EMD, not an approximation of it.  As in Johanson et
al., a centroid is the mean of its members (the mean of CDFs is the CDF of
the mean histogram).

Points are fixed-point integers (a CDF value of 1 is :data:`CDF_SCALE`) so
the distance loop is exact integer arithmetic that vectorises and gives the
same result on every machine and for every thread count.  The last CDF entry
(always 1) is dropped by the callers.

Seeding is k-means++ (Arthur & Vassilvitskii 2007, with the distance above in
place of the Euclidean one).  Everything random comes from one
``numpy.random.Generator(PCG64(seed))``, so a seed fixes the result.

Nearest-centroid search prunes with an exact lower bound: for CDFs ``a``,
``b``, ``sum|a - b| >= |sum a - sum b|``; centroids are visited in order of
``|sum c - sum x|`` and the search stops once that bound exceeds the best
distance found.  Ties go to the lowest centroid index, exactly as a full scan.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import njit, prange

CDF_SCALE = 1 << 14  # fixed-point 1.0 of a CDF value; fits int16 storage
_PARALLEL_MIN_WORK = 1 << 22  # point x centroid x dimension operations that justify threads

ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class KMeansResult:
    centroids: np.ndarray  # int32[k, d]
    labels: np.ndarray  # int32[n]
    cost: int  # sum of weight * distance to the assigned centroid
    iterations: int


@njit(cache=True, nogil=True)
def _l1(row, centroids, c):
    d = 0
    for j in range(row.shape[0]):
        diff = np.int32(row[j]) - centroids[c, j]
        d += diff if diff >= 0 else -diff
    return d


@njit(cache=True, nogil=True)
def search_order(centroids):
    """(order, sorted sums) of the centroids, the pruning data of :func:`nearest`."""
    k = centroids.shape[0]
    csum = np.empty(k, np.int64)
    for c in range(k):
        csum[c] = centroids[c].astype(np.int64).sum()
    order = np.argsort(csum, kind="mergesort")
    return order, csum[order]


@njit(cache=True, nogil=True)
def nearest(row, centroids, order, sorted_sum):
    """(index, L1 distance) of the centroid nearest to ``row``; ties go to the lowest index."""
    k = centroids.shape[0]
    s = np.int64(0)
    for j in range(row.shape[0]):
        s += row[j]
    # start at the centroid whose sum is nearest, then widen both ways
    hi = np.searchsorted(sorted_sum, s)
    lo = hi - 1
    far = np.int64(1) << 62
    best = far
    best_c = -1
    while lo >= 0 or hi < k:
        lb_lo = s - sorted_sum[lo] if lo >= 0 else far
        lb_hi = sorted_sum[hi] - s if hi < k else far
        if lb_lo <= lb_hi:
            if lb_lo > best:
                break
            c = order[lo]
            lo -= 1
        else:
            if lb_hi > best:
                break
            c = order[hi]
            hi += 1
        d = _l1(row, centroids, c)
        if d < best or (d == best and c < best_c):
            best = d
            best_c = c
    return best_c, best


@njit(cache=True, nogil=True, parallel=True)
def _assign_parallel(points, centroids, labels, dist):
    order, sorted_sum = search_order(centroids)
    for i in prange(points.shape[0]):
        labels[i], dist[i] = nearest(points[i], centroids, order, sorted_sum)


@njit(cache=True, nogil=True)
def _assign_serial(points, centroids, labels, dist):
    order, sorted_sum = search_order(centroids)
    for i in range(points.shape[0]):
        labels[i], dist[i] = nearest(points[i], centroids, order, sorted_sum)


def _parallel_pays(points: np.ndarray, k: int) -> bool:
    # a parallel launch costs milliseconds when the cores are busy; small jobs run serially
    return points.shape[0] * k * points.shape[1] >= _PARALLEL_MIN_WORK


def assign_nearest(points: np.ndarray, centroids: np.ndarray, labels: np.ndarray, dist: np.ndarray) -> None:
    """labels[i], dist[i] = nearest centroid of points[i] and its L1 distance."""
    kernel = _assign_parallel if _parallel_pays(points, centroids.shape[0]) else _assign_serial
    kernel(points, centroids, labels, dist)


@njit(cache=True, nogil=True, parallel=True)
def _update_min_d2(points, centroids, c, min_d2):
    for i in prange(points.shape[0]):
        d = np.int64(_l1(points[i], centroids, c))
        if d * d < min_d2[i]:
            min_d2[i] = d * d


@njit(cache=True, nogil=True)
def _update_min_d2_serial(points, centroids, c, min_d2):
    for i in range(points.shape[0]):
        d = np.int64(_l1(points[i], centroids, c))
        if d * d < min_d2[i]:
            min_d2[i] = d * d


@njit(cache=True, nogil=True)
def _means(points, weights, labels, k):
    """Weighted mean of each cluster, rounded to the nearest fixed-point unit; -1 rows for empty clusters."""
    d = points.shape[1]
    sums = np.zeros((k, d), np.int64)
    mass = np.zeros(k, np.int64)
    for i in range(points.shape[0]):
        c = labels[i]
        w = weights[i]
        mass[c] += w
        for j in range(d):
            sums[c, j] += w * points[i, j]
    out = np.empty((k, d), np.int32)
    for c in range(k):
        for j in range(d):
            out[c, j] = (2 * sums[c, j] + mass[c]) // (2 * mass[c]) if mass[c] > 0 else -1
    return out, mass


def _check(points: np.ndarray, weights: np.ndarray | None, k: int) -> np.ndarray:
    if points.ndim != 2 or points.shape[0] == 0:
        raise ValueError(f"k-means needs a non-empty 2-D array of points; got shape {points.shape}")
    if not np.issubdtype(points.dtype, np.integer):
        raise ValueError(f"k-means points must be fixed-point integers; got dtype {points.dtype}")
    w = np.ones(points.shape[0], np.int64) if weights is None else np.ascontiguousarray(weights, dtype=np.int64)
    if w.shape != (points.shape[0],) or (w <= 0).any():
        raise ValueError("k-means weights must be one positive integer per point")
    if k < 1:
        raise ValueError(f"k-means needs k >= 1; got {k}")
    distinct = np.unique(points, axis=0).shape[0]
    if distinct < k:
        raise ValueError(
            f"cannot make {k} clusters from {distinct} distinct points: use fewer buckets or more training points"
        )
    return w


def kmeans_pp_seed(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next centre is drawn with probability weight * D(x)^2."""
    n = points.shape[0]
    first = int(np.searchsorted(np.cumsum(weights), rng.integers(0, int(weights.sum())), side="right"))
    chosen = [min(first, n - 1)]
    centroids = np.empty((k, points.shape[1]), np.int32)
    centroids[0] = points[chosen[0]]
    min_d2 = np.full(n, np.int64(1) << 62, np.int64)
    update = _update_min_d2 if _parallel_pays(points, 1) else _update_min_d2_serial
    for c in range(1, k):
        update(points, centroids, c - 1, min_d2)
        # float64: weight * d^2 summed over many points can pass 2^63; a
        # sequential cumsum is still bit-reproducible
        cum = np.cumsum(min_d2.astype(np.float64) * weights)
        pick = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
        centroids[c] = points[min(pick, n - 1)]
    return centroids


def kmeans(
    points: np.ndarray,
    k: int,
    seed: int,
    *,
    weights: np.ndarray | None = None,
    max_iter: int = 50,
    progress: ProgressFn | None = None,
) -> KMeansResult:
    """Cluster integer CDF rows of ``points`` into ``k`` clusters under L1 (= EMD).

    Lloyd iterations stop when no label changes or after ``max_iter``.  An
    empty cluster is re-seeded with the point farthest from its centroid.
    """
    points = np.ascontiguousarray(points)
    w = _check(points, weights, k)
    rng = np.random.Generator(np.random.PCG64(seed))
    centroids = kmeans_pp_seed(points, w, k, rng)
    n = points.shape[0]
    labels = np.full(n, -1, np.int32)
    new_labels = np.empty(n, np.int32)
    dist = np.empty(n, np.int64)
    it = 0
    for it in range(1, max_iter + 1):
        assign_nearest(points, centroids, new_labels, dist)
        if progress is not None:
            progress(it, max_iter)
        if np.array_equal(new_labels, labels):
            return KMeansResult(centroids, labels, int((dist * w).sum()), it)
        labels[:] = new_labels
        centroids, mass = _means(points, w, labels, k)
        for c in np.flatnonzero(mass == 0):
            far = int(np.argmax(dist * w))
            centroids[c] = points[far]
            dist[far] = 0
    assign_nearest(points, centroids, labels, dist)
    return KMeansResult(centroids, labels, int((dist * w).sum()), it)
