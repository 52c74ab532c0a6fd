"""The in-process training loop behind ``holdem-train``: batches, discounts, snapshots, resume.

Batches lie on a fixed grid: batch ``k`` covers iterations ``[k*B, (k+1)*B)``
and is seeded ``batch_seed(run_seed, k)`` (the supervisor uses the same
grid), the last one cut short when a run stops at an iteration count that is
not a multiple of ``B``.  A resumed run finishes a cut-short batch with the
same seed and deal grid (``Solver.run_batch(..., batch_start=k*B)``), so N
iterations then M more give the same tables as N+M in one run.  Discounts
(:func:`holdem.mccfr.schedule.discounts_for_batches`) take effect after each
batch through the next batch's table scale (:func:`holdem.mccfr.schedule.table_scale`:
no row is touched); a batch cut short applies them only once a resumed run
completes it, as the uninterrupted run does.

A run stops when its iteration count or time budget is reached, or on
SIGINT/SIGTERM (after the batch in progress; a second SIGINT aborts), and
always ends with a snapshot.  Machine-readable events go to
``DIR/events.jsonl`` (structlog, JSON one per line); a progress line goes to
stderr when it is a terminal.

Hold'em manifests also record ``buckets_path``: the absolute path of the
bucket file the game was built from, so a blueprint loads with the same card
abstraction wherever it is read (:func:`resolved_buckets_path`).
"""
from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

import numpy as np
import structlog

from holdem.games.spec import GameSpec
from holdem.mccfr.pages import table_extents
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.schedule import discounts_applied, discounts_for_batches, scale_after
from holdem.mccfr.snapshot import SnapshotError, latest_snapshot, read_snapshot, write_snapshot
from holdem.mccfr.solver import Solver, batch_seed
from holdem.mccfr.tables import ENTRY_BYTES, Tables

DEFAULT_BATCH_SIZE = 10_000
DEFAULT_SNAPSHOT_INTERVAL = 600.0  # seconds
PROGRESS_PERIOD = 0.5  # seconds between progress-line refreshes
WHOLE_TABLES_MAX_BYTES = 64 << 20  # snapshots write tables up to this size whole, larger ones by touched pages
EVENTS_FILE = "events.jsonl"


@dataclass(frozen=True)
class TrainOptions:
    """iterations: to run in this invocation (None: until the time budget); time_budget in seconds.

    batch_size / run_seed None: the snapshot's when resuming, else the defaults (10,000 / 0).
    """

    logdir: Path
    run_seed: int | None = None
    batch_size: int | None = None
    iterations: int | None = None
    time_budget: float | None = None
    snapshot_interval: float | None = DEFAULT_SNAPSHOT_INTERVAL
    resume: bool = False

    def __post_init__(self) -> None:
        if self.iterations is None and self.time_budget is None:
            raise ValueError("give a number of iterations (--iters) or a time budget (--time-budget)")
        if self.iterations is not None and self.iterations < 0:
            raise ValueError(f"--iters must be >= 0, got {self.iterations}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise ValueError(f"--time-budget must be > 0 seconds, got {self.time_budget}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"--batch-size must be >= 1, got {self.batch_size}")
        if self.snapshot_interval is not None and not self.snapshot_interval > 0:
            raise ValueError(f"--snapshot-interval must be > 0 seconds, got {self.snapshot_interval}")
        if self.run_seed is not None and not 0 <= self.run_seed < 2**63:
            raise ValueError(f"--seed must be in [0, 2**63), got {self.run_seed}")


def resolved_buckets_path(game: GameSpec, config: dict[str, Any],
                          explicit: str | os.PathLike | None = None) -> str | None:
    """Absolute path of the bucket file ``game`` was built from, or None (not Hold'em, or not found).

    ``GameSpec`` does not carry its file, so the candidates are, in order: the
    path the caller names (``holdem-train --buckets``), the file the dealer's
    river table is memory-mapped from, the config's ``buckets.file``
    (relative to the working directory: the config's own directory is not in
    the manifest's config), and the cache file of the config's preset.  The
    first whose content hash equals the game's abstraction hash is the one
    used; a path that cannot be confirmed is never recorded.
    """
    if game.name != "holdem" or not game.abstraction_hash:
        return None
    from holdem.abstraction.bucket_file import BucketFileError, cache_path, read_manifest

    candidates: list[Path] = []
    if explicit is not None:
        candidates.append(Path(explicit).expanduser())
    river = getattr(getattr(game.dealer, "tables", None), "river", None)
    mapped = getattr(river, "filename", None)  # np.memmap of the bucket file (presets that store a river table)
    if mapped:
        candidates.append(Path(mapped))
    buckets = config.get("buckets") if isinstance(config, dict) else None
    if isinstance(buckets, dict):
        if isinstance(buckets.get("file"), str):
            candidates.append(Path(buckets["file"]).expanduser())
        if isinstance(buckets.get("preset"), str):
            candidates.append(cache_path(buckets["preset"]))
    for path in candidates:
        try:
            if path.is_file() and read_manifest(path).get("content_hash") == game.abstraction_hash:
                return str(path.resolve())
        except (BucketFileError, OSError):
            continue
    return None


@dataclass(frozen=True)
class TrainResult:
    iteration: int  # total iterations done by the run (all invocations)
    iterations_run: int  # in this invocation
    seconds: float
    snapshot: Path
    stopped_by: str  # "iterations", "time_budget" or "signal"


def _events_logger(logdir: Path) -> tuple[Any, TextIO]:
    stream = open(logdir / EVENTS_FILE, "a", buffering=1)
    logger = structlog.wrap_logger(
        structlog.PrintLogger(stream),
        processors=[structlog.processors.TimeStamper(fmt="iso", utc=True), structlog.processors.JSONRenderer()],
    )
    return logger, stream


def _fmt_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Trainer:
    """One training invocation; ``config`` is stored in manifests (a JSON-able dict).

    ``buckets_path``: the bucket file the Hold'em ``game`` was built from, when
    the caller knows it (else it is looked for: :func:`resolved_buckets_path`).
    """

    def __init__(self, game: GameSpec, params: MCCFRParams, options: TrainOptions, config: dict[str, Any],
                 progress_stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic,
                 buckets_path: str | os.PathLike | None = None):
        self.game = game
        self.buckets_path = resolved_buckets_path(game, config, buckets_path)
        self.params = params
        self.options = options
        self.config = config
        self.clock = clock
        stream = sys.stderr if progress_stream is None else progress_stream
        self._progress = stream if progress_stream is not None or stream.isatty() else None
        self._stop_signal = False
        self.logdir = Path(options.logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.tables = Tables.zeros(game.layout.size)
        self.iteration = 0
        self.batches_done = 0
        run_seed, batch_size = options.run_seed, options.batch_size
        if options.resume:
            manifest = self._load_resume()
            saved_seed, saved_batch = int(manifest["run_seed"]), int(manifest["batch_size"])
            if run_seed is not None and run_seed != saved_seed:
                raise ValueError(f"--seed {run_seed} differs from the snapshot's run seed {saved_seed}; "
                                 "drop --seed to resume")
            if batch_size is not None and batch_size != saved_batch:
                raise ValueError(
                    f"--batch-size {batch_size} differs from the snapshot's {saved_batch}; exact resume needs the same "
                    "batch grid, drop --batch-size"
                )
            run_seed, batch_size = saved_seed, saved_batch
        elif latest_snapshot(self.logdir) is not None:
            raise ValueError(f"{self.logdir} already holds a run; pass --resume to continue it "
                             "or choose another --logdir")
        self.run_seed = 0 if run_seed is None else run_seed
        self.batch_size = DEFAULT_BATCH_SIZE if batch_size is None else batch_size
        self.solver = Solver(game, params, self.tables)

    def _load_resume(self) -> dict[str, Any]:
        if latest_snapshot(self.logdir) is None:
            raise SnapshotError(f"--resume: {self.logdir} has no snapshot to resume from (no 'latest' file)")
        _, manifest = read_snapshot(self.logdir, into=self.tables)
        for key, mine in (("game", self.game.name), ("abstraction_hash", self.game.abstraction_hash)):
            if manifest.get(key) != mine:
                raise SnapshotError(f"--resume: the snapshot's {key} is {manifest.get(key)!r}, "
                                    f"this config gives {mine!r}")
        for key in ("run_seed", "batch_size", "batches_done"):
            if not isinstance(manifest.get(key), int):
                raise SnapshotError(f"--resume: the snapshot manifest lacks an integer {key!r}; "
                                    "it is not a training snapshot")
        self.iteration = int(manifest["iteration"])
        self.batches_done = int(manifest["batches_done"])
        self._saved_params = manifest.get("params")
        return manifest

    def _extents(self) -> dict[str, np.ndarray] | None:
        """Large tables: only the pages training touched (:mod:`holdem.mccfr.pages`); small ones whole."""
        if self.tables.size * ENTRY_BYTES <= WHOLE_TABLES_MAX_BYTES:
            return None
        return {"regret": table_extents(self.tables.regret), "strategy": table_extents(self.tables.strategy)}

    def manifest(self) -> dict[str, Any]:
        out = {
            "game": self.game.name,
            "abstraction_hash": self.game.abstraction_hash,
            "config": self.config,
            "params": self.params.to_dict(),
            "run_seed": self.run_seed,
            "batch_size": self.batch_size,
            "batches_done": self.batches_done,
            "next_batch_index": self.iteration // self.batch_size,
            "schedule": {"discounts_applied": discounts_applied(self.params, self.iteration, self.batch_size),
                         "table_scale": scale_after(self.params, self.iteration, self.batch_size)},
            "rng": {"scheme": "batch_seed(run_seed, batch_index); batch k covers [k*B, (k+1)*B)",
                    "next_batch_index": self.iteration // self.batch_size},
        }
        if self.buckets_path is not None:
            out["buckets_path"] = self.buckets_path
        return out

    def _on_signal(self, signum, frame) -> None:
        if self._stop_signal and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self._stop_signal = True

    def run(self) -> TrainResult:
        log, stream = _events_logger(self.logdir)
        handlers = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                handlers[sig] = signal.signal(sig, self._on_signal)
        try:
            return self._loop(log)
        finally:
            for sig, old in handlers.items():
                signal.signal(sig, old)
            if self._progress is not None:
                self._progress.write("\n")
                self._progress.flush()
            stream.close()

    def _loop(self, log) -> TrainResult:
        opts = self.options
        start_iteration = self.iteration
        target = None if opts.iterations is None else start_iteration + opts.iterations
        saved = getattr(self, "_saved_params", None)
        if opts.resume and saved is not None and saved != self.params.to_dict():
            log.warning("params_changed", snapshot=saved, now=self.params.to_dict())
        log.info("run_started", game=self.game.name, iteration=self.iteration, target=target,
                 time_budget=opts.time_budget, batch_size=self.batch_size, run_seed=self.run_seed,
                 table_entries=self.game.layout.size, table_bytes=self.game.layout.size * ENTRY_BYTES)
        began = self.clock()
        last_snapshot = began
        last_progress = -math.inf
        stopped_by = "iterations"
        B = self.batch_size
        while True:
            if target is not None and self.iteration >= target:
                stopped_by = "iterations"
                break
            if opts.time_budget is not None and self.clock() - began >= opts.time_budget:
                stopped_by = "time_budget"
                break
            if self._stop_signal:
                stopped_by = "signal"
                break
            k = self.iteration // B
            hi = (k + 1) * B if target is None else min((k + 1) * B, target)
            self.solver.run_batch(self.iteration, hi - self.iteration, batch_seed(self.run_seed, k),
                                  batch_start=k * B)
            for d in discounts_for_batches(self.params, B, self.iteration, hi):
                # the next batch's table scale carries it (holdem.mccfr.schedule): nothing to touch
                log.info("discount_applied", at_iteration=d.at_iteration, factor=d.factor)
            self.iteration = hi
            self.batches_done += 1
            now = self.clock()
            if self._progress is not None and now - last_progress >= PROGRESS_PERIOD:
                self._show_progress(start_iteration, target, began, now)
                last_progress = now
            if opts.snapshot_interval is not None and now - last_snapshot >= opts.snapshot_interval:
                path = write_snapshot(self.logdir, self.iteration, self.tables, self.manifest(), self._extents())
                log.info("snapshot_written", iteration=self.iteration, path=str(path))
                last_snapshot = self.clock()
        path = write_snapshot(self.logdir, self.iteration, self.tables, self.manifest(), self._extents())
        log.info("snapshot_written", iteration=self.iteration, path=str(path))
        seconds = self.clock() - began
        run = self.iteration - start_iteration
        log.info("run_finished", iteration=self.iteration, iterations_run=run, seconds=round(seconds, 3),
                 iterations_per_second=round(run / seconds, 1) if seconds > 0 else None, stopped_by=stopped_by)
        return TrainResult(self.iteration, run, seconds, path, stopped_by)

    def _show_progress(self, start: int, target: int | None, began: float, now: float) -> None:
        done = self.iteration - start
        elapsed = now - began
        rate = done / elapsed if elapsed > 0 else 0.0
        if target is not None:
            eta = (target - self.iteration) / rate if rate > 0 else math.inf
        else:
            eta = max(0.0, self.options.time_budget - elapsed)
        line = (f"\rit {self.iteration:,} | {rate:,.0f} it/s | elapsed {_fmt_duration(elapsed)} "
                f"| ETA {_fmt_duration(eta)}  ")
        self._progress.write(line)
        self._progress.flush()


def train(game: GameSpec, params: MCCFRParams, options: TrainOptions, config: dict[str, Any]) -> TrainResult:
    return Trainer(game, params, options, config).run()
