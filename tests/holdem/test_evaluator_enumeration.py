"""Every 7-card hand, counted by category (slow: 133,784,560 hands)."""
import time

import pytest

from holdem import evaluator as ev

# Standard counts of 7-card hands by the category of their best 5 cards.
SEVEN_CARD_COUNTS = {
    "straight flush": 41_584,
    "four of a kind": 224_848,
    "full house": 3_473_184,
    "flush": 4_047_644,
    "straight": 6_180_020,
    "three of a kind": 6_461_620,
    "two pair": 31_433_400,
    "one pair": 58_627_800,
    "high card": 23_294_460,
}


@pytest.mark.slow
def test_all_seven_card_hands_by_category():
    t0 = time.perf_counter()
    counts = ev.enumerate_category_counts()
    elapsed = time.perf_counter() - t0
    got = {ev.CATEGORY_NAMES[i]: int(n) for i, n in enumerate(counts)}
    assert got == SEVEN_CARD_COUNTS
    assert sum(got.values()) == 133_784_560
    print(f"enumerated 133,784,560 hands in {elapsed:.2f} s (compile or cache load included)")
