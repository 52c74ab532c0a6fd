"""River ranges from the blueprint by Bayes' rule equal a brute force over hole cards on the rules engine."""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID
from holdem.blueprint import Blueprint
from holdem.eval.baselines import BlueprintBot, apply_move
from holdem.game.engine import RIVER, ActionKind, HandState
from holdem.search.holdem_ranges import history_reaches

from .holdemkit import tiny_run

HOLES_CHECKED = 40


@pytest.fixture(scope="module")
def bp(tmp_path_factory) -> Blueprint:
    return Blueprint.load(tiny_run(tmp_path_factory))


def _river_hand(bp, seed, plan):
    """A hand taken to the river by the blueprint's own moves (so on its tree): per decision of ``plan``,
    "r" its first raise (when it has one), else its check or call."""
    bot = BlueprintBot(bp)
    state = HandState.start_random(bp.game_config, np.random.default_rng(seed), button=seed % 2)
    for step in plan:
        if state.street >= RIVER:
            break
        moves = [m for m, _ in bot.distribution(state)]
        raises = [m for m in moves if m[0] == ActionKind.RAISE]
        call = next(m for m in moves if m[0] == ActionKind.CHECK_CALL)
        apply_move(state, raises[0] if step == "r" and raises else call)
    while state.street < RIVER:
        state.check_or_call()
    return state


def _brute_force(bp, state, seat, hole):
    """The blueprint's probability of ``seat``'s actions before the river, replayed holding ``hole``."""
    used = set(hole) | set(state.board)
    other = [c for c in range(52) if c not in used][:2]
    holes = [list(hole), other] if seat == 0 else [other, list(hole)]
    replay = HandState.start(state.config, holes, state.board, state.button)
    bot = BlueprintBot(bp)
    p = 1.0
    for action in state.history:
        if action.street >= RIVER:
            break
        if action.seat == seat:
            dist = bot.distribution(replay)
            p *= sum(q for move, q in dist if move == (action.kind, action.amount))
        replay.apply(action)
    return p


@pytest.mark.parametrize("seed, plan", [(11, "cc" "rc" "cc"), (12, "rc" "cc" "rc"), (13, "c" "crc" "cc")])
def test_reaches_equal_the_brute_force(bp, seed, plan):
    state = _river_hand(bp, seed, plan)
    assert any(a.kind == ActionKind.RAISE for a in state.history)
    reach = history_reaches(bp, state, state.actor)
    board = set(state.board)
    dead = np.array([bool(set(map(int, HOLE_CARDS[h])) & board) for h in range(1326)])
    assert np.all(reach[:, dead] == 0.0)
    rng = np.random.default_rng(seed)
    for seat in (0, 1):
        for h in rng.choice(np.flatnonzero(~dead), HOLES_CHECKED, replace=False):
            hole = tuple(int(c) for c in HOLE_CARDS[h])
            assert HOLE_ID[hole[0], hole[1]] == h
            assert reach[seat, h] == pytest.approx(_brute_force(bp, state, seat, hole), rel=1e-9, abs=1e-12)
    assert reach[0].max() > 0 and reach[1].max() > 0
