"""What a game is to the solver: a betting tree, its table layout and a dealer.

One compiled MCCFR kernel serves Kuhn, Leduc and Hold'em (DESIGN.md, "Data:
dense tables over a pre-built betting tree").  Cards never enter the tree:
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

from holdem.game.tree_arrays import BettingTree, TableLayout


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
    tree             the public betting tree (flat arrays)
    layout           row offsets of the regret/strategy tables
    dealer           deals batches of hands (see :class:`Dealer`)
    abstraction_hash identifies the card abstraction; "" for exact games
    exact            chance enumeration + OpenSpiel mapping for small games, else None
    """

    name: str
    tree: BettingTree
    layout: TableLayout
    dealer: Dealer
    abstraction_hash: str
    exact: ExactGame | None = None

    @property
    def n_players(self) -> int:
        return self.tree.n_players

    @property
    def n_streets(self) -> int:
        return self.tree.n_streets
