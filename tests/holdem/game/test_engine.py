"""Rules of holdem.game.engine on hand-made situations (positions, raises, pots, errors)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from holdem.cards import parse_cards
from holdem.evaluator import evaluate
from holdem.game import (
    FLOP,
    PREFLOP,
    RIVER,
    Action,
    ActionKind,
    GameConfig,
    HandState,
    IllegalAction,
    LegalActions,
    Pot,
    award_pots,
    deal,
    side_pots,
)

# hands that rank AA > KK > QQ > JJ > TT > 99 on BOARD (no straight or flush possible)
BOARD = parse_cards("2c 7s 9c 4s 3h")[:4] + parse_cards("Kc")
PAIRS = [parse_cards(h) for h in ("AhAd", "QhQd", "JhJd", "ThTd", "8h8d", "6h6d")]


def start(players, stacks, sb=5, bb=10, ante=0, button=0, holes=None, board=None):
    config = GameConfig(players=players, stacks=stacks, small_blind=sb, big_blind=bb, ante=ante)
    return HandState.start(config, holes or PAIRS[:players], board or BOARD, button)


def test_pair_hands_rank_in_the_order_the_tests_assume():
    ranks = [evaluate(h + BOARD) for h in PAIRS]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == len(ranks)


# ---------------------------------------------------------------- GameConfig


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(players=1), "players"),
        (dict(players=7), "players"),
        (dict(players=2.0), "players"),
        (dict(stacks=[100, 100]), "stacks"),
        (dict(stacks=[100, 0, 100]), "stacks[1]"),
        (dict(stacks=-5), "stacks"),
        (dict(stacks="100"), "stacks"),
        (dict(stacks=True), "stacks"),
        (dict(small_blind=0), "small_blind"),
        (dict(small_blind=20), "small_blind"),
        (dict(big_blind=0), "big_blind"),
        (dict(ante=-1), "ante"),
        (dict(ante=0.5), "ante"),
    ],
)
def test_bad_config_names_the_field(kwargs, field):
    args = dict(players=3, stacks=100, small_blind=5, big_blind=10, ante=0) | kwargs
    with pytest.raises(ValueError, match="^" + re.escape(field)):
        GameConfig(**args)


def test_config_expands_one_stack_and_round_trips_through_a_dict():
    config = GameConfig(players=4, stacks=np.int64(250), small_blind=1, big_blind=2, ante=1)
    assert config.stacks == (250, 250, 250, 250)
    assert GameConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown game config key"):
        GameConfig.from_dict(config.to_dict() | {"straddle": 4})
    with pytest.raises(ValueError, match="missing big_blind"):
        GameConfig.from_dict({"players": 2, "stacks": 10, "small_blind": 1})


# ------------------------------------------------------- cards and start-up


def test_deal_gives_distinct_cards_reproducibly():
    config = GameConfig(players=6, stacks=100, small_blind=1, big_blind=2)
    holes, board = deal(config, np.random.default_rng(3))
    cards = [c for h in holes for c in h] + board
    assert len(holes) == 6 and all(len(h) == 2 for h in holes) and len(board) == 5
    assert len(set(cards)) == len(cards) and all(0 <= c < 52 for c in cards)
    assert deal(config, np.random.default_rng(3)) == (holes, board)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        deal(config, 3)


@pytest.mark.parametrize(
    "holes, board, button, message",
    [
        (PAIRS[:2], BOARD, 0, "holes must list 3 hands"),
        (PAIRS[:2] + [[0]], BOARD, 0, r"holes\[2\] must be 2 card codes"),
        (PAIRS[:2] + [[0, 52]], BOARD, 0, r"holes\[2\]\[1\] must be a card code"),
        (PAIRS[:2] + [PAIRS[0]], BOARD, 0, "dealt twice"),
        (PAIRS[:3], BOARD[:4], 0, "board must be 5 card codes"),
        (PAIRS[:3], BOARD[:4] + [PAIRS[1][0]], 0, "dealt twice"),
        (PAIRS[:3], BOARD, 3, "button must be a seat 0..2"),
    ],
)
def test_bad_cards_or_button_are_rejected_with_the_reason(holes, board, button, message):
    config = GameConfig(players=3, stacks=100, small_blind=1, big_blind=2)
    with pytest.raises(ValueError, match=message):
        HandState.start(config, holes, board, button)


# ------------------------------------------------------------------ positions


@pytest.mark.parametrize("players", [3, 4, 6])
@pytest.mark.parametrize("button", [0, 2])
def test_blinds_and_order_with_three_or_more_players(players, button):
    state = start(players, 1000, button=button)
    sb, bb = (button + 1) % players, (button + 2) % players
    assert (state.small_blind_seat, state.big_blind_seat) == (sb, bb)
    assert state.street_bets[sb] == 5 and state.street_bets[bb] == 10 and state.pot == 15
    assert state.actor == (button + 3) % players
    order = []
    while state.street == PREFLOP:
        order.append(state.actor)
        state.check_or_call()
    assert order == [(button + 3 + i) % players for i in range(players)]
    assert state.street == FLOP and state.actor == sb and state.board_visible == tuple(BOARD[:3])


@pytest.mark.parametrize("button", [0, 1])
def test_heads_up_button_posts_small_blind_acts_first_preflop_and_last_after(button):
    state = start(2, 1000, button=button)
    other = 1 - button
    assert (state.small_blind_seat, state.big_blind_seat) == (button, other)
    assert state.actor == button
    state.check_or_call()
    assert state.actor == other and state.legal().can_check  # the big blind's option
    state.check_or_call()
    assert state.street == FLOP and state.actor == other
    state.check_or_call()
    assert state.actor == button


def test_antes_are_dead_money_not_part_of_the_street_bet():
    state = start(3, 1000, ante=2)
    assert state.contrib == (2, 7, 12) and state.street_bets == (0, 5, 10) and state.pot == 21
    assert state.legal().call_amount == 10


def test_short_stacks_post_what_they_have_ante_first():
    # seat 1 (small blind) has 3 chips for a 2 ante: ante 2, blind 1, all-in.
    # seat 2 (big blind) has 2 chips: ante only, no blind, all-in.
    state = start(3, [1000, 3, 2], ante=2)
    assert state.contrib == (2, 3, 2) and state.stacks == (998, 0, 0)
    assert state.street_bets == (0, 1, 0)
    # nobody else has chips, so the button only has to match the largest bet
    assert state.actor == 0
    assert state.legal() == LegalActions(0, True, False, 1, None, None)


def test_seat_facing_no_bet_with_nobody_to_play_against_is_skipped():
    # the big blind covers the only other seat, which is all-in: no decisions at all
    state = start(2, [1000, 4], button=1)  # seat 1: small blind 4 of 5, all-in
    assert state.is_over and state.street == RIVER and state.board_visible == tuple(BOARD)
    assert state.contrib == (4, 4)  # the big blind's uncalled 6 went back


# --------------------------------------------------------------- legal moves


def test_opening_legal_actions_and_the_big_blind_option():
    state = start(3, [1000, 500, 300])
    assert state.legal() == LegalActions(0, True, False, 10, 20, 1000)
    state.check_or_call()
    assert state.legal() == LegalActions(1, True, False, 5, 20, 500)
    state.check_or_call()
    assert state.legal() == LegalActions(2, False, True, 0, 20, 300)


def test_minimum_raise_is_the_last_full_raise():
    state = start(4, 10_000)
    state.raise_to(35)  # raise of 25
    assert state.legal().min_raise_to == 60
    state.raise_to(100)  # raise of 65
    assert state.legal().min_raise_to == 165
    state.check_or_call()
    state.check_or_call()
    state.check_or_call()
    assert state.street == FLOP
    assert state.legal().min_raise_to == 10  # a bet: at least the big blind
    state.raise_to(13)  # a full bet: raises must now add at least 13
    assert state.legal().min_raise_to == 26


def test_min_raise_is_capped_at_the_all_in_amount():
    state = start(3, [1000, 1000, 60])
    state.raise_to(40)
    state.fold()
    # the big blind has 50 behind: a full raise (to 70) is out of reach, all-in to 60 is not
    assert state.legal() == LegalActions(2, True, False, 30, 60, 60)
    state.raise_to(60)
    # short by 10 of a full raise: seat 0 already acted, so it may only call or fold
    assert state.legal() == LegalActions(0, True, False, 20, None, None)


def test_short_all_in_does_not_reopen_betting_for_players_who_acted():
    # flop, blinds 5/10: seat 1 bets 100, seat 2 shoves 150 (a full raise needs 200)
    state = start(4, [2000, 2000, 160, 2000], button=0)
    for _ in range(4):
        state.check_or_call()
    assert state.street == FLOP and state.actor == 1
    state.raise_to(100)
    state.raise_to(150)  # all-in, short
    assert state.legal() == LegalActions(3, True, False, 150, 250, 1990)  # seat 3 has not acted
    state.check_or_call()
    state.check_or_call()  # seat 0
    ours = state.legal()
    assert ours == LegalActions(1, True, False, 50, None, None)
    with pytest.raises(IllegalAction, match="does not reopen"):
        state.raise_to(300)


def test_short_all_ins_adding_up_to_a_full_raise_reopen_betting():
    # TDA Rule 47 example 1: blinds 50/100; A bets 100, B all-in 125, C calls,
    # D all-in 200, E calls; A faces a 100 raise, a full raise, and may re-raise.
    # seats: A = 1, B = 3 (225 chips), C = 4, D = 5 (300 chips), E = 0; seat 2 calls along
    stacks = [5000, 5000, 5000, 225, 5000, 300]
    state = start(6, stacks, sb=50, bb=100, button=0)
    for _ in range(6):
        state.check_or_call()
    assert state.actor == 1
    state.raise_to(100)  # A (seat 1)
    state.check_or_call()  # seat 2 calls 100
    state.raise_to(125)  # B (seat 3): all-in for 125 total
    state.check_or_call()  # C (seat 4) calls 125
    state.raise_to(200)  # D (seat 5): all-in for 200 total
    state.check_or_call()  # E (seat 0) calls 200
    assert state.actor == 1
    assert state.legal() == LegalActions(1, True, False, 100, 300, 4900)
    state.check_or_call()
    # seat 2 called 100 and faces the same 100: also reopened
    assert state.legal().min_raise_to == 300


def test_full_raise_after_a_short_all_in_reopens_for_everyone():
    state = start(4, [2000, 2000, 160, 2000], button=0)
    for _ in range(4):
        state.check_or_call()
    state.raise_to(100)  # seat 1
    state.raise_to(150)  # seat 2 all-in, short
    state.raise_to(300)  # seat 3: a raise of 150 >= 100, full
    state.check_or_call()  # seat 0
    assert state.legal() == LegalActions(1, True, False, 200, 450, 1990)


def test_no_raise_when_every_other_seat_is_all_in():
    state = start(3, [1000, 1000, 100])
    state.raise_to(200)
    state.fold()
    state.check_or_call()  # big blind calls all-in for 100
    assert state.is_over  # nobody left to bet against: board dealt, showdown


def test_fold_and_check_are_legal_only_in_their_situations():
    state = start(3, 1000)
    assert not state.legal().can_check
    with pytest.raises(IllegalAction, match="legal: fold, call 10 or raise to 20..1000"):
        state.raise_to(15)
    state.check_or_call()
    state.check_or_call()
    assert state.actor == 2 and state.legal().can_check and not state.legal().can_fold
    with pytest.raises(IllegalAction, match="only when facing a bet; legal: check or raise to 20..1000"):
        state.fold()
    with pytest.raises(IllegalAction, match="may not raise to 1001"):
        state.raise_to(1001)
    with pytest.raises(IllegalAction, match="integer"):
        state.raise_to(20.0)
    assert issubclass(IllegalAction, ValueError)


# ------------------------------------------------------------ pots, payoffs


def test_side_pots_go_to_the_best_eligible_hand():
    # seat 0 (AA, 100 chips) wins the main pot, seat 1 (QQ, 300) the side pot
    state = start(3, [100, 300, 500], sb=1, bb=2)
    state.raise_to(100)
    state.raise_to(300)
    state.check_or_call()
    assert state.is_over and state.contrib == (100, 300, 300)
    assert side_pots(state.contrib, state.folded) == [Pot(300, (0, 1, 2)), Pot(400, (1, 2))]
    assert state.payoffs() == (200, 100, -300)


def test_folded_chips_are_dead_money_in_the_pots_they_reached():
    pots = side_pots([50, 200, 120, 200], [False, False, True, False])
    assert pots == [Pot(200, (0, 1, 3)), Pot(370, (1, 3))]
    assert sum(p.amount for p in pots) == 570


def test_uncalled_chips_return_and_a_fold_wins_the_pot():
    state = start(2, [1000, 300], button=0)
    state.raise_to(1000)
    state.check_or_call()  # seat 1 calls all-in for 300
    assert state.contrib == (300, 300)
    state = start(3, 1000)
    state.raise_to(50)
    state.fold()
    state.fold()
    assert state.is_over and state.contrib == (10, 5, 10)  # 40 uncalled came back
    assert state.payoffs() == (15, -5, -10)


def test_odd_chips_go_to_the_first_winner_left_of_the_button():
    royal = parse_cards("As Ks Qs Js Ts")
    holes = [parse_cards(h) for h in ("2c3c", "2d3d", "2h3h")]
    for button, first in [(0, 1), (1, 2), (2, 0)]:
        state = start(3, 100, sb=1, bb=2, ante=1, button=button, holes=holes, board=royal)
        state.fold()  # the button folds: 7 chips split between the blinds
        while not state.is_over:
            state.check_or_call()
        second = 3 - button - first
        assert state.payoffs()[first] == 4 - 3 and state.payoffs()[second] == 3 - 3


def test_pots_won_by_the_same_seats_split_as_one():
    pots = [Pot(5, (0, 1, 2)), Pot(5, (0, 1))]
    tie = [100, 100, 50]
    assert award_pots(pots, tie, [0, 1, 2]) == [5, 5, 0]  # not 6 and 4
    assert award_pots([Pot(5, (0, 1, 2)), Pot(5, (0, 1))], [100, 100, 200], [1, 2, 0]) == [2, 3, 5]


def test_all_in_preflop_runs_the_board_out():
    state = start(2, 100, button=0)
    state.raise_to(100)
    state.check_or_call()
    assert state.is_over and state.actor is None and state.street == RIVER
    assert state.board_visible == tuple(BOARD)
    assert state.payoffs() == (100, -100)
    with pytest.raises(IllegalAction, match="hand is over"):
        state.check_or_call()


# ------------------------------------------------------- history and copies


def test_history_records_actions_and_replays():
    state = start(3, 1000)
    state.raise_to(30)
    state.check_or_call()
    state.fold()
    assert state.history == (
        Action(0, ActionKind.RAISE, 30, PREFLOP),
        Action(1, ActionKind.CHECK_CALL, 25, PREFLOP),
        Action(2, ActionKind.FOLD, 0, PREFLOP),
    )
    assert str(state.history[0]) == "preflop: seat 0 raises to 30"
    replay = start(3, 1000)
    for action in state.history:
        replay.apply(action)
    assert replay.history == state.history and replay.contrib == state.contrib
    with pytest.raises(IllegalAction, match="cannot apply"):
        replay.apply(Action(0, ActionKind.FOLD, 0, FLOP))


def test_copy_is_independent():
    state = start(3, 1000)
    state.raise_to(30)
    other = state.copy()
    other.raise_to(100)
    other.fold()
    assert state.actor == 1 and state.street_bets == (30, 5, 10) and len(state.history) == 1
    assert other.actor == 0 and len(other.history) == 3


def test_payoffs_need_a_finished_hand():
    with pytest.raises(ValueError, match="is_over"):
        start(3, 1000).payoffs()
