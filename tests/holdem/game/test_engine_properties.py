"""Property tests of holdem.game.engine: chips are conserved in every hand.

Hypothesis draws a table (2-6 seats, stacks from a chip to deep, blinds,
ante) and a random sequence of legal actions; after every step the chips
behind plus the pot equal what the table started with, no stack or bet is
negative, and at the end the payoffs sum to zero and never exceed what a
seat could lose or win.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from holdem.game import GameConfig, HandState, IllegalAction

MAX_ACTIONS = 400  # far above any hand: every raise needs chips, every street ends


@st.composite
def configs(draw) -> GameConfig:
    players = draw(st.integers(2, 6))
    big_blind = draw(st.integers(1, 20))
    small_blind = draw(st.integers(1, big_blind))
    ante = draw(st.integers(0, 5))
    stacks = draw(st.lists(st.integers(1, 600), min_size=players, max_size=players))
    return GameConfig(players=players, stacks=stacks, small_blind=small_blind, big_blind=big_blind, ante=ante)


def check_chips(state: HandState) -> None:
    config = state.config
    assert sum(state.stacks) + state.pot == config.total_chips
    assert state.pot == sum(state.contrib)
    for seat in range(config.players):
        assert state.stacks[seat] >= 0 and state.street_bets[seat] >= 0
        assert state.street_bets[seat] <= state.contrib[seat]
        assert state.stacks[seat] + state.contrib[seat] == config.stacks[seat]


def check_legal(state: HandState) -> None:
    legal = state.legal()
    seat = legal.seat
    assert seat == state.actor and not state.folded[seat] and state.stacks[seat] > 0
    assert legal.can_fold != legal.can_check
    assert 0 <= legal.call_amount <= state.stacks[seat]
    assert legal.can_check == (legal.call_amount == 0)
    if legal.can_raise:
        all_in = state.stacks[seat] + state.street_bets[seat]
        assert max(state.street_bets) < legal.min_raise_to <= legal.max_raise_to == all_in


@settings(max_examples=300, deadline=None)
@given(config=configs(), button_pick=st.integers(0, 5), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_chips_are_conserved_and_payoffs_sum_to_zero(config, button_pick, seed, data):
    state = HandState.start_random(config, np.random.default_rng(seed), button=button_pick % config.players)
    check_chips(state)
    for _ in range(MAX_ACTIONS):
        if state.is_over:
            break
        check_legal(state)
        legal = state.legal()
        choices = ["call"] + ["fold"] * legal.can_fold + ["raise"] * legal.can_raise
        choice = data.draw(st.sampled_from(choices))
        if choice == "fold":
            state.fold()
        elif choice == "call":
            state.check_or_call()
        else:
            state.raise_to(data.draw(st.integers(legal.min_raise_to, legal.max_raise_to)))
        check_chips(state)
    assert state.is_over, "the hand did not end"
    payoffs = state.payoffs()
    assert sum(payoffs) == 0
    for seat in range(config.players):
        assert -state.contrib[seat] <= payoffs[seat] <= state.pot - state.contrib[seat]
        if state.folded[seat]:
            assert payoffs[seat] == -state.contrib[seat]
    assert state.actor is None


@settings(max_examples=100, deadline=None)
@given(config=configs(), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_illegal_raise_amounts_are_refused_without_changing_the_state(config, seed, data):
    state = HandState.start_random(config, np.random.default_rng(seed))
    while not state.is_over:
        legal = state.legal()
        if legal.can_raise:
            below = data.draw(st.integers(0, legal.min_raise_to - 1))
            above = data.draw(st.integers(legal.max_raise_to + 1, legal.max_raise_to + 1000))
            before = (state.stacks, state.contrib, state.street_bets, state.history, state.actor)
            for amount in (below, above):
                try:
                    state.raise_to(amount)
                except IllegalAction as error:
                    assert f"{legal.min_raise_to}..{legal.max_raise_to}" in str(error)
                else:
                    raise AssertionError(f"raise to {amount} accepted; legal {legal}")
            assert (state.stacks, state.contrib, state.street_bets, state.history, state.actor) == before
        state.check_or_call()
