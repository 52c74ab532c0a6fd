import numpy as np
import pytest

from holdem.cards import parse_cards
from holdem.eval.baselines import BASELINES, CallBot, RaisePotBot, TagBot, apply_move, make_baseline
from holdem.game.config import GameConfig
from holdem.game.engine import ActionKind, HandState


@pytest.mark.parametrize("players", [2, 3, 6])
def test_every_baseline_only_makes_legal_moves(players):
    config = GameConfig(players, 2000, 10, 20)
    rng = np.random.default_rng(players)
    names = list(BASELINES)
    moves = {name: set() for name in names}
    for hand in range(40):
        bots = [make_baseline(names[(hand + s) % len(names)]) for s in range(players)]
        state = HandState.start_random(config, rng, button=hand % players)
        while not state.is_over:
            bot = bots[state.actor]
            move = bot.act(state, rng)
            moves[bot.name].add(move[0])
            apply_move(state, move)  # raises IllegalAction on an illegal move
        assert sum(state.payoffs()) == 0
    assert moves["call"] == {ActionKind.CHECK_CALL}
    assert ActionKind.RAISE in moves["raise-pot"] and ActionKind.FOLD not in moves["raise-pot"]
    assert moves["random"] == {ActionKind.FOLD, ActionKind.CHECK_CALL, ActionKind.RAISE}


def test_unknown_baseline_names_the_choices():
    with pytest.raises(ValueError, match="random, call, raise-pot, tag"):
        make_baseline("nit")


def test_raise_pot_raises_to_the_pot_sized_amount():
    config = GameConfig(2, 10000, 50, 100)
    state = HandState.start(config, [parse_cards("2c 3d"), parse_cards("4h 5s")], parse_cards("6c 7c 8c 9d Th"))
    # the button faces 50 more with 150 in the pot: pot raise to 100 + 150 + 50
    assert RaisePotBot().act(state, np.random.default_rng(0)) == (ActionKind.RAISE, 300)
    assert CallBot().act(state, np.random.default_rng(0)) == (ActionKind.CHECK_CALL, 50)


def test_tag_plays_tight_and_aggressive_preflop():
    config = GameConfig(2, 10000, 50, 100)
    rng = np.random.default_rng(0)
    board = parse_cards("2h 2s 9c Jd Kh")
    aces = HandState.start(config, [parse_cards("Ac Ad"), parse_cards("7s 6s")], board)
    assert TagBot().act(aces, rng) == (ActionKind.RAISE, 300)
    facing = HandState.start(config, [parse_cards("7c 2d"), parse_cards("Ah As")], board)
    facing.raise_to(300)  # the button (seat 0) opens; seat 1 re-raises its aces to 3x
    assert TagBot().act(facing, rng) == (ActionKind.RAISE, 900)
    trash = HandState.start(config, [parse_cards("As Ks"), parse_cards("7c 2d")], board)
    trash.raise_to(300)
    assert TagBot().act(trash, rng) == (ActionKind.FOLD, 0)
