import numpy as np
import pytest

from holdem.eval.baselines import CallBot, RandomBot, make_baseline
from holdem.eval.match import groups_for, run_match
from holdem.game.config import GameConfig


@pytest.mark.parametrize("players", [2, 3, 6])
def test_duplicate_dealing_cancels_the_cards_between_identical_deterministic_players(players):
    # hero and opponents all check/call: the hand is decided by the cards alone, and the hero
    # sits in every seat of every deal, so each group sums to exactly zero
    config = GameConfig(players, 1000, 5, 10)
    result = run_match(config, CallBot(), CallBot(), hands=12 * players, seed=3)
    assert result.groups == 12 and result.hands == 12 * players
    assert np.array_equal(result.group_chips, np.zeros(12))
    # while single hands do move chips: the cancellation is the duplicate design, not a dead game
    solo = run_match(config, CallBot(), RandomBot(), hands=players * 12, seed=3)
    assert np.any(solo.group_chips != 0)


def test_a_match_is_a_pure_function_of_its_seed():
    config = GameConfig(2, 2000, 10, 20)
    a = run_match(config, make_baseline("tag"), RandomBot(), hands=40, seed=9)
    b = run_match(config, make_baseline("tag"), RandomBot(), hands=40, seed=9)
    c = run_match(config, make_baseline("tag"), RandomBot(), hands=40, seed=10)
    assert np.array_equal(a.group_chips, b.group_chips) and not np.array_equal(a.group_chips, c.group_chips)


def test_summary_reports_mbb_and_interval():
    config = GameConfig(2, 2000, 10, 20)
    seen = []
    result = run_match(config, RandomBot(), CallBot(), hands=30, seed=1, on_group=lambda g, r: seen.append(g))
    assert seen == list(range(15))
    s = result.summary()
    assert s["hands"] == 30 and s["duplicate_groups"] == 15
    assert s["mbb_per_hand"] == pytest.approx(result.group_chips.mean() / 20 * 1000, abs=1e-3)
    lo, hi = s["ci95"]
    assert lo < s["mbb_per_hand"] < hi


def test_hands_round_up_to_whole_groups():
    assert groups_for(5, 2) == 3 and groups_for(1, 6) == 1
    with pytest.raises(ValueError):
        groups_for(0, 2)
