"""What a game is to the solver: a betting tree, its table layout and a dealer.

One compiled MCCFR kernel serves Kuhn, Leduc and Hold'em
(docs/architecture.md, "Data").  Cards never enter the tree:
per dealt hand the dealer gives every seat's bucket on every street and a
showdown strength per seat (higher wins, equal strengths split).

Dealer contract (what :class:`holdem.mccfr.solver.Solver` relies on):

* ``deal(seed, n)`` returns ``(buckets int32[n, P, S], strength int64[n, P])``
  for ``n`` independent hands, a pure function of ``(seed, n)``;
* prefix-stable: ``deal(seed, m)`` equals the first ``m`` hands of
  ``deal(seed, n)`` for ``m <= n`` (any dealer that draws hands one after the
  other from one generator seeded by ``seed`` has this property); the solver
  deals in chunks and checks this once when it is built;
* ``buckets[h, p, s]`` lies in ``[0, layout.buckets_per_street[s])``;
* it should be compiled (numba) and release the GIL: the solver calls it once
  per chunk of iterations, between kernel calls.

Small games also carry an :class:`ExactGame`: every deal with its
probability (for exact best response) and the mapping to OpenSpiel's
information states and action ids (for export and cross-checks).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from holdem.game.tree_arrays import (
    FULL_TREE_MAX_NODES,
    BettingTree,
    CompactTree,
    Deferred,
    TableLayout,
    compact_from_full,
    expand,
)


@runtime_checkable
class Dealer(Protocol):
    def deal(self, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` hands: (buckets int32[n, P, S], strength int64[n, P]); see the module docstring."""
        ...


@dataclass(frozen=True)
class ExactGame:
    """Chance enumerated exactly, plus the OpenSpiel correspondence of a small game.

    deal_buckets      int32[D, P, S]  buckets of every possible deal
    deal_strength     int64[D, P]     showdown strengths of every deal
    deal_prob         float64[D]      probability of each deal (sums to 1)
    openspiel_name    name for ``pyspiel.load_game``
    openspiel_actions int64[N, A]     OpenSpiel action id of each (node, action index); -1 padding
    infostate_strings ``(node, bucket) -> [str]``: OpenSpiel ``information_state_string``
                      of every concrete information set merged into this (node, bucket)
    deal_public       int64[D]        the public chance outcome of each deal (Leduc: the public
                      card; Kuhn: 0), for public chance sampling (:mod:`holdem.mccfr.pcs`)
    """

    deal_buckets: np.ndarray
    deal_strength: np.ndarray
    deal_prob: np.ndarray
    openspiel_name: str
    openspiel_actions: np.ndarray
    infostate_strings: Callable[[int, int], list[str]]
    deal_public: np.ndarray


@dataclass(frozen=True)
class GameSpec:
    """A game as the solver sees it.

    name             "kuhn", "leduc", "holdem"
    tree             the public betting tree (flat arrays, node ids in preorder); for a game made
                     from a compact tree, expanded from it on first use (:func:`compact_game`)
    layout           row offsets of the regret/strategy tables over ``tree``
    dealer           deals batches of hands (see :class:`Dealer`)
    abstraction_hash identifies the card abstraction; "" for exact games
    exact            chance enumeration + OpenSpiel mapping for small games, else None
    compact          the tree training walks (:class:`CompactTree`, same table rows); derived
                     from ``tree`` and ``layout`` when not given
    full_ids         ``tree``'s id of every compact node, when ``compact`` was derived from it
    """

    name: str
    tree: BettingTree
    layout: TableLayout
    dealer: Dealer
    abstraction_hash: str
    exact: ExactGame | None = None
    compact: CompactTree | None = None
    full_ids: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.compact is None:
            compact, full_ids = compact_from_full(self.tree, self.layout)
            object.__setattr__(self, "compact", compact)
            object.__setattr__(self, "full_ids", full_ids)

    def with_compact(self, compact: CompactTree) -> "GameSpec":
        """This game over another copy of its compact tree (the shared one), dropping the old."""
        if self.exact is not None:
            raise ValueError(f"{self.name}: a small game keeps the compact tree it was built with")
        return compact_game(self.name, compact, self.dealer, self.abstraction_hash,
                            getattr(self.tree, "width", None))

    @property
    def table_size(self) -> int:
        """Entries of each table."""
        return int(self.compact.table_size)

    @property
    def n_players(self) -> int:
        return self.tree.n_players

    @property
    def n_streets(self) -> int:
        return self.tree.n_streets


def compact_game(name: str, compact: CompactTree, dealer: Dealer, abstraction_hash: str,
                 width: int | None = None, expand_max_nodes: int = FULL_TREE_MAX_NODES) -> GameSpec:
    """A game over a compact tree (``width``: columns of the full tree's per-action arrays).

    Up to ``expand_max_nodes`` nodes, ``tree`` and ``layout`` are the full tree
    and its layout, expanded only if read; a bigger tree gets a
    :class:`holdem.game.tree_view.PathTree` over the compact ids instead,
    which answers the blueprint's questions node by node.
    """
    if compact.n_nodes > expand_max_nodes:
        from holdem.game.tree_view import PathTree, path_layout

        view = PathTree(compact, width)
        return GameSpec(name, view, path_layout(compact), dealer, abstraction_hash, None,  # type: ignore[arg-type]
                        compact)

    def full() -> BettingTree:
        return expand(compact, width)

    tree = Deferred(full, n_players=compact.n_players, n_streets=compact.n_streets, n_nodes=compact.n_nodes,
                    width=width)
    layout = Deferred(lambda: TableLayout.build(tree, compact.buckets_per_street),  # type: ignore[arg-type]
                      buckets_per_street=compact.buckets_per_street, size=compact.table_size)
    # stand-ins until read: they answer a BettingTree's and a TableLayout's attributes
    return GameSpec(name, tree, layout, dealer, abstraction_hash, None, compact)  # type: ignore[arg-type]
