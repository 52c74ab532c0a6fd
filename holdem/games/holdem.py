"""No-Limit Hold'em as a :class:`holdem.games.spec.GameSpec`: tree, table layout, dealer, abstraction hash.

The betting tree comes from :func:`holdem.game.tree.build_tree` (game and
action abstraction of the config); the card abstraction from a bucket file
(:mod:`holdem.abstraction.bucket_file`): the one given, else the config's
``buckets.file``, else the config's ``buckets.preset`` built once into the
cache (``$HOLDEM_CACHE``, default ``~/.cache/holdem/``), so a fresh machine
trains with no extra step.  The abstraction hash is the bucket file's content
hash: snapshots record it, and a run refuses to resume on other buckets.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from holdem.abstraction.bucket_file import ensure_buckets, load_buckets
from holdem.abstraction.deal import HoldemDealer
from holdem.abstraction.progress import Progress
from holdem.game.tree import build_tree
from holdem.game.tree_arrays import BettingTree, TableLayout
from holdem.games.spec import GameSpec


def bucket_path(config: Any, buckets_path: str | os.PathLike | None = None, progress: Progress | None = None) -> Path:
    """The bucket file a Hold'em config trains on (building a preset into the cache if needed)."""
    if buckets_path is not None:
        return Path(buckets_path)
    if getattr(config, "kind", "holdem") != "holdem" or config.buckets is None:
        raise ValueError("a Hold'em game needs a buckets section (preset: NAME or file: PATH) or a bucket file")
    path = config.buckets_file()
    if path is not None:
        return path
    return ensure_buckets(config.buckets.preset, progress=progress)


def holdem_game(config: Any, buckets_path: str | os.PathLike | None = None, progress: Progress | None = None,
                tree: BettingTree | None = None) -> GameSpec:
    """The GameSpec of a Hold'em config (see the module docstring).

    ``tree``: the config's betting tree, already built (a worker gets the
    supervisor's through shared memory); built here if None.  Raises
    :class:`holdem.abstraction.bucket_file.BucketFileError` for an unusable
    bucket file.
    """
    tables, manifest = load_buckets(bucket_path(config, buckets_path, progress))
    if tree is None:
        tree = build_tree(config.game, config.actions)
    layout = TableLayout.build(tree, tables.buckets_per_street)
    return GameSpec(
        name="holdem",
        tree=tree,
        layout=layout,
        dealer=HoldemDealer(tables, tree.n_players),
        abstraction_hash=manifest["content_hash"],
    )
