"""External-sampling MCCFR over a :class:`holdem.games.spec.GameSpec`: the Python face of the kernel.

A batch of iterations is dealt in chunks of ``DEAL_CHUNK`` iterations (one
dealer call per chunk, then one compiled kernel call that releases the GIL,
so a worker's I/O thread keeps sending heartbeats).  Chunks are laid on a
grid starting at ``batch_start`` (default: the batch's first iteration),
chunk ``j``'s hands come from ``deal(deal_seed(seed, j), ...)``, and iteration
``t``'s sampling stream from ``(seed, t)`` (:mod:`holdem.mccfr.kernel`).  So a
batch is a pure function of (tables, first_iteration, iterations, seed), and
a batch split in two calls with the same ``batch_start`` gives the same
tables as the whole batch (what exact resume needs).  A kernel call that
records first writes (:mod:`holdem.mccfr.blocks`) may stop before the end of
its chunk, when a log runs short; the solver grows the log and calls it again
from the next iteration with the same deal, which changes no result.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numba import njit

from holdem.game.tree_arrays import NODE_DECISION
from holdem.games.spec import GameSpec
from holdem.mccfr.blocks import Tracking, word_count
from holdem.mccfr.kernel import run_iterations
from holdem.mccfr.own_hands import LANES, own_hand_groups, run_own_hand_iterations
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.rng import mix_py
from holdem.mccfr.schedule import table_scale
from holdem.mccfr.strategy import average_strategy, current_strategy
from holdem.mccfr.tables import Tables
from holdem.mccfr.utility import exact_utilities

DEAL_CHUNK = 1024  # iterations per dealer call; part of the reproducibility contract, do not vary per run
_DEAL_DOMAIN = 0x4445414C  # separates deal seeds from iteration streams derived from the same seed
_ITER_DOMAIN = 0x49544552
_BATCH_DOMAIN = 0x42415443


def batch_seed(run_seed: int, batch_index: int) -> int:
    """The seed of batch ``batch_index`` of a run (SplitMix64 of both); the only way batches are seeded."""
    if batch_index < 0:
        raise ValueError(f"batch_index must be >= 0, got {batch_index}")
    return mix_py(mix_py(run_seed, _BATCH_DOMAIN), batch_index)


def deal_seed(seed: int, chunk: int) -> int:
    return mix_py(mix_py(seed, _DEAL_DOMAIN), chunk)


def iteration_seed(seed: int) -> int:
    """The seed the kernel derives iteration streams from (``mix(iteration_seed, t)``)."""
    return mix_py(seed, _ITER_DOMAIN)


@njit(cache=True, nogil=True, _nrt=False)
def _writes_bound(kind, actor, n_actions, first_child, st_node, st_a, st_regret, st_strategy, regret, strategy):
    """Per seat ``q``, the most regret and strategy entries a traversal for ``q`` writes
    (:func:`holdem.mccfr.kernel.traverse`), into ``regret[q]``/``strategy[q]``: at a node of ``q`` every
    action is explored and its row written, at another seat's node one sampled action followed and its row
    written; so below a node of ``q`` the children's counts add up, below another's the largest is taken.
    One depth-first pass over the tree, all seats at once; the stacks hold a frame per decision node on
    the path (``st_regret``/``st_strategy``: its children's counts so far, per seat)."""
    n_players = regret.shape[0]
    if kind[0] != NODE_DECISION:
        return
    d = 0
    st_node[0] = 0
    st_a[0] = 0
    for q in range(n_players):
        st_regret[0, q] = 0
        st_strategy[0, q] = 0
    while True:
        node = st_node[d]
        na = n_actions[node]
        a = st_a[d]
        if a < na:
            st_a[d] = a + 1
            child = first_child[node] + a
            if kind[child] == NODE_DECISION:  # a terminal writes nothing
                d += 1
                st_node[d] = child
                st_a[d] = 0
                for q in range(n_players):
                    st_regret[d, q] = 0
                    st_strategy[d, q] = 0
            continue
        p = actor[node]
        parent = actor[st_node[d - 1]] if d > 0 else -1
        for q in range(n_players):
            r = st_regret[d, q] + (na if q == p else 0)
            s = st_strategy[d, q] + (0 if q == p else na)
            if d == 0:
                regret[q] = r
                strategy[q] = s
            elif q == parent:
                st_regret[d - 1, q] += r
                st_strategy[d - 1, q] += s
            else:
                st_regret[d - 1, q] = max(st_regret[d - 1, q], r)
                st_strategy[d - 1, q] = max(st_strategy[d - 1, q], s)
        if d == 0:
            return
        d -= 1


_BOUNDS: dict[int, tuple[weakref.ref, tuple[int, int]]] = {}


def writes_per_iteration(tree) -> tuple[int, int]:
    """The most (regret, strategy) entries one iteration of :func:`holdem.mccfr.kernel.run_iterations`
    writes on ``tree`` (a :class:`holdem.game.tree_arrays.CompactTree`; a pass over it, done once per
    tree and process): the room a first-write log keeps free between iterations
    (:mod:`holdem.mccfr.blocks`)."""
    known = _BOUNDS.get(id(tree))
    if known is not None and known[0]() is tree:
        return known[1]
    depth = tree.max_depth + 1
    players = tree.n_players
    regret = np.zeros(players, np.int64)
    strategy = np.zeros(players, np.int64)
    _writes_bound(tree.kind, tree.actor, tree.n_actions, tree.first_child, np.zeros(depth, np.int64),
                  np.zeros(depth, np.int64), np.zeros((depth, players), np.int64),
                  np.zeros((depth, players), np.int64), regret, strategy)
    bound = int(regret.sum()), int(strategy.sum())
    _BOUNDS[id(tree)] = weakref.ref(tree), bound
    return bound


@dataclass(frozen=True)
class BatchStats:
    iterations: int
    nodes_visited: int
    seconds: float


class Solver:
    """Runs MCCFR batches on ``tables`` (allocated zeroed if None; never copied)."""

    def __init__(self, game: GameSpec, params: MCCFRParams, tables: Tables | None = None):
        self.game = game
        self.params = params
        size = game.table_size
        self.tables = Tables.zeros(size) if tables is None else tables
        if self.tables.size != size:
            raise ValueError(
                f"tables have {self.tables.size} entries but game {game.name!r} needs {size}; "
                "were they made for another game or abstraction?"
            )
        tree = game.compact
        self._n_players = tree.n_players
        self._n_streets = tree.n_streets
        self._arrays = (
            tree.nodes, tree.delta, np.ascontiguousarray(tree.root_contrib, dtype=np.int64), tree.n_streets - 1,
            params.prune_last_street, params.prune_terminal,
        )
        self._average = sum(1 << s for s in params.average_streets if s < self._n_streets)
        depth = tree.max_depth + 1
        width = max(1, tree.max_actions)
        players = tree.n_players
        self._stack = (
            np.zeros(depth, dtype=np.int64), np.zeros(depth, dtype=np.int64), np.zeros(depth, dtype=np.int64),
            np.zeros((depth, width), dtype=np.float64), np.zeros((depth, width), dtype=np.float64),
            np.zeros((depth, width), dtype=np.bool_), np.zeros((depth, players), dtype=np.int64),
            np.zeros(depth, dtype=np.int64), np.zeros(players, dtype=np.int64),
        )
        # [iterations done, nodes visited] of the batch in progress; readable from another thread
        self.progress = np.zeros(2, dtype=np.int64)
        self.tracking = Tracking.off()
        # called between deal chunks (another thread may hold the tables still for a moment there)
        self.pause_point: Callable[[], None] | None = None
        self._own = self._own_hand_arrays(depth) if params.enumerate_own_hands else None
        self._check_dealer()

    def track(self, tracking: Tracking) -> None:
        """Record every write from now on, per row block and/or per entry (:mod:`holdem.mccfr.blocks`); a
        capture is this solver's own (one per thread)."""
        capture = tracking.capture
        if capture is not None:
            tables = (self.tables.regret, self.tables.strategy)
            for written, table in zip(capture.written, tables):
                if written.shape[0] != word_count(table.shape[0]):
                    raise ValueError(f"a written bitmap of {written.shape[0]} words does not fit a table of "
                                     f"{table.shape[0]} entries")
            if capture.dtypes != tuple(t.dtype for t in tables):
                raise ValueError(f"a capture of {capture.dtypes} does not fit tables of "
                                 f"{tuple(t.dtype for t in tables)}")
            capture.reserve(*writes_per_iteration(self.game.compact))
        self.tracking = tracking

    def _own_hand_arrays(self, depth: int) -> tuple:
        """Exact deals, terminal utilities and stack for :mod:`holdem.mccfr.own_hands`."""
        game, tree = self.game, self.game.tree
        if game.exact is None:
            raise ValueError(
                f"solver.enumerate_own_hands: game {game.name!r} has no exact chance model (only Kuhn and "
                "Leduc do); set it to false"
            )
        groups = own_hand_groups(game.exact)
        util = exact_utilities(tree, game.exact.deal_strength)
        width, actions = LANES, tree.max_actions
        # per member of a group: its deal's buckets, and the traverser's utility at each node
        members = groups.deals
        member_buckets = np.ascontiguousarray(game.exact.deal_buckets[members], dtype=np.int32)
        # by compact node id, as the kernel walks the compact tree
        member_util = np.stack([util[game.full_ids][:, members[p], p] for p in range(tree.n_players)])
        data = (member_buckets, np.ascontiguousarray(member_util), groups.start, groups.weight, groups.cum)
        stack = (np.zeros(depth, dtype=np.int64), np.zeros(depth, dtype=np.int64),
                 np.zeros((depth, width), dtype=np.int64), np.zeros((depth, actions, width)),
                 np.zeros((depth, actions, width)), np.zeros(width))
        return data, stack

    def _check_dealer(self) -> None:
        dealer = self.game.dealer
        big_b, big_s = dealer.deal(12345, 8)
        small_b, small_s = dealer.deal(12345, 3)
        shape = (self._n_players, self._n_streets)
        if big_b.shape != (8,) + shape or big_s.shape != (8, self._n_players):
            raise ValueError(
                f"dealer of {self.game.name!r} returned buckets {big_b.shape} and strength {big_s.shape}; "
                f"expected (n, {shape[0]}, {shape[1]}) and (n, {shape[0]})"
            )
        if not (np.array_equal(big_b[:3], small_b) and np.array_equal(big_s[:3], small_s)):
            raise ValueError(
                f"dealer of {self.game.name!r} is not prefix-stable: deal(seed, 3) differs from deal(seed, 8)[:3]; "
                "draw hands one after the other from a single generator seeded by seed"
            )
        limits = np.asarray(self.game.compact.buckets_per_street[: self._n_streets])
        if (big_b < 0).any() or (big_b >= limits).any():
            raise ValueError(f"dealer of {self.game.name!r} returned buckets outside 0..{list(limits - 1)}")

    def run_batch(self, first_iteration: int, iterations: int, seed: int, batch_start: int | None = None,
                  scale: float | None = None) -> BatchStats:
        """Run iterations ``first_iteration .. first_iteration + iterations - 1`` in place on the tables.

        ``batch_start`` anchors the deal grid (pass the batch's own first iteration
        when finishing a batch that was cut short; default ``first_iteration``).
        ``scale``: the tables' scale during the batch; default the schedule's
        (:func:`holdem.mccfr.schedule.table_scale` of ``batch_start``), which is how
        discounting happens without touching a row.
        """
        if iterations < 0 or first_iteration < 0:
            raise ValueError(f"bad batch: first_iteration={first_iteration}, iterations={iterations}")
        start = first_iteration if batch_start is None else batch_start
        if start > first_iteration:
            raise ValueError(f"batch_start {start} is after first_iteration {first_iteration}")
        p = self.params
        if scale is None:
            scale = table_scale(p, start)
        t_seed = iteration_seed(seed)
        self.progress[:] = 0
        began = time.perf_counter()
        nodes = 0
        tracking = self.tracking
        capture = tracking.capture
        if self._own is not None:
            if tracking.on:  # this kernel does not record its regret writes; its games' tables are small
                tracking.touch_all(0, self.tables.regret)
                tracking.touch_all(1, self.tables.strategy)
            track = tracking.kernel_args()
            data, stack = self._own
            nodes = run_own_hand_iterations(self._arrays[0], self._average, scale,
                                            self.tables.regret, self.tables.strategy, *data, first_iteration,
                                            iterations, t_seed, p.regret_floor, p.strategy_interval, *stack,
                                            self.progress, track[0], track[2], track[4], track[7], track[8],
                                            track[9])
            if capture is not None:
                capture.check()  # the strategy writes of the kernel
            return BatchStats(iterations, int(nodes), time.perf_counter() - began)
        t = first_iteration
        end = first_iteration + iterations
        n_players = self._n_players
        while t < end:
            if self.pause_point is not None:
                self.pause_point()
            chunk = (t - start) // DEAL_CHUNK
            chunk_lo = start + chunk * DEAL_CHUNK
            hi = min(end, chunk_lo + DEAL_CHUNK)
            buckets, strength = self.game.dealer.deal(deal_seed(seed, chunk), (hi - chunk_lo) * n_players)
            buckets = np.ascontiguousarray(buckets, dtype=np.int32)
            strength = np.ascontiguousarray(strength, dtype=np.int64)
            while t < hi:
                if capture is not None:  # the kernel stops where a log runs short; grown here, it goes on
                    capture.make_room()
                visited, ran = run_iterations(
                    *self._arrays, self._average, scale, self.tables.regret, self.tables.strategy, buckets, strength,
                    (t - chunk_lo) * n_players, t, hi - t, t_seed,
                    p.prune_after, p.prune_probability, p.prune_threshold, p.regret_floor, p.strategy_interval,
                    *self._stack, self.progress, *tracking.kernel_args(),
                )
                nodes += visited
                t += ran
                if capture is not None:
                    capture.check()
        return BatchStats(iterations, int(nodes), time.perf_counter() - began)

    def average_policy(self) -> np.ndarray:
        """float64[layout.size]: the average strategy (see :mod:`holdem.mccfr.strategy`)."""
        return average_strategy(self.game.tree, self.game.layout, self.tables.regret, self.tables.strategy)

    def current_policy(self) -> np.ndarray:
        """float64[layout.size]: the regret-matching strategy."""
        return current_strategy(self.game.tree, self.game.layout, self.tables.regret)
