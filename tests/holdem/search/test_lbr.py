"""The Python LBR: exact river equities, an opponent model that is the agent's own play, whole hands,
and a variance reduction that keeps the expectation."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID
from holdem.blueprint import Blueprint
from holdem.eval.baselines import BlueprintBot
from holdem.evaluator import evaluate
from holdem.game.engine import FLOP, RIVER, TURN, ActionKind, HandState
from holdem.search.agent import SearchConfig
from holdem.search.holdem_agent import HoldemSearchBot
from holdem.search.lbr import LBRValue, equity, hole_policy, move_probability, possible_holes, run_lbr

from .holdemkit import river_state, tiny_run

FAST = SearchConfig(mode="unsafe", iterations=8, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2)


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


def test_river_equity_against_one_hole_is_the_showdown():
    board = (0, 5, 10, 20, 33)
    mine, theirs = (1, 2), (40, 51)
    w = np.zeros(1326)
    w[HOLE_ID[theirs]] = 1.0
    a, b = evaluate([*mine, *board]), evaluate([*theirs, *board])
    want = 1.0 if a > b else (0.0 if a < b else 0.5)
    assert equity(w, mine, board, np.random.default_rng(0)) == want
    w[HOLE_ID[1, 40]] = 5.0  # shares a card with my hole: not a possible opponent hand
    assert equity(w, mine, board, np.random.default_rng(0)) == want


def _distribution_of(agent, state):
    moves, probs = hole_policy(agent, state)
    hole = state.holes[state.actor]
    row = probs[HOLE_ID[hole[0], hole[1]]]
    return {m: float(move_probability(moves, probs, m)[HOLE_ID[hole[0], hole[1]]]) for m in moves}, row


@pytest.mark.parametrize("street", [0, RIVER])
def test_the_model_of_every_hole_holds_the_agents_own_play(bp, street):
    state = HandState.start_random(bp.game_config, np.random.default_rng(6), button=0)
    while state.street < street:
        state.check_or_call()
    for agent in (BlueprintBot(bp), HoldemSearchBot(bp, FAST)):
        model, _ = _distribution_of(agent, state)
        for move, p in agent.distribution(state):
            assert model[move] == pytest.approx(p, abs=1e-12)


def test_on_a_searched_turn_the_model_is_the_turn_solve(bp):
    state = HandState.start_random(bp.game_config, np.random.default_rng(7), button=1)
    while state.street < TURN:
        state.check_or_call()
    agent = HoldemSearchBot(bp, SearchConfig(**{**vars(FAST), "streets": ("turn", "river"), "turn_iterations": 8,
                                                "turn_time_budget": None}))
    model, _ = _distribution_of(agent, state)
    assert agent.streets == [TURN]
    for move, p in agent.distribution(state):
        assert model[move] == pytest.approx(p, abs=1e-12)


def test_lbr_plays_whole_hands_against_blueprint_and_search(bp):
    a = run_lbr(bp, BlueprintBot(bp), 4, seed=2)
    b = run_lbr(bp, HoldemSearchBot(bp, FAST), 4, seed=2)
    assert a.match.groups == b.match.groups == 2
    for r in (a, b):
        assert np.all(np.isfinite(r.match.group_chips)) and np.all(np.isfinite(r.reduced))
    again = run_lbr(bp, BlueprintBot(bp), 4, seed=2)
    # a pure function of its seed
    assert np.array_equal(a.match.group_chips, again.match.group_chips) and np.array_equal(a.reduced, again.reduced)


def _checked_down(config, seed):
    state = river_state(config, seed)
    while not state.is_over:
        state.check_or_call()
    return state


def test_a_showdown_is_replaced_by_its_expectation_over_the_range(bp):
    state = _checked_down(bp.game_config, 3)
    hole = tuple(int(c) for c in state.holes[0])
    weights = np.random.default_rng(0).random(1326)
    value = LBRValue(0, hole, np.random.default_rng(1))
    mine = evaluate([*hole, *state.board])
    won = total = 0.0
    for h, (a, b) in enumerate(HOLE_CARDS):
        if {int(a), int(b)} & ({*hole} | {int(c) for c in state.board}):
            continue
        theirs = evaluate([int(a), int(b), *state.board])
        won += weights[h] * np.sign(mine - theirs) * state.contrib[0]
        total += weights[h]
    assert value.estimate(state, weights) == pytest.approx(won / total, rel=1e-12)
    # with the opponent's hole known, the expectation is the chips
    known = np.zeros(1326)
    known[HOLE_ID[state.holes[1][0], state.holes[1][1]]] = 1.0
    assert value.estimate(state, known) == state.payoffs()[0]


@pytest.mark.parametrize("street", [0, FLOP, RIVER])
def test_the_action_terms_have_expectation_zero_under_the_range(bp, street):
    """Each move's term, weighted by the move's probability under LBR's range, sums to zero."""
    agent = BlueprintBot(bp)
    checked = 0
    for seed in range(6):
        state = HandState.start_random(bp.game_config, np.random.default_rng(seed), button=seed % 2)
        while state.street < street:
            state.check_or_call()
        if state.street != street or state.is_over:
            continue
        # seat 1 is the agent: make it face a bet of seat 0 (LBR), so that folding is one of its moves
        if state.actor == 1 and state.legal().call_amount == 0:
            state.check_or_call()
        if state.actor == 0:
            state.raise_to(state.legal().min_raise_to)
        assert state.actor == 1 and state.legal().can_fold
        moves, probs = hole_policy(agent, state)
        distinct = {(ActionKind(k), int(a) if ActionKind(k) == ActionKind.RAISE else 0) for k, a in moves}
        if len(distinct) < 2:
            continue
        hole = tuple(int(c) for c in state.holes[0])
        weights = np.random.default_rng(seed).random(1326) * possible_holes(hole, state.board[:0])
        mass = weights * possible_holes(hole, state.board)
        p = {m: float(mass @ move_probability(moves, probs, m)) for m in distinct}
        norm = sum(p.values())
        mean = 0.0
        for move in distinct:
            value = LBRValue(0, hole, np.random.default_rng(4))
            value.observe(state, weights, moves, probs, move)
            mean += p[move] / norm * value.correction
        scale = max(state.contrib)
        assert abs(mean) <= 1e-9 * scale
        assert ActionKind.FOLD in {m[0] for m in distinct}
        checked += 1
    assert checked >= 3


def _with_hole(state: HandState, seat: int, h: int) -> HandState:
    """``state``'s history replayed with ``seat`` holding hole ``h``."""
    holes = [list(x) for x in state.holes]
    holes[seat] = [int(HOLE_CARDS[h, 0]), int(HOLE_CARDS[h, 1])]
    other = HandState.start(state.config, holes, state.board, state.button)
    for a in state.history:
        other.apply(a)
    return other


def _other_holes(state: HandState, seat: int) -> list[int]:
    dead = {int(c) for c in state.board[:5]} | {int(c) for c in state.holes[1 - seat]}
    return [h for h in range(1326) if not {int(HOLE_CARDS[h, 0]), int(HOLE_CARDS[h, 1])} & dead]


def _to_turn(config, seed: int, flop_bet: float | None) -> HandState:
    """Check/call to the turn; with ``flop_bet``, the first seat to act on the flop bets that share of the pot
    (sizes off the blueprint's tree, which it translates with its draws)."""
    state = HandState.start_random(config, np.random.default_rng(seed), button=0)
    while state.street < TURN:
        if flop_bet is not None and state.street == FLOP and state.legal().call_amount == 0 and not any(
                a.street == FLOP for a in state.history):
            state.raise_to(max(state.legal().min_raise_to, int(flop_bet * state.pot)))
        else:
            state.check_or_call()
    return state


@pytest.mark.parametrize("flop_bet", [0.37, 0.8, 1.3])
def test_the_blueprints_translation_of_a_history_does_not_depend_on_its_own_cards(bp, flop_bet):
    for seed in range(3):
        state = _to_turn(bp.game_config, seed, flop_bet)
        seat = state.actor
        want = bp.path(state, seat)
        for h in _other_holes(state, seat)[::97]:
            assert bp.path(_with_hole(state, seat, h), seat) == want


@pytest.mark.parametrize("street, flop_bet", [(TURN, None), (TURN, 0.8), (RIVER, None), (RIVER, 1.3)])
def test_a_solve_is_the_same_whatever_the_agents_own_hole(bp, street, flop_bet):
    """LBR's range of the search agent is exact only if the agent, holding any other hole, would play
    that hole's row of the solve it plays from: a solve must depend on public information alone."""
    config = SearchConfig(**{**vars(FAST), "streets": ("turn", "river"), "turn_iterations": 8,
                             "turn_time_budget": None})
    state = _to_turn(bp.game_config, 8, flop_bet)
    while state.street < street:
        state.check_or_call()
    seat = state.actor
    moves, probs = hole_policy(HoldemSearchBot(bp, config), state)
    others = _other_holes(state, seat)
    for h in others[:: len(others) // 3][:3]:
        for move, p in HoldemSearchBot(bp, config).distribution(_with_hole(state, seat, h)):
            assert float(move_probability(moves, probs, move)[h]) == pytest.approx(p, abs=1e-12)
