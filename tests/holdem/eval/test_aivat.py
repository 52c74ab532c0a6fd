"""AIVAT: unbiased (the corrections have mean zero, the corrected mean finds a known value), exact where it
must be (identities of the value functions), and narrower than the raw payoffs where it must be."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evalkit import trained_run  # noqa: E402

from holdem.blueprint import Blueprint  # noqa: E402
from holdem.cards import N_CARDS  # noqa: E402
from holdem.eval.aivat import MatchAivat, aivat_phrase, hand_terms, known_distribution, value_function  # noqa: E402
from holdem.eval.aivat_values import (  # noqa: E402
    CallDownValue,
    ShowdownValue,
    TreeValue,
    even_shares,
    exact_node,
    showdown_values,
)
from holdem.eval.baselines import BlueprintBot, CallBot, RaisePotBot, RandomBot, apply_move  # noqa: E402
from holdem.eval.match import play_state, run_match  # noqa: E402
from holdem.eval.stats import mean_ci95  # noqa: E402
from holdem.game import GameConfig, HandState, deal  # noqa: E402

Z_WIDE = 3.29  # 99.9%: the seeds are fixed, so a test that fails is a real failure, not bad luck


@pytest.fixture(scope="module")
def blueprint(tmp_path_factory):
    return Blueprint.load(trained_run(tmp_path_factory))


def within(values, expected: float, z: float = Z_WIDE) -> bool:
    e = mean_ci95(np.asarray(values))
    return abs(e.mean - expected) <= e.half_width / 1.959963984540054 * z


def independent_hands(config, seat_bots_of, hands: int, seed: int):
    """(finished hand, hero seat, seat bots) of independent deals, the hero in each seat in turn."""
    n = config.players
    for k in range(hands):
        rng = np.random.default_rng([seed, k])
        holes, board = deal(config, rng)
        hero = k % n
        bots = seat_bots_of(hero)
        yield play_state(config, holes, board, int(rng.integers(n)), bots, rng), hero, bots


# ------------------------------------------------------------------ value functions: exact identities


def test_showdown_values_average_over_the_next_card_to_themselves():
    config = GameConfig(3, 1000, 5, 10)
    holes, board = deal(config, np.random.default_rng(4))
    contrib, folded = (300, 120, 300), (False, False, False)  # a side pot the short seat cannot win
    for shown in (3, 4):
        seen = {c for h in holes for c in h} | set(board[:shown])
        nxt = [showdown_values(holes, (*board[:shown], c), contrib, folded) for c in range(N_CARDS) if c not in seen]
        assert np.allclose(np.mean(nxt, axis=0), showdown_values(holes, board[:shown], contrib, folded))
    # with the whole board it is the showdown's payoff; the values sum to zero; folded chips are dead
    state = HandState.start(config, holes, board, 0)
    while not state.is_over:
        state.check_or_call()
    assert np.allclose(showdown_values(holes, board, state.contrib, state.folded), state.payoffs(), atol=1)
    assert abs(showdown_values(holes, board[:3], contrib, folded).sum()) < 1e-9
    assert np.allclose(even_shares((10, 10, 10), (True, False, False)), [-10, 5, 5])


def test_tree_value_is_the_expected_payoff_of_the_deal(blueprint):
    bot = BlueprintBot(blueprint)
    config = blueprint.game_config
    holes, board = deal(config, np.random.default_rng(11))
    value = TreeValue([blueprint, blueprint], min_reach=0.0)
    root = HandState.start(config, holes, board, 0)
    payoffs = [play_state(config, holes, board, 0, [bot, bot], np.random.default_rng(k)).payoffs()[0]
               for k in range(600)]
    assert within(payoffs, value(root)[0])
    # a martingale along the way: the value is the distribution's average of the values after each move
    state = root
    rng = np.random.default_rng(2)
    while not state.is_over:
        dist = known_distribution(bot, state)
        after = []
        for move, _ in dist:
            child = state.copy()
            apply_move(child, move)
            after.append(value(child)[0])
        assert exact_node(value.tree, state) is not None
        assert sum(p * v for (_, p), v in zip(dist, after)) == pytest.approx(value(state)[0], abs=1e-6)
        apply_move(state, bot.act(state, rng))
    assert value(state)[0] == state.payoffs()[0]


def test_action_terms_telescope_to_the_deals_value(blueprint):
    # every action on the tree and every line kept: payoff + action terms is the deal's value exactly
    bot = BlueprintBot(blueprint)
    config = blueprint.game_config
    value = TreeValue([blueprint, blueprint], min_reach=0.0)
    for state, hero, bots in independent_hands(config, lambda h: [bot, bot], 30, seed=5):
        terms = hand_terms(state, bots, hero, value)
        root = HandState.start(config, state.holes, state.board, state.button)
        assert state.payoffs()[hero] + terms.action == pytest.approx(value(root)[hero], abs=1e-6)


def test_known_distributions():
    config = GameConfig(2, 1000, 5, 10)
    state = HandState.start_random(config, np.random.default_rng(0))
    assert known_distribution(CallBot(), state) == [(CallBot().act(state, None), 1.0)]
    assert known_distribution(RaisePotBot(), state) == [(RaisePotBot().act(state, None), 1.0)]
    assert known_distribution(RandomBot(), state) is None


def test_blueprint_distribution_sums_to_one_and_merges_alike_moves(blueprint):
    bot = BlueprintBot(blueprint)
    state = HandState.start_random(blueprint.game_config, np.random.default_rng(3))
    dist = known_distribution(bot, state)
    moves = [m for m, _ in dist]
    assert len(moves) == len(set(moves)) and sum(p for _, p in dist) == pytest.approx(1.0)


# ------------------------------------------------------------------ unbiased


def _terms(config, seat_bots_of, hands, seed, value_of):
    rows = []
    for state, hero, bots in independent_hands(config, seat_bots_of, hands, seed):
        t = hand_terms(state, bots, hero, value_of(bots))
        rows.append((state.payoffs()[hero], t.chance, t.action))
    return np.array(rows)


@pytest.mark.slow
def test_corrected_mean_finds_the_exact_value_of_a_symmetric_match(blueprint):
    # a blueprint against itself, in each seat equally often: the hero's expected payoff is exactly 0
    bot = BlueprintBot(blueprint)
    config = blueprint.game_config
    for value_of in (value_function, lambda bots: ShowdownValue()):
        rows = _terms(config, lambda h: [bot, bot], 600, seed=1, value_of=value_of)
        corrected = rows.sum(axis=1)
        assert within(corrected, 0.0)
        assert within(rows[:, 1], 0.0) and within(rows[:, 2], 0.0)  # each family of terms has mean zero


@pytest.mark.parametrize("opponent", [RandomBot(), RaisePotBot()])
def test_corrections_have_mean_zero_against_baselines(blueprint, opponent):
    hero = BlueprintBot(blueprint)
    config = blueprint.game_config

    def seat_bots(h):
        bots = [opponent, opponent]
        bots[h] = hero
        return bots

    rows = _terms(config, seat_bots, 150, seed=2, value_of=value_function)
    assert within(rows[:, 1], 0.0) and within(rows[:, 2], 0.0)
    assert np.any(rows[:, 1] != 0) and np.any(rows[:, 2] != 0)


def test_chance_terms_of_a_match_decided_by_the_cards_have_mean_zero():
    # callers against callers: every chip moves at the showdown; the hero's expectation is 0 in every seat
    config = GameConfig(3, 400, 2, 4, ante=1)
    rows = _terms(config, lambda h: [CallBot()] * 3, 40, seed=3, value_of=lambda bots: ShowdownValue())
    assert within(rows[:, 0] + rows[:, 1], 0.0) and not rows[:, 2].any()
    assert (rows[:, 0] + rows[:, 1]).var() < rows[:, 0].var()  # the cards' luck is what the terms take out


# ------------------------------------------------------------------ narrower


def test_corrected_variance_is_lower_where_it_must_be(blueprint):
    # the action terms turn the payoff into the deal's expected payoff: its variance cannot be larger
    bot = BlueprintBot(blueprint)
    rows = _terms(blueprint.game_config, lambda h: [bot, bot], 120, seed=4,
                  value_of=lambda bots: TreeValue([b.blueprint for b in bots], min_reach=0.0))
    raw, action = rows[:, 0], rows[:, 0] + rows[:, 2]
    assert action.var() < raw.var()


def test_match_summary_reports_raw_and_corrected(blueprint):
    hero, opponent = BlueprintBot(blueprint), BlueprintBot(blueprint, name="other")
    aivat = MatchAivat(hero, opponent, 2)
    result = run_match(blueprint.game_config, hero, opponent, hands=60, seed=3, on_hand=aivat.on_hand)
    s = aivat.summary(result)
    assert s["value_function"] == "tree"
    assert s["ci95"][0] <= s["mbb_per_hand"] <= s["ci95"][1]
    assert s["interval_narrower_by"] > 1
    chance, action = aivat.group_terms()
    assert np.allclose(aivat.corrected(result), result.group_chips + chance + action)
    assert aivat_phrase(s).startswith("AIVAT-corrected ") and "narrower" in aivat_phrase(s)
    baseline = MatchAivat(hero, CallBot(), 2)
    run_match(blueprint.game_config, hero, CallBot(), hands=6, seed=3, on_hand=baseline.on_hand)
    assert baseline.value_name == "showdown"
    with pytest.raises(ValueError, match="finished"):
        hand_terms(HandState.start_random(blueprint.game_config, np.random.default_rng(0)), [hero, hero], 0,
                   CallDownValue())
