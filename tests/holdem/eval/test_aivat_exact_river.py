"""RiverExactValue (AIVAT with exact river values): exact where it can be enumerated by brute force, a river
chance term of mean zero over the river cards, and corrections of mean zero in a search-against-blueprint match."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evalkit import trained_run  # noqa: E402

from holdem.blueprint import Blueprint  # noqa: E402
from holdem.cards import N_CARDS  # noqa: E402
from holdem.eval.aivat import MatchAivat, hand_terms  # noqa: E402
from holdem.eval.aivat_values import RiverExactValue  # noqa: E402
from holdem.eval.baselines import BlueprintBot, apply_move  # noqa: E402
from holdem.eval.match import play_state, run_match  # noqa: E402
from holdem.eval.stats import mean_ci95  # noqa: E402
from holdem.game import HandState, deal  # noqa: E402
from holdem.game.engine import RIVER  # noqa: E402
from holdem.search.agent import SearchConfig  # noqa: E402
from holdem.search.holdem_agent import HoldemSearchBot  # noqa: E402

Z_WIDE = 3.29  # 99.9%: fixed seeds, so a failure is a real one
FAST = SearchConfig(mode="unsafe", iterations=16, bet_sizes=(0.5, 1.0), raise_sizes=(1.0,), max_raises=2)


@pytest.fixture(scope="module")
def bp(tmp_path_factory):
    return Blueprint.load(trained_run(tmp_path_factory))


def brute_force(state: HandState, bots) -> np.ndarray:
    """Every line of the rest of the hand, each seat drawing from its bot's distribution (no pruning, no cache)."""
    if state.is_over:
        return np.asarray(state.payoffs(), np.float64)
    out = np.zeros(2)
    for move, p in bots[state.actor].distribution(state):
        child = state.copy()
        apply_move(child, move)
        out += p * brute_force(child, bots)
    return out


def river_roots(bp, count: int, seed: int):
    """River states at the start of river betting, reached by the blueprint playing both seats."""
    bot = BlueprintBot(bp)
    rng = np.random.default_rng(seed)
    found = 0
    while found < count:
        state = HandState.start_random(bp.game_config, rng, button=found % 2)
        while not state.is_over and state.street < RIVER:
            apply_move(state, bot.act(state, rng))
        if not state.is_over:
            found += 1
            yield state


def with_river(state: HandState, card: int) -> HandState:
    """``state``'s history replayed on its board with the river card ``card``."""
    out = HandState.start(state.config, state.holes, (*state.board[:4], card), state.button)
    for action in state.history:
        out.apply(action)
    return out


def test_river_values_are_the_brute_force_expectation_of_blueprint_play(bp):
    bots = [BlueprintBot(bp), BlueprintBot(bp)]
    value = RiverExactValue(bots, min_prob=0.0)
    checked = 0
    for root in river_roots(bp, 6, seed=3):
        for move, _ in bots[root.actor].distribution(root):  # every first river move, bets and raises included
            child = root.copy()
            apply_move(child, move)
            np.testing.assert_allclose(value(child), brute_force(child, bots), rtol=1e-9, atol=1e-7)
            checked += 1
    assert checked > 6


def test_the_river_card_is_worth_its_average_and_its_chance_term_has_mean_zero(bp):
    bots = [BlueprintBot(bp), BlueprintBot(bp)]
    for root in river_roots(bp, 3, seed=5):
        value = RiverExactValue(bots, min_prob=0.0)
        seen = {c for hole in root.holes for c in hole} | set(root.board[:4])
        cards = [c for c in range(N_CARDS) if c not in seen]
        exact = np.array([brute_force(with_river(root, c), bots) for c in cards])
        # the state right after the river is dealt is valued before the card: the average over the cards
        np.testing.assert_allclose(value(root), exact.mean(axis=0), rtol=1e-9, atol=1e-7)
        # the chance term E_c[w(c)] - w(c*), w exact; over every card the dealer could have dealt: exactly 0
        terms = [value.reveal_term(with_river(root, c), RIVER, 0) for c in cards]
        assert all(t is not None for t in terms)
        np.testing.assert_allclose(terms, exact[:, 0].mean() - exact[:, 0], rtol=1e-9, atol=1e-7)
        assert abs(float(np.mean(terms))) < 1e-7


def test_a_states_value_uses_only_solves_made_before_it(bp):
    """The value of a state after the searcher's move is the same before and after it searches again."""
    agent = HoldemSearchBot(bp, FAST)
    opponent = BlueprintBot(bp)
    for seed in range(40):
        rng = np.random.default_rng(seed)
        holes, board = deal(bp.game_config, rng)
        state = HandState.start(bp.game_config, holes, board, 1)  # seat 0, out of position, acts first post-flop
        while state.street < RIVER:
            state.check_or_call()
        bots = [agent, opponent]
        first = agent.distribution(state)
        bet = next((m for m, _ in first if m[0] == 2), None)
        if bet is None:
            continue
        state.raise_to(bet[1])
        state.raise_to(state.legal().min_raise_to)  # the blueprint seat raises: the searcher decides again
        before = RiverExactValue(bots)(state)
        played = dict(agent.distribution(state))  # a second solve of this hand
        solves = agent.river_solves(state, 0)
        assert len(solves) == 2
        np.testing.assert_allclose(RiverExactValue(bots)(state), before)
        # below this state the value plays the new solve at its node exactly as the agent does
        moves = tuple((int(a.kind), int(a.amount)) for a in state.history if a.street == RIVER)
        valued = dict(RiverExactValue(bots)._policy(state, moves, solves[-1]))
        assert valued.keys() == played.keys()
        np.testing.assert_allclose([valued[m] for m in played], list(played.values()))
        return
    pytest.skip("no deal in which the searcher bets")


@pytest.mark.slow
def test_exact_river_corrections_have_mean_zero_in_a_search_match(bp):
    agent = HoldemSearchBot(bp, FAST)
    opponent = BlueprintBot(bp)
    rows = []
    for k in range(300):
        rng = np.random.default_rng([17, k])
        holes, board = deal(bp.game_config, rng)
        hero = k % 2
        bots = [agent, opponent] if hero == 0 else [opponent, agent]
        state = play_state(bp.game_config, holes, board, int(rng.integers(2)), bots, rng)
        t = hand_terms(state, bots, hero, RiverExactValue(bots))
        rows.append((state.payoffs()[hero], t.chance, t.action))
    rows_arr = np.array(rows)
    for column in (1, 2):
        e = mean_ci95(rows_arr[:, column])
        assert abs(e.mean) <= e.half_width / 1.959963984540054 * Z_WIDE
    assert np.any(rows_arr[:, 2] != 0)
    assert rows_arr.sum(axis=1).std() < rows_arr[:, 0].std()


def test_match_aivat_takes_a_value_function(bp):
    agent = HoldemSearchBot(bp, FAST)
    opponent = BlueprintBot(bp)
    aivat = MatchAivat(agent, opponent, 2, values=RiverExactValue)
    result = run_match(bp.game_config, agent, opponent, 8, seed=3, on_hand=aivat.on_hand)
    summary = aivat.summary(result)
    assert summary["value_function"] == "exact_river" and np.isfinite(summary["mbb_per_hand"])
