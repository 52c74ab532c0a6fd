"""Tiny trained blueprints for the evaluation tests (helpers; fixtures call them).

Building a real bucket preset takes the better part of a minute, so these
tests use a *synthetic* card abstraction with the shape of the ``test``
preset: the real 169 preflop classes, flop and turn buckets by isomorphism
index modulo 8 (arbitrary but fixed), river buckets by exact equity.  Enough
to exercise loading, lookups, translation and play; not a strong player.

Runs are trained in-process with :class:`holdem.mccfr.trainer.Trainer` and
cached per test session (one training per (name, directory root)).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from holdem import isomorphism
from holdem.abstraction.bucket_file import write_buckets
from holdem.abstraction.buckets import BucketTables, table_dtype
from holdem.abstraction.features import N_EQUITY_VALUES
from holdem.abstraction.presets import get_preset
from holdem.blueprint import Blueprint
from holdem.config import config_from_dict, load_config
from holdem.game.config import GameConfig

SYNTHETIC_BUCKETS = 8
_CACHE: dict[tuple[str, str], Path] = {}


def synthetic_tables() -> BucketTables:
    preset = get_preset("test")
    k = SYNTHETIC_BUCKETS
    assert (preset.flop_buckets, preset.turn_buckets, preset.river_buckets) == (k, k, k)
    dtype = table_dtype(k)
    flop = (np.arange(isomorphism.size(3)) % k).astype(dtype)
    turn = (np.arange(isomorphism.size(4)) % k).astype(dtype)
    river_lut = (np.arange(N_EQUITY_VALUES) * k // N_EQUITY_VALUES).astype(np.int32)
    return BucketTables(
        preset, 0, flop, turn, river_lut,
        np.zeros((k, preset.flop_bins - 1), np.int32), np.zeros((k, preset.turn_bins - 1), np.int32),
        np.zeros((k, 1), np.int32),
    )


def bucket_file(root: Path) -> Path:
    path = root / "synthetic-buckets.npz"
    if not path.exists():
        write_buckets(synthetic_tables(), path)
    return path


def _train(config, logdir: Path, iterations: int, batch_size: int = 1000):
    from holdem.games.registry import make_game
    from holdem.mccfr.trainer import Trainer, TrainOptions

    buckets = None
    if config.kind == "holdem":
        buckets = config.buckets.file
    game = make_game(config, buckets)
    options = TrainOptions(logdir, run_seed=7, batch_size=batch_size, iterations=iterations, snapshot_interval=None)
    Trainer(game, config.solver, options, config.to_dict()).run()
    return logdir


def holdem_config(buckets: Path, players: int = 2, stacks: int = 10000, max_raises: int = 2, ante: int = 0):
    """hu_small's sizes (fold / call / pot / all-in) on the synthetic buckets; players, stacks, ante as given."""
    base = load_config("hu_small")
    game = GameConfig(players, stacks, base.game.small_blind, base.game.big_blind, ante)
    raw = base.to_dict()
    raw["game"] = {"kind": "holdem", **game.to_dict()}
    raw["actions"] = {"default": {"bet": [1.0], "raise": [1.0], "allin": True, "max_raises": max_raises}}
    raw["buckets"] = {"file": str(buckets)}
    return config_from_dict(raw, where="test config")


def trained_run(tmp_path_factory, name: str = "hu", iterations: int = 3000, **game) -> Path:
    """A run directory with one snapshot of a tiny Hold'em blueprint (cached for the session)."""
    root = tmp_path_factory.getbasetemp()
    key = (name, str(root))
    if key not in _CACHE:
        buckets = bucket_file(root)
        _CACHE[key] = _train(holdem_config(buckets, **game), root / f"run-{name}", iterations)
    return _CACHE[key]


def trained_3max_run(tmp_path_factory) -> Path:
    """Three seats, 20 big blinds, antes, one raise a street: small enough to train in seconds."""
    return trained_run(tmp_path_factory, name="3max", iterations=1500, players=3, stacks=2000, max_raises=1, ante=10)


def trained_small_run(tmp_path_factory, kind: str = "leduc", iterations: int = 2000) -> Path:
    root = tmp_path_factory.getbasetemp()
    key = (kind, str(root))
    if key not in _CACHE:
        config = config_from_dict({"game": {"kind": kind}}, where="test config")
        _CACHE[key] = _train(config, root / f"run-{kind}", iterations, batch_size=500)
    return _CACHE[key]


@pytest.fixture(scope="module", name="run")
def run_fixture(tmp_path_factory) -> Path:
    """A module's tiny trained heads-up run (import this to use ``run`` and ``bp`` in a test module)."""
    return trained_run(tmp_path_factory)


@pytest.fixture(scope="module", name="bp")
def bp_fixture(run) -> Blueprint:
    return Blueprint.load(run)
