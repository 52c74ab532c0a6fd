"""The card-abstraction builder: bucket tables for every street from a preset.

What a bucket is, per street (features in :mod:`holdem.abstraction.features`,
clustering in :mod:`holdem.abstraction.kmeans`):

* preflop: the 169 lossless starting-hand classes (no table needed);
* flop, turn: k-means (EMD) on the hand's river-equity histogram; one bucket
  per suit-isomorphic index (:mod:`holdem.isomorphism`: 1,286,792 flop and
  13,960,050 turn entries), written while sweeping one board per isomorphism
  class (:mod:`holdem.abstraction.boards`);
* river: 1-D k-means on the exact equity, kept as a lookup from the equity
  numerator (0..1980) to the bucket; presets that train (small, mid, large)
  also store that lookup applied to all 123,156,254 river indices.

River: table or on the fly?  Both are implemented and give identical buckets
(tested).  Measured here (2 cores shared with other jobs, so ranges over
runs; ``python benchmarks/buckets.py --file FILE --mccfr hu_small``):

* on the fly: one ranking of the 1081 holes of the board per dealt hand
  (about 20 us of CPU): 23k-50k heads-up hands/s dealt; MCCFR on hu_small
  11k-18k iterations/s, dealing dominating;
* table: an isomorphic index and one read per seat: 0.5M-1.3M heads-up
  hands/s; MCCFR on hu_small 86k-189k iterations/s (6-17x).  It costs 123 MB
  (uint8) in the file, stored uncompressed and memory-mapped so every worker
  on a host shares one copy in the page cache, and under a minute of CPU to
  build.

Choice (:data:`RIVER_CHOICE`): the table, for every preset used to train; the
tiny CI preset ``test`` computes on the fly so it builds in seconds and its
file stays small.

Buckets are numbered by strength on every postflop street: bucket 0 holds the
weakest hands (lowest mean equity), the last bucket the strongest.

Determinism: every random choice comes from ``seed`` (numpy PCG64 streams for
training samples, SplitMix64 per board for runout samples); parallel loops
write disjoint entries, so a seed fixes the tables bit for bit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from holdem import isomorphism
from holdem.abstraction.boards import representative_boards
from holdem.abstraction.features import (
    HOLE_CARDS,
    N_EQUITY_VALUES,
    N_HOLES,
    RIVER_HOLES,
    board_histograms,
    board_seed,
    histogram_cdf,
    river_equities,
)
from holdem.abstraction.kmeans import CDF_SCALE, kmeans, nearest, search_order
from holdem.abstraction.presets import Preset
from holdem.abstraction.progress import NullProgress, Progress
from holdem.isomorphism import index_hole_board
from holdem.mccfr.rng import mix_py

FLOP, TURN, RIVER = 1, 2, 3
BOARD_LEN = {FLOP: 3, TURN: 4, RIVER: 5}
STREET_NAMES = ("preflop", "flop", "turn", "river")

RIVER_CHOICE = (
    "river table (123,156,254 entries, memory-mapped) for small/mid/large: 6-17x more MCCFR "
    "iterations/s on hu_small than exact equity per dealt hand; the CI preset 'test' computes on the fly"
)

_CHUNK_TARGET = 40  # progress updates per stage; each is a parallel launch, which costs milliseconds on a busy machine


@dataclass(frozen=True)
class BucketTables:
    """Everything a dealer needs, plus what produced it.

    flop        uint8|uint16[1,286,792]   bucket per flop isomorphism index
    turn        uint8|uint16[13,960,050]  bucket per turn isomorphism index
    river_lut   int32[1981]               bucket per river equity numerator (2*wins + ties of 1980)
    flop_centroids, turn_centroids  int32[k, bins-1]  fixed-point CDFs, in bucket order
    river_centroids int32[k, 1]        mean equity numerator of each river bucket
    river       uint8|uint16[123,156,254] or None: river_lut applied to every river index
    """

    preset: Preset
    seed: int
    flop: np.ndarray
    turn: np.ndarray
    river_lut: np.ndarray
    flop_centroids: np.ndarray
    turn_centroids: np.ndarray
    river_centroids: np.ndarray
    river: np.ndarray | None = None  # uint8|uint16[123,156,254] bucket per river index, if the preset stores it
    stats: dict = field(default_factory=dict, compare=False)  # build figures, not part of the content

    @property
    def buckets_per_street(self) -> tuple[int, int, int, int]:
        return self.preset.buckets_per_street

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "flop": self.flop,
            "turn": self.turn,
            "river_lut": self.river_lut,
            "flop_centroids": self.flop_centroids,
            "turn_centroids": self.turn_centroids,
            "river_centroids": self.river_centroids,
        }
        if self.river is not None:
            out["river"] = self.river
        return out


def table_dtype(n_buckets: int) -> np.dtype:
    """Smallest unsigned type holding every bucket plus one spare value (the unwritten marker)."""
    return np.dtype(np.uint8) if n_buckets < 255 else np.dtype(np.uint16)


# ---------------------------------------------------------------------------
# compiled sweeps over boards


@njit(cache=True, nogil=True, parallel=True)
def _training_points(boards, board_len, street, n_bins, n_samples, seed, picks, points):
    """points[b, j] = CDF of hole picks[b, j] on boards[b]."""
    for b in prange(boards.shape[0]):
        counts = np.empty((N_HOLES, n_bins), np.int32)
        totals = np.empty(N_HOLES, np.int32)
        board = boards[b]
        board_histograms(board, board_len, n_bins, n_samples, board_seed(seed, street, board), counts, totals)
        for j in range(picks.shape[1]):
            h = picks[b, j]
            histogram_cdf(counts[h], totals[h], points[b, j])


@njit(cache=True, nogil=True, parallel=True)
def _assign_boards(boards, board_len, street, n_bins, n_samples, seed, centroids, table):
    """table[index(hole, board)] = bucket of every hole on every board (nearest centroid)."""
    order, sorted_sum = search_order(centroids)
    for b in prange(boards.shape[0]):
        counts = np.empty((N_HOLES, n_bins), np.int32)
        totals = np.empty(N_HOLES, np.int32)
        row = np.empty(n_bins - 1, np.int32)
        board = boards[b]
        board_histograms(board, board_len, n_bins, n_samples, board_seed(seed, street, board), counts, totals)
        for h in range(N_HOLES):
            if totals[h] == 0:
                continue  # the hole meets the board
            histogram_cdf(counts[h], totals[h], row)
            c, _ = nearest(row, centroids, order, sorted_sum)
            table[index_hole_board(HOLE_CARDS[h], board, board_len)] = c


@njit(cache=True, nogil=True, parallel=True)
def _river_equity_counts(boards, counts):
    """counts[b, v] = holes with equity numerator v on boards[b]."""
    for b in prange(boards.shape[0]):
        eq = np.empty(N_HOLES, np.int32)
        keys = np.empty(RIVER_HOLES, np.int64)
        five = boards[b].astype(np.int64)
        river_equities(five, eq, keys)
        counts[b, :] = 0
        for h in range(N_HOLES):
            if eq[h] >= 0:
                counts[b, eq[h]] += 1


@njit(cache=True, nogil=True, parallel=True)
def _river_boards(boards, lut, table):
    """table[index(hole, board)] = lut[equity] for every hole of every board."""
    for b in prange(boards.shape[0]):
        eq = np.empty(N_HOLES, np.int32)
        keys = np.empty(RIVER_HOLES, np.int64)
        five = boards[b].astype(np.int64)
        river_equities(five, eq, keys)
        for h in range(N_HOLES):
            if eq[h] >= 0:
                table[index_hole_board(HOLE_CARDS[h], five, 5)] = lut[eq[h]]


@njit(cache=True, nogil=True)
def _first_unwritten(table, marker):
    for i in range(table.shape[0]):
        if table[i] == marker:
            return i
    return -1


# ---------------------------------------------------------------------------


def _in_chunks(progress: Progress, stage: str, n: int, run) -> None:
    """run(lo, hi) over 0..n in about _CHUNK_TARGET slices, reporting each as progress."""
    step = max(1, -(-n // _CHUNK_TARGET))
    progress.start(stage, n)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        run(lo, hi)
        progress.advance(hi - lo)
    progress.finish()


def _new_table(size: int, n_buckets: int) -> np.ndarray:
    """A bucket table filled with the unwritten marker (the dtype's largest value)."""
    dtype = table_dtype(n_buckets)
    return np.full(size, np.iinfo(dtype).max, dtype)


def _check_complete(table: np.ndarray, street: str) -> None:
    missing = _first_unwritten(table, np.iinfo(table.dtype).max)
    if missing >= 0:  # the board sweep must reach every index; anything else is a bug here
        raise RuntimeError(f"{street} index {missing} received no bucket: the board sweep is incomplete")


def _rng(seed: int, street: int) -> np.random.Generator:
    """The training-sample generator of one street."""
    return np.random.Generator(np.random.PCG64([seed, street]))


def _strength_order(centroids: np.ndarray) -> np.ndarray:
    """Centroid ids from weakest to strongest: a larger CDF sum means more mass at low equity."""
    s = centroids.astype(np.int64).sum(axis=1)
    return np.argsort(-s, kind="stable")


def _street_params(preset: Preset, street: int) -> tuple[str, int, int, int, int]:
    """(name, board length, histogram bins, runout samples (0 = all), buckets) of the flop or the turn."""
    name = STREET_NAMES[street]
    n_samples = preset.flop_runouts if street == FLOP else preset.turn_rivers
    return name, BOARD_LEN[street], getattr(preset, f"{name}_bins"), n_samples, getattr(preset, f"{name}_buckets")


def _fit_histogram_street(preset: Preset, street: int, seed: int, progress: Progress, stats: dict):
    """k-means centroids of the flop or the turn, in bucket order (weakest first)."""
    name, board_len, n_bins, n_samples, k = _street_params(preset, street)
    reps, weights = representative_boards(board_len)
    rng = _rng(seed, street)
    draws = rng.choice(len(reps), size=preset.train_boards, p=weights / weights.sum())
    chosen, multiplicity = np.unique(draws, return_counts=True)
    boards = reps[chosen]
    n_holes = min(preset.train_holes, (52 - board_len) * (51 - board_len) // 2)
    picks = np.empty((len(boards), n_holes), np.int32)
    for b, board in enumerate(boards):  # per board, not per hand
        free = np.flatnonzero(~np.isin(HOLE_CARDS, board).any(axis=1))
        picks[b] = np.sort(rng.choice(free, size=n_holes, replace=False))
    points = np.empty((len(boards), n_holes, n_bins - 1), np.int16)
    _in_chunks(progress, f"{name} features (fit)", len(boards), lambda lo, hi: _training_points(
        boards[lo:hi], board_len, street, n_bins, n_samples, seed, picks[lo:hi], points[lo:hi]))
    flat = points.reshape(-1, n_bins - 1)
    w = np.repeat(multiplicity, n_holes)
    progress.start(f"{name} k-means", preset.kmeans_iters)
    t0 = time.perf_counter()
    result = kmeans(flat, k, seed=mix_py(seed, street), weights=w, max_iter=preset.kmeans_iters,
                    progress=lambda done, total: progress.advance(1))
    progress.finish()
    stats[f"{name}_kmeans"] = {
        "points": int(flat.shape[0]),
        "iterations": result.iterations,
        "cost": result.cost,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return np.ascontiguousarray(result.centroids[_strength_order(result.centroids)])


def _histogram_table(preset: Preset, street: int, seed: int, progress: Progress, stats: dict):
    """The bucket of every flop or turn index, and the centroids."""
    name, board_len, n_bins, n_samples, _ = _street_params(preset, street)
    centroids = _fit_histogram_street(preset, street, seed, progress, stats)
    table = _new_table(isomorphism.size(board_len), len(centroids))
    reps, _ = representative_boards(board_len)
    _in_chunks(progress, f"{name} buckets", len(reps), lambda lo, hi: _assign_boards(
        reps[lo:hi], board_len, street, n_bins, n_samples, seed, centroids, table))
    _check_complete(table, name)
    return table, centroids


def river_equity_distribution(preset: Preset, seed: int, progress: Progress) -> np.ndarray:
    """int64[1981]: how many (hole, board) deals have each equity numerator (exact or from random boards)."""
    if preset.river_boards == 0:
        boards, weights = representative_boards(5)
    else:
        rng = _rng(seed, RIVER)
        boards = np.argsort(rng.random((preset.river_boards, 52)), axis=1)[:, :5].astype(np.int8)
        weights = np.ones(len(boards), np.int64)
    total = np.zeros(N_EQUITY_VALUES, np.int64)

    def run(lo: int, hi: int) -> None:
        counts = np.empty((hi - lo, N_EQUITY_VALUES), np.int32)
        _river_equity_counts(boards[lo:hi], counts)
        total[:] += weights[lo:hi] @ counts.astype(np.int64)

    _in_chunks(progress, "river equities", len(boards), run)
    return total


def _river_lut(preset: Preset, seed: int, progress: Progress, stats: dict):
    dist = river_equity_distribution(preset, seed, progress)
    values = np.flatnonzero(dist)
    points = values.astype(np.int16).reshape(-1, 1)
    t0 = time.perf_counter()
    result = kmeans(points, preset.river_buckets, seed=mix_py(seed, RIVER), weights=dist[values],
                    max_iter=max(preset.kmeans_iters, 100))
    stats["river_kmeans"] = {
        "points": int(dist.sum()),
        "iterations": result.iterations,
        "cost": result.cost,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    centroids = np.ascontiguousarray(result.centroids[np.argsort(result.centroids[:, 0], kind="stable")])
    all_values = np.arange(N_EQUITY_VALUES, dtype=np.int32).reshape(-1, 1)
    lut = np.empty(N_EQUITY_VALUES, np.int32)
    o, s = search_order(centroids)
    for v in range(N_EQUITY_VALUES):  # 1981 values, not hands
        lut[v] = nearest(all_values[v], centroids, o, s)[0]
    return lut, centroids


def river_table(river_lut: np.ndarray, n_buckets: int, progress: Progress | None = None) -> np.ndarray:
    """The river bucket of every river isomorphism index: ``river_lut`` at its exact equity."""
    progress = progress or NullProgress()
    table = _new_table(isomorphism.size(5), n_buckets)
    lut = np.ascontiguousarray(river_lut, dtype=table.dtype)
    reps, _ = representative_boards(5)
    _in_chunks(progress, "river buckets", len(reps), lambda lo, hi: _river_boards(reps[lo:hi], lut, table))
    _check_complete(table, "river")
    return table


def build_buckets(preset: Preset, seed: int = 0, progress: Progress | None = None) -> BucketTables:
    """Build every street's buckets for ``preset``; deterministic for ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise ValueError(f"bad seed {seed!r}: expected an integer in 0..2**63-1")
    progress = progress or NullProgress()
    stats: dict = {}
    t0 = time.perf_counter()
    lut, river_centroids = _river_lut(preset, seed, progress, stats)
    t1 = time.perf_counter()
    flop, flop_centroids = _histogram_table(preset, FLOP, seed, progress, stats)
    t2 = time.perf_counter()
    turn, turn_centroids = _histogram_table(preset, TURN, seed, progress, stats)
    t3 = time.perf_counter()
    river = river_table(lut, preset.river_buckets, progress) if preset.river_table else None
    t4 = time.perf_counter()
    stats["seconds"] = {"river": round(t1 - t0 + t4 - t3, 2), "flop": round(t2 - t1, 2), "turn": round(t3 - t2, 2),
                        "total": round(t4 - t0, 2)}
    return BucketTables(
        preset=preset,
        seed=int(seed),
        flop=flop,
        turn=turn,
        river_lut=lut,
        flop_centroids=flop_centroids,
        turn_centroids=turn_centroids,
        river_centroids=river_centroids,
        river=river,
        stats=stats,
    )


def mean_equity_of_centroids(centroids: np.ndarray) -> np.ndarray:
    """Mean equity (0..1) of CDF centroids over equal-width bins (bin midpoints)."""
    n_bins = centroids.shape[1] + 1
    cdf = np.concatenate([centroids / CDF_SCALE, np.ones((len(centroids), 1))], axis=1)
    pmf = np.diff(cdf, prepend=0.0, axis=1)
    mids = (np.arange(n_bins) + 0.5) / n_bins
    return pmf @ mids


__all__ = [
    "BucketTables",
    "build_buckets",
    "mean_equity_of_centroids",
    "river_equity_distribution",
    "river_table",
    "table_dtype",
]
