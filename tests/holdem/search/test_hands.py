"""Leduc's private hands: card removal, chance weights, buckets and strengths agree with the game."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.games.leduc import N_CARDS, N_SUITS
from holdem.games.small import enumerate_deals


def test_chance_weights_sum_to_one_over_every_deal(hands):
    assert hands.compatible(()).sum() * hands.combo_probability(()) == pytest.approx(1.0)
    total = sum(hands.compatible(b).sum() * hands.combo_probability(b) for b in hands.next_boards(()))
    assert total == pytest.approx(1.0)


def test_buckets_and_strengths_are_the_dealers(leduc, hands):
    exact = leduc.exact
    deals = enumerate_deals(N_CARDS, 3)
    for d, cards in enumerate(deals):
        board = (int(cards[2]),)
        for seat in (0, 1):
            card = int(cards[seat])
            assert hands.buckets(0, ())[card] == exact.deal_buckets[d, seat, 0]
            assert hands.buckets(1, board)[card] == exact.deal_buckets[d, seat, 1]
            assert hands.strength(board)[card] == exact.deal_strength[d, seat]


def test_the_board_removes_its_card(hands):
    live = hands.live((3,))
    assert not live[3] and live.sum() == N_CARDS - 1
    compatible = hands.compatible((3,))
    assert not compatible[3].any() and not compatible[:, 3].any() and not np.diag(compatible).any()
    assert hands.buckets(0, ()).max() == N_CARDS // N_SUITS - 1
    with pytest.raises(ValueError, match="already complete"):
        hands.next_boards((1,))
