import dataclasses

import numpy as np
import pytest

from holdem.abstraction.bucket_file import BucketFileError, cache_path, read_manifest
from holdem.config import BucketsConfig, load_config
from holdem.game.tree_arrays import TableLayout
from holdem.games.holdem import holdem_game
from holdem.games.spec import Dealer


@pytest.fixture(scope="module")
def cache(bucket_cache):
    """The session's bucket cache (tests/conftest.py), where the ``test`` preset is built once."""
    return bucket_cache


def _config(buckets: BucketsConfig, **game):
    cfg = load_config("hu_small")
    cfg = dataclasses.replace(cfg, buckets=buckets)
    if game:
        cfg = dataclasses.replace(cfg, game=dataclasses.replace(cfg.game, **game))
    return cfg


def test_preset_is_built_into_the_cache_once_and_plugged_in(cache):
    spec = holdem_game(_config(BucketsConfig(preset="test")))
    path = cache_path("test")
    assert path.parent == cache and path.is_file()
    assert spec.name == "holdem" and isinstance(spec.dealer, Dealer)
    assert spec.layout.buckets_per_street == (169, 8, 8, 8)
    assert spec.layout.size == TableLayout.build(spec.tree, (169, 8, 8, 8)).size
    assert spec.abstraction_hash == read_manifest(path)["content_hash"]
    buckets, strength = spec.dealer.deal(3, 64)
    assert buckets.shape == (64, spec.n_players, 4) and strength.shape == (64, spec.n_players)
    assert (buckets.max(axis=(0, 1)) < np.array(spec.layout.buckets_per_street)).all()
    mtime = path.stat().st_mtime_ns
    again = holdem_game(_config(BucketsConfig(preset="test")))
    assert path.stat().st_mtime_ns == mtime and again.abstraction_hash == spec.abstraction_hash


def test_explicit_file_and_config_file_give_the_same_game(cache, tmp_path):
    built = cache_path("test")
    if not built.exists():
        holdem_game(_config(BucketsConfig(preset="test")))
    by_arg = holdem_game(_config(BucketsConfig(preset="small")), buckets_path=built)
    by_config = holdem_game(_config(BucketsConfig(file=str(built))))
    assert by_arg.abstraction_hash == by_config.abstraction_hash
    assert np.array_equal(by_arg.dealer.deal(5, 10)[0], by_config.dealer.deal(5, 10)[0])


def test_three_players(cache):
    spec = holdem_game(_config(BucketsConfig(preset="test"), players=3, stacks=(10000, 10000, 10000)))
    buckets, strength = spec.dealer.deal(1, 8)
    assert spec.n_players == 3 and buckets.shape == (8, 3, 4)


def test_unusable_bucket_file_is_named(cache, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a bucket file")
    with pytest.raises(BucketFileError, match=r"bad\.npz: not a bucket file"):
        holdem_game(_config(BucketsConfig(file=str(bad))))


def test_unknown_preset_is_named(cache):
    with pytest.raises(ValueError, match="unknown bucket preset 'nope'"):
        holdem_game(_config(BucketsConfig(preset="nope")))
