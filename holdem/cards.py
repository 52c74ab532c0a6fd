"""Card codes: every card is an int in 0..51.

Encoding: ``card = rank * 4 + suit`` with ranks ``0..12`` for deuce..ace
(``RANKS = "23456789TJQKA"``) and suits ``0..3`` for clubs, diamonds, hearts,
spades (``SUITS = "cdhs"``).  So ``2c == 0``, ``2d == 1``, ``As == 51``.
``rank_of(c) == c >> 2`` and ``suit_of(c) == c & 3``; compiled code relies on
exactly this layout.
"""
from __future__ import annotations

import re
from typing import Iterable

RANKS = "23456789TJQKA"
SUITS = "cdhs"
N_RANKS = 13
N_SUITS = 4
N_CARDS = 52

_TOKEN = re.compile(r"\s*([^\s,]{2})\s*,?")


def make_card(rank: int, suit: int) -> int:
    return rank * N_SUITS + suit


def rank_of(card: int) -> int:
    return card >> 2


def suit_of(card: int) -> int:
    return card & 3


def parse_card(token: str) -> int:
    """Parse one card such as ``"As"`` or ``"td"``; raise ValueError naming a bad token."""
    if len(token) != 2:
        raise ValueError(f"bad card {token!r}: expected a rank from {RANKS} and a suit from {SUITS}, e.g. 'As'")
    r = RANKS.find(token[0].upper())
    s = SUITS.find(token[1].lower())
    if r < 0 or s < 0:
        raise ValueError(f"bad card {token!r}: expected a rank from {RANKS} and a suit from {SUITS}, e.g. 'As'")
    return make_card(r, s)


def parse_cards(text: str) -> list[int]:
    """Parse ``"As Kd 7h"``, ``"AsKd7h"`` or ``"As,Kd"`` into card ints.

    Raises ValueError naming a bad token or a card given twice.
    """
    compact = re.sub(r"[\s,]+", "", text)
    if len(compact) % 2:
        raise ValueError(f"bad cards {text!r}: each card is two characters, rank then suit (e.g. 'AsKd')")
    cards: list[int] = []
    for i in range(0, len(compact), 2):
        c = parse_card(compact[i : i + 2])
        if c in cards:
            raise ValueError(f"duplicate card {compact[i:i+2]!r} in {text!r}")
        cards.append(c)
    return cards


def format_card(card: int) -> str:
    if not 0 <= int(card) < N_CARDS:
        raise ValueError(f"bad card code {card!r}: expected 0..51")
    return RANKS[rank_of(int(card))] + SUITS[suit_of(int(card))]


def format_cards(cards: Iterable[int], sep: str = " ") -> str:
    return sep.join(format_card(c) for c in cards)
