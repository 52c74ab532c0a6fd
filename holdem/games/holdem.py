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
from holdem.game.tree import build_compact
from holdem.game.tree_arrays import CompactTree
from holdem.games.spec import GameSpec, compact_game


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
                tree: CompactTree | None = None) -> GameSpec:
    """The GameSpec of a Hold'em config (see the module docstring).

    ``tree``: the config's compact betting tree with its table offsets, already
    built (a worker gets the supervisor's through shared memory); built here if
    None.  The full tree is expanded only if something reads ``game.tree``.  Raises
    :class:`holdem.abstraction.bucket_file.BucketFileError` for an unusable
    bucket file.
    """
    tables, manifest = load_buckets(bucket_path(config, buckets_path, progress))
    buckets = tuple(tables.buckets_per_street)
    if tree is None:
        tree = build_compact(config.game, config.actions, buckets_per_street=buckets)
    elif tree.buckets_per_street[: tree.n_streets] != buckets[: tree.n_streets]:
        raise ValueError(f"the shared tree is laid out for buckets {tree.buckets_per_street}, "
                         f"the bucket file has {buckets}")
    return compact_game("holdem", tree, HoldemDealer(tables, tree.n_players), manifest["content_hash"],
                        width=config.actions.max_actions())
