"""The supervisor's view of training: config, seeds, schedule, snapshots, figures.

Everything here follows the in-process trainer (:mod:`holdem.mccfr.trainer`)
so that a one-worker supervised run and an in-process run with the same seed
and batch size produce bit-identical tables, and snapshots of either resume
with the other:

- batch ``k`` runs on the trainer's grid (:mod:`supervisor.batches`) with
  seed ``batch_seed(run_seed, k)``;
- the discounts of :func:`discounts_between` for the iterations completed
  since the last application are applied in order with
  :meth:`Tables.discount`, with nothing in flight;
- snapshots go through :mod:`holdem.mccfr.snapshot` with the trainer's
  manifest fields (``run_seed``, ``batch_size``, ``batches_done``,
  ``next_batch_index`` = iteration // batch_size, ...).  A supervised run
  adds ``pending_batches`` and ``supervisor_next_batch`` when a stop had to
  abandon batches in flight; only the supervisor can resume those exactly.
- ``--iters`` counts the iterations of this invocation; seed and batch size
  come from the flag, else the config, else the trainer's defaults, and a
  resumed run keeps its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from supervisor.params import SupervisorParams

DEFAULT_SEED = 0
# Tables up to this many entries get figures (mean positive regret) at every
# status write; bigger ones only at snapshots, where dispatch is paused anyway.
SMALL_TABLE_ENTRIES = 1_000_000
WRITTEN_BY = "holdem-supervise"


@dataclass(frozen=True)
class ResumePoint:
    source: Path  # the snapshot directory
    iteration: int
    batches_done: int
    next_batch: int | None  # None: follows from iteration, as in the trainer
    pending: tuple[int, ...]


@dataclass(frozen=True)
class RunSetup:
    config_path: Path
    buckets_path: Path | None
    config: object  # holdem.config.Config
    game: object  # holdem.games.spec.GameSpec
    seed: int
    batch_size: int
    snapshot_interval: float | None
    resume: ResumePoint | None = None

    @property
    def game_name(self) -> str:
        return self.game.name

    @property
    def table_size(self) -> int:
        return int(self.game.layout.size)

    @property
    def solver_params(self):
        return self.config.solver

    @property
    def small_tables(self) -> bool:
        return self.table_size <= SMALL_TABLE_ENTRIES


@dataclass(frozen=True)
class RunState:
    """What a snapshot records about the run's progress."""

    iteration: int
    batches_done: int
    next_batch: int
    pending: tuple[int, ...] = ()
    run_id: str = ""


class ResumeError(ValueError):
    """The run cannot start or resume as asked; the message says why and what to do."""


def prepare(options) -> tuple[RunSetup, SupervisorParams]:
    """Validate the config, build the game, settle seed and batch size (from the snapshot when resuming).

    Raises ConfigError for a bad config, ResumeError (or the snapshot module's
    SnapshotError) when resuming is impossible.
    """
    from holdem.config import validate_section
    from holdem.mccfr.snapshot import latest_snapshot
    from holdem.mccfr.trainer import DEFAULT_BATCH_SIZE, DEFAULT_SNAPSHOT_INTERVAL
    from worker.game import load_game

    config, game = load_game(options.config_path, options.buckets)
    where = f"{config.source or options.config_path}: supervisor"
    params = validate_section(config.supervisor, SupervisorParams, where)
    resume = None
    if options.resume_from is not None:
        resume, seed, batch_size = _resume_point(options, game)
    else:
        if latest_snapshot(options.logdir) is not None:
            raise ResumeError(f"{options.logdir} already holds a run; pass --resume to continue it "
                              "or choose another --logdir")
        seed = next(v for v in (options.seed, config.seed, DEFAULT_SEED) if v is not None)
        batch_size = next(v for v in (options.batch_size, config.batch_size, DEFAULT_BATCH_SIZE) if v is not None)
    interval = options.snapshot_interval if options.snapshot_interval is not None else DEFAULT_SNAPSHOT_INTERVAL
    setup = RunSetup(
        config_path=Path(config.source or options.config_path).resolve(),
        buckets_path=Path(options.buckets).resolve() if options.buckets else None,
        config=config, game=game, seed=int(seed), batch_size=int(batch_size),
        snapshot_interval=interval if interval > 0 else None, resume=resume,
    )
    return setup, params


def _resume_point(options, game) -> tuple[ResumePoint, int, int]:
    from holdem.mccfr.snapshot import read_manifest, resolve_snapshot

    source = resolve_snapshot(options.resume_from)
    manifest = read_manifest(source)
    for key, mine in (("game", game.name), ("abstraction_hash", game.abstraction_hash)):
        if manifest.get(key) != mine:
            raise ResumeError(f"--resume: the snapshot's {key} is {manifest.get(key)!r}, this config gives {mine!r}")
    for key in ("run_seed", "batch_size", "batches_done", "iteration"):
        if not isinstance(manifest.get(key), int) or isinstance(manifest.get(key), bool):
            raise ResumeError(f"--resume: {source} lacks an integer {key!r}; it is not a training snapshot")
    seed, batch_size = manifest["run_seed"], manifest["batch_size"]
    if options.seed is not None and options.seed != seed:
        raise ResumeError(f"--seed {options.seed} differs from the snapshot's run seed {seed}; drop --seed to resume")
    if options.batch_size is not None and options.batch_size != batch_size:
        raise ResumeError(f"--batch-size {options.batch_size} differs from the snapshot's {batch_size}; exact resume "
                          "needs the same batch grid, drop --batch-size")
    pending = tuple(int(b) for b in manifest.get("pending_batches") or ())
    next_batch = int(manifest["supervisor_next_batch"]) if pending else None
    return (ResumePoint(source, manifest["iteration"], manifest["batches_done"], next_batch, pending),
            seed, batch_size)


def restore(setup: RunSetup, tables) -> None:
    """Read the resume snapshot's tables straight into the shared ones."""
    from holdem.mccfr.snapshot import read_snapshot
    from holdem.mccfr.tables import Tables

    read_snapshot(setup.resume.source, into=Tables(tables.regret, tables.strategy))


def seed_of(setup: RunSetup, batch_id: int) -> int:
    from holdem.mccfr.solver import batch_seed

    return batch_seed(setup.seed, batch_id)


def discounts_due(setup: RunSetup, before: int, after: int) -> bool:
    from holdem.mccfr.schedule import discounts_for_batches

    return bool(discounts_for_batches(setup.solver_params, setup.batch_size, before, after))


def apply_discounts(setup: RunSetup, tables, before: int, after: int) -> list[tuple[int, float]]:
    """The discounts that take effect when the count goes from ``before`` to ``after`` iterations, as
    (at_iteration, factor) pairs.  Nothing is touched: the next batches' table scale carries them
    (:func:`holdem.mccfr.schedule.table_scale`).  As in the trainer, only whole batches of the grid
    count: a batch cut short by the end of a run applies its discounts when the resumed run completes it."""
    from holdem.mccfr.schedule import discounts_for_batches

    due = discounts_for_batches(setup.solver_params, setup.batch_size, before, after)
    return [(int(d.at_iteration), float(d.factor)) for d in due]


def current_scale(setup: RunSetup, iteration: int) -> float:
    """The table scale once ``iteration`` iterations are done (that of the batch that starts or
    finishes there)."""
    from holdem.mccfr.schedule import scale_after

    return scale_after(setup.solver_params, iteration, setup.batch_size)


def allocated_figures(tables) -> dict[str, int]:
    """Memory backing the shared tables now (cheap: two fstat calls): grows with what training touched."""
    backed = tables.allocated_bytes()
    return {"allocated_bytes": sum(backed.values()), "allocated_regret_entries": backed["regret"] // 4,
            "allocated_strategy_entries": backed["strategy"] // 8,
            "table_bytes": int(tables.regret.nbytes + tables.strategy.nbytes)}


SAMPLE_RUNS = 256  # allocated runs sampled for the regret figure
SAMPLE_ENTRIES = 4096  # entries read from each


def table_figures(setup: RunSetup, tables, iteration: int = 0, extents: dict | None = None) -> dict[str, float]:
    """Figures of the tables without a pass over them: memory backing them, and mean positive
    regret (chips) over a sample of allocated entries (every entry of small tables)."""
    regret = tables.regret
    figures: dict[str, float] = {}
    if hasattr(tables, "allocated_bytes"):
        figures.update(allocated_figures(tables))
    if regret.size == 0:
        return {**figures, "mean_positive_regret": 0.0}
    scale = current_scale(setup, iteration)
    if setup.small_tables:
        return {**figures, "mean_positive_regret": float(np.maximum(regret, 0.0).mean()) / scale}
    runs = (extents or tables.extents())["regret"]
    if runs.size == 0:
        return {**figures, "mean_positive_regret": 0.0}
    pick = np.random.default_rng(iteration).choice(len(runs), size=min(SAMPLE_RUNS, len(runs)), replace=False)
    parts = [regret[first:first + min(length, SAMPLE_ENTRIES)] for first, length in runs[np.sort(pick)]]
    sample = np.concatenate(parts)
    return {**figures, "mean_positive_regret": float(np.maximum(sample, 0.0).mean()) / scale}


def manifest(setup: RunSetup, state: RunState) -> dict:
    """The trainer's manifest fields (holdem.mccfr.trainer.Trainer.manifest), plus the supervisor's own."""
    from holdem.mccfr.schedule import discounts_applied
    from holdem.mccfr.trainer import resolved_buckets_path

    params = setup.solver_params
    grid_index = state.iteration // setup.batch_size
    out = {
        "game": setup.game.name,
        "abstraction_hash": setup.game.abstraction_hash,
        "config": setup.config.to_dict(),
        "params": params.to_dict(),
        "run_seed": setup.seed,
        "batch_size": setup.batch_size,
        "batches_done": state.batches_done,
        "next_batch_index": grid_index,
        "schedule": {"discounts_applied": discounts_applied(params, state.iteration, setup.batch_size),
                     "table_scale": current_scale(setup, state.iteration)},
        "rng": {"scheme": "batch_seed(run_seed, batch_index); batch k covers [k*B, (k+1)*B)",
                "next_batch_index": grid_index},
        "written_by": WRITTEN_BY,
        "run_id": state.run_id,
    }
    buckets_path = resolved_buckets_path(setup.game, out["config"], setup.buckets_path)
    if buckets_path is not None:  # the blueprint loader finds the run's bucket file here
        out["buckets_path"] = buckets_path
    if state.pending:
        out["pending_batches"] = list(state.pending)
        out["supervisor_next_batch"] = state.next_batch
    return out


def snapshot(setup: RunSetup, logdir: Path, tables, state: RunState) -> tuple[Path, dict]:
    """Write a snapshot in the trainer's format; returns (path, figures for the event)."""
    from holdem.mccfr.snapshot import write_snapshot
    from holdem.mccfr.tables import Tables

    view = Tables(tables.regret, tables.strategy)
    extents = tables.extents() if hasattr(tables, "extents") else None
    path = write_snapshot(logdir, state.iteration, view, manifest(setup, state), extents=extents)
    figures = table_figures(setup, tables, state.iteration, extents)
    if setup.game.exact is not None:
        figures["exploitability"] = exploitability(setup, view)
    return path, figures


def exploitability(setup: RunSetup, tables) -> float:
    """Exact exploitability of the average policy (small games only), in chips per hand."""
    from holdem.exploitability import exploitability as exact
    from holdem.policy import average_policy

    return float(exact(setup.game, average_policy(setup.game, tables)))
