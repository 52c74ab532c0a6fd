"""Local best response (LBR) against a heads-up Hold'em blueprint: evaluate a run in mbb/hand.

Lisy & Bowling 2017, "Equilibrium approximation quality of current no-limit
poker bots" (arXiv:1612.07547).  LBR is a cheap lower bound on a strategy's
exploitability: a player that knows the strategy, keeps the opponent's range
by Bayes' rule, and at each decision takes the action that would be best if
both players only checked/called afterwards.  It raises with a fixed action
set (:mod:`holdem.eval.lbr_actions`; pot-sized bets and all-ins that the
blueprint answers through its action translation), and its range update
averages over the translation's randomization (:mod:`holdem.eval.lbr_kernel`).

Hands are dealt in duplicate groups as :mod:`holdem.eval.match` deals them
(group ``g``'s cards from ``default_rng([seed, g, DEAL_STREAM])``, LBR in
each seat in turn, the button moving from group to group), so results are
mbb/hand with the 95% interval of :mod:`holdem.eval.stats`.  Groups run in
fixed chunks on local worker processes; every random draw of group ``g``
depends on ``(seed, g)`` only, so results do not depend on ``jobs``.

Workers get the blueprint by path (forked workers inherit the parent's,
spawned ones load it) and send back plain arrays.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from holdem.blueprint import Blueprint, BlueprintError
from holdem.eval import lbr_kernel as kern
from holdem.eval.lbr_actions import DEFAULT_LBR_ACTIONS, LBR_ACTION_SETS, street_sets
from holdem.eval.lbr_equity import DEFAULT_RUNOUTS, build_preflop_table
from holdem.eval.lbr_tree import MAX_ACTIONS, RowSource, TreeArrays
from holdem.eval.match import DEAL_STREAM, MatchResult, groups_for
from holdem.game.engine import deal
from holdem.mccfr.snapshot import SnapshotError, resolve_snapshot

__all__ = ["DEFAULT_LBR_ACTIONS", "DEFAULT_RUNOUTS", "LBR_ACTION_SETS", "LBRKernel", "LBRResult", "evaluate_lbr"]

PREFLOP_BOARDS_PER_RUNOUT = 16  # the preflop table's boards: 4096 by default
CHUNK_GROUPS = 25  # duplicate groups per task sent to a worker
STAT_NAMES = ("lbr_decisions", "lbr_choices", "lbr_off_tree", "lbr_raises", "lbr_folds", "blueprint_decisions",
              "blueprint_off_tree", "max_translation_branches", "empty_range_fallbacks", "translated_actions")

Progress = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class LBRResult(MatchResult):
    """A duplicate match of LBR against the blueprint, with LBR's counters."""

    actions: str = DEFAULT_LBR_ACTIONS
    runouts: int = DEFAULT_RUNOUTS
    jobs: int = 1
    setup_seconds: float = 0.0
    counters: dict[str, int] = field(default_factory=dict)
    snapshot: str = ""

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update({"snapshot": self.snapshot, "lbr_actions": self.actions, "runouts": self.runouts, "jobs": self.jobs,
                    "setup_seconds": round(self.setup_seconds, 3), **self.counters})
        return out


class LBRKernel:
    """Everything the compiled LBR hands read, built from a loaded heads-up Hold'em blueprint."""

    def __init__(self, blueprint: Blueprint, actions: str = DEFAULT_LBR_ACTIONS, runouts: int = DEFAULT_RUNOUTS):
        if not blueprint.is_holdem:
            raise BlueprintError(f"LBR plays Hold'em; {blueprint.source} is a {blueprint.game.name} snapshot "
                                 "(its exact LBR is holdem.eval.lbr_exact)")
        if blueprint.n_players != 2:
            raise BlueprintError(f"local best response is heads-up; {blueprint.source} has {blueprint.n_players} seats")
        if runouts < 1:
            raise ValueError(f"runouts must be at least 1, got {runouts}")
        self.blueprint = blueprint
        self.action_name = actions
        self.action_set = street_sets(actions)
        self.runouts = int(runouts)
        self.config = blueprint.game_config
        tree = blueprint.tree
        if tree.children.shape[1] > MAX_ACTIONS:
            raise BlueprintError(f"{blueprint.source}: nodes of up to {tree.children.shape[1]} actions; "
                                 f"LBR's compiled code handles up to {MAX_ACTIONS}")
        self.tree = TreeArrays(
            kind=np.ascontiguousarray(tree.kind), street=np.ascontiguousarray(tree.street),
            actor=np.ascontiguousarray(tree.actor), n_actions=np.ascontiguousarray(tree.n_actions),
            children=np.ascontiguousarray(tree.children), action_kind=np.ascontiguousarray(tree.action_kind),
            action_amount=np.ascontiguousarray(tree.action_amount, dtype=np.int64),
            contrib=np.ascontiguousarray(tree.contrib, dtype=np.int64),
            pot=np.ascontiguousarray(tree.pot, dtype=np.int64),
            street_base=np.ascontiguousarray(blueprint.street_base_array(), dtype=np.int64),
            stacks=np.asarray(self.config.seat_stacks, np.int64),
        )
        policy, regret, strategy = blueprint.row_arrays()
        layout = blueprint.layout
        average = np.zeros(4, np.bool_)
        average[list(blueprint.average_streets)] = True
        empty = np.zeros(1, np.float64)
        self.rows = RowSource(
            offset=np.ascontiguousarray(layout.offset, dtype=np.int64),
            buckets=np.asarray(layout.buckets_per_street, np.int64), dense=policy is not None,
            policy=policy if policy is not None else empty,
            regret=regret if regret is not None else empty.astype(np.float32),
            strategy=strategy if strategy is not None else empty, average=average,
        )
        t = blueprint.bucket_tables
        river = getattr(t, "river", None)
        self.buckets = kern.BucketArrays(t.flop, t.turn, np.asarray(t.river_lut, np.int32),
                                         river if river is not None else np.zeros(0, np.uint8))
        self.game = np.array([self.config.small_blind, self.config.big_blind, self.config.ante], np.int64)
        self.preflop = build_preflop_table(PREFLOP_BOARDS_PER_RUNOUT * self.runouts)
        self.workspace = kern.workspace(self.runouts, int(tree.children.shape[1]), max(layout.buckets_per_street))

    def deal(self, seed: int, first_group: int, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """(holes int64[n, 2, 2], boards int64[n, 5]) of groups ``first_group..``, dealt as :func:`run_match` deals."""
        holes = np.empty((n_groups, 2, 2), np.int64)
        boards = np.empty((n_groups, 5), np.int64)
        for i in range(n_groups):
            h, b = deal(self.config, np.random.default_rng([seed, first_group + i, DEAL_STREAM]))
            holes[i] = h
            boards[i] = b
        return holes, boards

    def play(self, seed: int, first_group: int, n_groups: int,
             record: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(LBR's mean chips per group, counters int64[N_STATS], the actions if ``record``) of groups
        ``first_group .. first_group + n_groups - 1``."""
        holes, boards = self.deal(seed, first_group, n_groups)
        out = np.zeros(n_groups, np.float64)
        history = np.full((n_groups, 2, kern.MAX_HISTORY, 4), -9, np.int64) if record else \
            np.zeros((0, 2, kern.MAX_HISTORY, 4), np.int64)
        ws = self.workspace
        ws.stats[:] = 0
        kern.play_groups(ws, self.tree, self.rows, self.buckets, self.game, self.action_set, self.preflop,
                         self.runouts, seed, self.blueprint.translation_seed, first_group, holes, boards, out,
                         history)
        return out, ws.stats.copy(), (history if record else None)

    def model_range(self, holes, board, button: int, lbr: int, actions) -> tuple[np.ndarray, list[int]]:
        """The LBR seat's opponent range (normalised, float64[1326]) after the real ``actions`` ((kind, amount)
        pairs from the start of a hand), and the abstract nodes of its translation branches."""
        kinds = np.array([int(k) for k, _ in actions], np.int64)
        amounts = np.array([int(a) for _, a in actions], np.int64)
        ws = self.workspace
        nb = kern.replay_range(ws, self.tree, self.rows, self.buckets, self.game, np.asarray(holes, np.int64),
                               np.asarray(board, np.int64), button, lbr, kinds, amounts)
        return ws.total.copy(), [int(n) for n in ws.bnode[:nb]]


# ---------------------------------------------------------------- worker processes

_KERNELS: dict[tuple, LBRKernel] = {}


def _load_kernel(spec: tuple) -> LBRKernel:
    """The kernel of ``spec`` = (blueprint path, bucket path, translation seed, actions, runouts), loaded once."""
    if spec not in _KERNELS:
        path, buckets, translation_seed, actions, runouts = spec
        bp = Blueprint.load(path, buckets, translation_seed=translation_seed)
        _KERNELS.clear()  # one blueprint per process at a time
        _KERNELS[spec] = LBRKernel(bp, actions, runouts)
    return _KERNELS[spec]


def _worker_chunk(task: tuple) -> tuple[int, np.ndarray, np.ndarray]:
    spec, seed, first, n = task
    chips, stats, _ = _load_kernel(spec).play(seed, first, n)
    return first, chips, stats


def _merge_stats(total: np.ndarray, stats: np.ndarray) -> None:
    for i in range(kern.N_STATS):
        if i == kern.ST_MAX_BRANCHES:
            total[i] = max(total[i], stats[i])
        else:
            total[i] += stats[i]


def _snapshot(path: Path | str, blueprint: Blueprint | None) -> str:
    """The snapshot directory itself (a run directory's latest now), so every worker loads the same one while a
    run goes on writing snapshots."""
    if blueprint is not None and blueprint.source:
        return str(blueprint.source)
    try:
        return str(resolve_snapshot(path))
    except SnapshotError as e:
        raise BlueprintError(str(e)) from None


def _context():
    """Forked workers inherit the parent's loaded blueprint; spawned ones (where fork is missing) load it."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def evaluate_lbr(blueprint_dir: Path, *, hands: int, seed: int = 0, actions: str = DEFAULT_LBR_ACTIONS,
                 jobs: int | None = None, runouts: int = DEFAULT_RUNOUTS, buckets: Path | None = None,
                 progress: Progress | None = None, blueprint: Blueprint | None = None) -> LBRResult:
    """LBR's winnings against the blueprint at ``blueprint_dir`` (run or snapshot directory) over ``hands`` hands.

    ``progress(g, results)`` is called as groups finish (``results``: the
    first ``g + 1`` groups' chips), like :func:`holdem.eval.match.run_match`'s
    ``on_group``.  ``blueprint``: the one at ``blueprint_dir`` if the caller
    has loaded it already (its translation seed is kept).  Raises
    BlueprintError for an unusable blueprint and ValueError for bad arguments.
    """
    if actions not in LBR_ACTION_SETS:
        street_sets(actions)  # raises, naming the choices
    if runouts < 1:
        raise ValueError(f"runouts must be at least 1, got {runouts}")
    jobs = (os.cpu_count() or 1) if jobs is None else int(jobs)
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    groups = groups_for(hands, 2)
    began = time.perf_counter()
    translation_seed = int(seed) if blueprint is None else blueprint.translation_seed
    spec = (_snapshot(blueprint_dir, blueprint), None if buckets is None else str(buckets), translation_seed, actions,
            int(runouts))
    if blueprint is not None and spec not in _KERNELS:
        _KERNELS.clear()
        _KERNELS[spec] = LBRKernel(blueprint, actions, runouts)
    kernel = _load_kernel(spec)
    kernel.play(seed, 0, 0)  # compiles (or loads from numba's cache) before workers fork
    setup = time.perf_counter() - began
    tasks = [(spec, seed, first, min(CHUNK_GROUPS, groups - first)) for first in range(0, groups, CHUNK_GROUPS)]
    chips = np.zeros(groups, np.float64)
    stats = np.zeros(kern.N_STATS, np.int64)
    done = 0
    jobs = min(jobs, len(tasks))
    if multiprocessing.current_process().daemon:
        jobs = 1  # a pool's worker may not start processes of its own: play in this one
    started = time.perf_counter()

    def collect(first: int, part: np.ndarray, part_stats: np.ndarray) -> None:
        nonlocal done
        chips[first : first + part.size] = part
        _merge_stats(stats, part_stats)
        done = first + part.size
        if progress is not None:
            progress(done - 1, chips[:done])

    if jobs == 1:
        for task in tasks:
            collect(*_worker_chunk(task))
    else:
        with _context().Pool(jobs) as pool:
            for result in pool.imap(_worker_chunk, tasks):
                collect(*result)
    counters = {name: int(v) for name, v in zip(STAT_NAMES, stats)}
    return LBRResult("lbr", "blueprint", 2, kernel.config.big_blind, chips, time.perf_counter() - started,
                     actions=actions, runouts=int(runouts), jobs=jobs, setup_seconds=setup, counters=counters,
                     snapshot=spec[0])
