"""The private hands a range is over, and what the cards on the board do to them.

Search works with one vector per seat indexed by private hand (Moravcik et al.
2017, "DeepStack", ranges as vectors over hands), so everything card-specific
the solver needs goes through this interface: which hands collide with each
other or with the board, each hand's bucket (the blueprint's rows) and its
showdown strength, which public cards can come next, and the probability of
each combination of hands and board.

Leduc's hands are its six cards (J Q K in two suits, OpenSpiel card ``c`` has
rank ``c // 2``); Hold'em's would be the 1,326 hole pairs, with the buckets
of :func:`holdem.eval.ranges.hole_buckets` and the board dealt three cards at
once on the flop (a chance step of ``next_boards`` returning whole flops).
Hands are vectors rather than buckets because the search plays real cards:
card removal and exact showdowns are what it gains over the blueprint.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from holdem.games import leduc


class PrivateHands(Protocol):
    """Every private hand of one seat (the same set for every seat)."""

    n_hands: int

    def board_size(self, street: int) -> int:
        """Public cards on the board during ``street``."""
        ...

    def live(self, board: tuple[int, ...]) -> np.ndarray:
        """bool[H]: hands that share no card with ``board``."""
        ...

    def compatible(self, board: tuple[int, ...]) -> np.ndarray:
        """bool[H, H]: pairs of hands that share no card with each other nor with ``board``."""
        ...

    def combo_probability(self, board: tuple[int, ...]) -> float:
        """Probability of one compatible (hand of seat 0, hand of seat 1, ``board``) combination."""
        ...

    def next_boards(self, board: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Every board the next chance step can make from ``board``."""
        ...

    def buckets(self, street: int, board: tuple[int, ...]) -> np.ndarray:
        """int64[H]: the blueprint's bucket of each hand on ``street`` with ``board``; 0 for dead hands."""
        ...

    def strength(self, board: tuple[int, ...]) -> np.ndarray:
        """int64[H]: showdown strength of each hand on the full ``board`` (higher wins)."""
        ...


class LeducHands:
    """Leduc's six private cards (:mod:`holdem.games.leduc`), two seats."""

    n_hands = leduc.N_CARDS
    n_players = leduc.N_PLAYERS

    def __init__(self) -> None:
        cards = np.arange(leduc.N_CARDS)
        self.rank = cards // leduc.N_SUITS
        self._distinct = cards[:, None] != cards[None, :]

    def board_size(self, street: int) -> int:
        return 0 if street == leduc.PREFLOP else 1

    def live(self, board: tuple[int, ...]) -> np.ndarray:
        out = np.ones(self.n_hands, dtype=bool)
        out[list(board)] = False
        return out

    def compatible(self, board: tuple[int, ...]) -> np.ndarray:
        live = self.live(board)
        return self._distinct & live[:, None] & live[None, :]

    def combo_probability(self, board: tuple[int, ...]) -> float:
        dealt = self.n_players + len(board)
        return 1.0 / float(np.prod(np.arange(leduc.N_CARDS - dealt + 1, leduc.N_CARDS + 1)))

    def next_boards(self, board: tuple[int, ...]) -> list[tuple[int, ...]]:
        if len(board) >= 1:
            raise ValueError(f"Leduc deals one public card; the board {board} is already complete")
        return [(c,) for c in range(leduc.N_CARDS)]

    def buckets(self, street: int, board: tuple[int, ...]) -> np.ndarray:
        if street == leduc.PREFLOP:
            return self.rank.astype(np.int64)
        if len(board) != 1:
            raise ValueError(f"street {street} needs one public card, got board {board}")
        return (self.rank * leduc.N_RANKS + board[0] // leduc.N_SUITS).astype(np.int64)

    def strength(self, board: tuple[int, ...]) -> np.ndarray:
        if len(board) != 1:
            raise ValueError(f"a Leduc showdown needs one public card, got board {board}")
        public = board[0] // leduc.N_SUITS
        return np.array([leduc.hand_strength(int(r), public) for r in self.rank], dtype=np.int64)
