"""The turn subgame of a real Hold'em hand: turn betting, every river card, river betting, to the showdown.

Brown & Sandholm 2019 ("Superhuman AI for multiplayer poker", Pluribus)
searched from the start of the current betting round with the actual
actions added; Brown & Sandholm 2017 ("Safe and Nested Subgame Solving",
NeurIPS, section 6) insert the opponent's actual size rather than
translating it.  The subgame is rooted at the start of turn betting of the
actual hand, with the real pot and stacks and the real four board cards:

* turn betting in the turn abstraction (``turn`` :class:`~holdem.search.river_tree.Sizes`),
  the actual turn moves inserted along the actual path;
* where turn betting closes with both seats in (or an all-in is called), a
  CHANCE node deals each of the 48 cards off the board; a pair of holes holds
  4 of them, so each of the other 44 is equally likely, and the solver
  removes the holes that hold the card (:mod:`holdem.search.river_cfr`);
* below each card, river betting in a coarser river abstraction (``river``),
  to showdowns on that card's board, or the showdown at once after an all-in.

Why to the showdown and not depth-limited with k continuation strategies
(Brown, Sandholm & Amos 2018): a continuation's leaf value in Hold'em is a
1,326 x 1,326 matrix per pair of continuations, over all 48 river cards and
the blueprint's river tree, and the solver needs it against a new opponent
range every iteration; that costs as much per iteration as river betting
itself, while a coarse river tree is exact, has no blueprint bucketing in
it, and lets the turn strategy see how both seats can really play every
river card.  The river is re-solved in full (finer sizes) when it comes.
"""
from __future__ import annotations

import numpy as np

from holdem.cards import N_CARDS
from holdem.game.engine import RIVER, TURN, HandState
from holdem.search.river_tree import RiverTree, Sizes, TreeBuilder, street_root
from holdem.search.showdown import river_strength


def river_cards(board: tuple[int, ...]) -> tuple[int, ...]:
    """The cards a river can be, given the four turn cards (hole cards are removed per hand by the solver)."""
    return tuple(c for c in range(N_CARDS) if c not in board[:4])


def turn_strengths(board: tuple[int, ...]) -> np.ndarray:
    """int64[48, 1326]: :func:`holdem.search.showdown.river_strength` on the turn board plus each river card."""
    return np.stack([river_strength((*board[:4], c)) for c in river_cards(board)])


def build_turn_tree(state: HandState, turn: Sizes, river: Sizes) -> RiverTree:
    """The turn subgame of ``state``'s hand (see the module docstring); ``state`` is on the turn.

    Showdowns below river card ``river_cards(board)[b]`` use strength row ``b``
    (:func:`turn_strengths`).
    """
    root = street_root(state, TURN)
    actual = [(a.kind, a.amount) for a in state.history if a.street == TURN]
    builder = TreeBuilder({TURN: turn, RIVER: river}, actual, river_cards(state.board))
    builder.visit(root.copy(), 0, 0, dealt=False)
    return builder.tree()
