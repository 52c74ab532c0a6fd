"""From a config file to the game the solver runs (workers and the supervisor alike)."""
from __future__ import annotations

from pathlib import Path


def load_game(config_path: str | Path, buckets_path: Path | None = None, tree=None):
    """Load and validate the config, then build its GameSpec as the trainer does; returns (config, game).

    ``tree``: the Hold'em betting tree, when the supervisor shares its own.
    Raises ``holdem.config.ConfigError`` for a bad config; bucket-file problems
    raise the card abstraction's own error (naming the file and the fix).
    """
    from holdem.config import load_config
    from holdem.games.registry import make_game

    config = load_config(config_path)
    return config, make_game(config, str(buckets_path) if buckets_path else None, tree=tree)
