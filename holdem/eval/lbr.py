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
fixed chunks on ``jobs`` threads, each with its own scratch arrays, all
reading one copy of the blueprint: the compiled code releases the GIL, so
the threads run on separate cores (and the library starts no processes).
Every random draw of group ``g`` depends on ``(seed, g)`` only, so results
do not depend on ``jobs``.
"""
from __future__ import annotations

import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
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
CHUNK_GROUPS = 25  # duplicate groups per task given to a thread
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
    cpu_seconds: float = 0.0  # CPU time of playing, every thread
    counters: dict[str, int] = field(default_factory=dict)
    snapshot: str = ""

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update({"snapshot": self.snapshot, "lbr_actions": self.actions, "runouts": self.runouts, "jobs": self.jobs,
                    "setup_seconds": round(self.setup_seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                    "cpu_hands_per_second": round(self.hands / self.cpu_seconds, 1) if self.cpu_seconds > 0 else None,
                    **self.counters})
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
        self.workspace = self.new_workspace()

    def deal(self, seed: int, first_group: int, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """(holes int64[n, 2, 2], boards int64[n, 5]) of groups ``first_group..``, dealt as :func:`run_match` deals."""
        holes = np.empty((n_groups, 2, 2), np.int64)
        boards = np.empty((n_groups, 5), np.int64)
        for i in range(n_groups):
            h, b = deal(self.config, np.random.default_rng([seed, first_group + i, DEAL_STREAM]))
            holes[i] = h
            boards[i] = b
        return holes, boards

    def new_workspace(self) -> kern.Workspace:
        """Scratch arrays for one more thread playing hands of this kernel."""
        return kern.workspace(self.runouts, int(self.tree.children.shape[1]), int(self.rows.buckets.max()))

    def play(self, seed: int, first_group: int, n_groups: int, record: bool = False,
             workspace: kern.Workspace | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(LBR's mean chips per group, counters int64[N_STATS], the actions if ``record``) of groups
        ``first_group .. first_group + n_groups - 1``; ``workspace``: the calling thread's (default: the
        kernel's own)."""
        holes, boards = self.deal(seed, first_group, n_groups)
        out = np.zeros(n_groups, np.float64)
        history = np.full((n_groups, 2, kern.MAX_HISTORY, 4), -9, np.int64) if record else \
            np.zeros((0, 2, kern.MAX_HISTORY, 4), np.int64)
        ws = self.workspace if workspace is None else workspace
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


# ---------------------------------------------------------------- evaluation


def _merge_stats(total: np.ndarray, stats: np.ndarray) -> None:
    for i in range(kern.N_STATS):
        if i == kern.ST_MAX_BRANCHES:
            total[i] = max(total[i], stats[i])
        else:
            total[i] += stats[i]


def _snapshot(path: Path | str) -> Path:
    """The snapshot directory itself (a run directory's latest now)."""
    try:
        return resolve_snapshot(path)
    except SnapshotError as e:
        raise BlueprintError(str(e)) from None


def evaluate_lbr(blueprint_dir: Path, *, hands: int, seed: int = 0, actions: str = DEFAULT_LBR_ACTIONS,
                 jobs: int | None = None, runouts: int = DEFAULT_RUNOUTS, buckets: Path | None = None,
                 progress: Progress | None = None, blueprint: Blueprint | None = None) -> LBRResult:
    """LBR's winnings against the blueprint at ``blueprint_dir`` (run or snapshot directory) over ``hands`` hands.

    ``progress(g, results)`` is called as groups finish (``results``: the
    first ``g + 1`` groups' chips), like :func:`holdem.eval.match.run_match`'s
    ``on_group``.  ``blueprint``: the one at ``blueprint_dir`` if the caller
    has loaded it already (its translation seed is kept; else the latest
    snapshot is loaded with ``seed`` as its translation seed, as
    ``holdem-eval`` does).  Raises BlueprintError for an unusable blueprint
    and ValueError for bad arguments.
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
    if blueprint is None:
        blueprint = Blueprint.load(_snapshot(blueprint_dir), buckets, translation_seed=seed)
    kernel = LBRKernel(blueprint, actions, runouts)
    kernel.play(seed, 0, 0)  # compiles, or loads numba's cache
    setup = time.perf_counter() - began
    chunks = [(first, min(CHUNK_GROUPS, groups - first)) for first in range(0, groups, CHUNK_GROUPS)]
    jobs = min(jobs, len(chunks))
    spare: queue.SimpleQueue = queue.SimpleQueue()  # one workspace per thread
    spare.put(kernel.workspace)
    for _ in range(jobs - 1):
        spare.put(kernel.new_workspace())
    chips = np.zeros(groups, np.float64)
    stats = np.zeros(kern.N_STATS, np.int64)
    started, cpu = time.perf_counter(), time.process_time()

    def play(chunk: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray]:
        ws = spare.get()
        try:
            part, part_stats, _ = kernel.play(seed, chunk[0], chunk[1], workspace=ws)
        finally:
            spare.put(ws)
        return chunk[0], part, part_stats

    def collect(first: int, part: np.ndarray, part_stats: np.ndarray) -> None:
        chips[first : first + part.size] = part
        _merge_stats(stats, part_stats)
        if progress is not None:
            progress(first + part.size - 1, chips[: first + part.size])

    if jobs == 1:
        for chunk in chunks:
            collect(*play(chunk))
    else:
        pool = ThreadPoolExecutor(jobs, thread_name_prefix="lbr")
        try:
            for result in pool.map(play, chunks):  # in order, so progress sees a prefix of the groups
                collect(*result)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C, stop after the chunks being played
    counters = {name: int(v) for name, v in zip(STAT_NAMES, stats)}
    return LBRResult("lbr", "blueprint", 2, kernel.config.big_blind, chips, time.perf_counter() - started,
                     actions=actions, runouts=int(runouts), jobs=jobs, setup_seconds=setup,
                     cpu_seconds=time.process_time() - cpu, counters=counters,
                     snapshot=str(blueprint.source or blueprint_dir))
