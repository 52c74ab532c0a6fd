"""The compiled betting tree agrees with the reference engine (holdem.game.engine).

Random paths are walked through the tree and the engine side by side: at every
decision node the actor, street, pot, contributions and folds must match the
engine; fold/check/call must match its legal moves; every abstract raise must
be legal in the engine and equal the abstraction's mapping applied to the
engine's legal range; at every terminal the payoffs computed from the tree's
contributions/folds (side pots, odd chips as the engine states its rule) and
the dealt cards' strengths must equal the engine's (odd chips: pots won by
the same seats are split as one, the remainder to the first winner clockwise
from seat 1, the seat left of the button).  Small trees are also
checked exhaustively (every node).
"""
from __future__ import annotations

import numpy as np
import pytest

from holdem.abstraction.actions import ActionAbstraction, StreetActions
from holdem.evaluator import evaluate
from holdem.game.config import GameConfig
from holdem.game.engine import ActionKind, HandState, deal
from holdem.game.tree import build_tree
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE, NODE_DECISION, NODE_FOLD


def tree_payoffs(contrib, folded, strength, odd_chip_first: int) -> list[int]:
    """Net chips per seat at a terminal, from contributions alone (uncalled chips come back via side pots)."""
    n = len(contrib)
    live = [s for s in range(n) if not folded[s]]
    won = [0] * n
    if len(live) == 1:
        won[live[0]] = sum(contrib)
        return [w - c for w, c in zip(won, contrib)]
    order = [(odd_chip_first + i) % n for i in range(n)]
    pots: list[list] = []  # [amount, eligible seats]
    previous = 0
    for level in sorted(set(c for c in contrib if c > 0)):
        amount = sum(min(c, level) - min(c, previous) for c in contrib)
        eligible = [s for s in live if contrib[s] >= level]
        assert eligible, "a pot nobody can win: contributions are inconsistent"
        if pots and pots[-1][1] == eligible:
            pots[-1][0] += amount
        else:
            pots.append([amount, eligible])
        previous = level
    # consecutive pots won by the same seats are split as one (the engine's stated rule)
    splits: list[list] = []
    for amount, eligible in pots:
        best = max(strength[s] for s in eligible)
        winners = [s for s in order if s in eligible and strength[s] == best]
        if splits and splits[-1][1] == winners:
            splits[-1][0] += amount
        else:
            splits.append([amount, winners])
    for amount, winners in splits:
        share, odd = divmod(amount, len(winners))
        for s in winners:
            won[s] += share
        won[winners[0]] += odd
    return [w - c for w, c in zip(won, contrib)]


def raises_on_street(state: HandState) -> int:
    return sum(1 for a in state.history if a.street == state.street and a.kind == ActionKind.RAISE)


def check_decision(tree, node, state: HandState, actions: ActionAbstraction, game: GameConfig) -> None:
    assert not state.is_over, f"node {node}: tree has a decision, engine says the hand is over"
    assert state.actor == tree.actor[node], f"node {node}: actor"
    assert state.street == tree.street[node], f"node {node}: street"
    assert state.pot == tree.pot[node], f"node {node}: pot"
    assert state.contrib == tuple(tree.contrib[node]), f"node {node}: contrib"
    assert state.folded == tuple(bool(f) for f in tree.folded[node]), f"node {node}: folded"
    legal = state.legal()
    n = int(tree.n_actions[node])
    kinds = [int(k) for k in tree.action_kind[node, :n]]
    amounts = [int(a) for a in tree.action_amount[node, :n]]
    assert (kinds[0] == ACTION_FOLD) == legal.can_fold, f"node {node}: fold offered iff legal"
    i_call = 1 if legal.can_fold else 0
    assert kinds[i_call] == ACTION_CHECK_CALL and amounts[i_call] == legal.call_amount, f"node {node}: call"
    raises = amounts[i_call + 1 :]
    assert all(k == ACTION_RAISE for k in kinds[i_call + 1 :])
    if legal.can_raise:
        for r in raises:
            assert legal.min_raise_to <= r <= legal.max_raise_to, f"node {node}: raise to {r} illegal ({legal})"
        top = max(state.street_bets)
        expected = actions.raise_amounts(
            state.street,
            raises_on_street(state),
            top,
            state.pot,
            top - state.street_bets[legal.seat],
            legal.min_raise_to,
            legal.max_raise_to,
            game.big_blind,
        )
        assert tuple(raises) == expected, f"node {node}: raises {raises} != abstraction of engine range {expected}"
    else:
        assert raises == [], f"node {node}: tree raises where the engine forbids it ({legal})"
    assert len(n_padding := tree.children[node, n:]) == 0 or (n_padding == -1).all()


def check_terminal(tree, node, state: HandState) -> None:
    assert state.is_over, f"node {node}: tree terminal, engine still has seat {state.actor} to act"
    strength = [evaluate(list(state.holes[s]) + list(state.board)) for s in range(tree.n_players)]
    got = tree_payoffs([int(c) for c in tree.contrib[node]], tree.folded[node], strength, 1)
    assert tuple(got) == state.payoffs(), f"node {node}: payoffs {got} != engine {state.payoffs()}"
    if tree.kind[node] == NODE_FOLD:
        assert sum(not f for f in tree.folded[node]) == 1


def apply(state: HandState, kind: int, amount: int) -> None:
    if kind == ACTION_FOLD:
        state.fold()
    elif kind == ACTION_CHECK_CALL:
        state.check_or_call()
    else:
        state.raise_to(amount)


def walk_random_paths(game: GameConfig, actions: ActionAbstraction, n_paths: int, seed: int) -> int:
    tree = build_tree(game, actions)
    rng = np.random.default_rng(seed)
    steps = 0
    for _ in range(n_paths):
        holes, board = deal(game, rng)
        state = HandState.start(game, holes, board)
        node = 0
        while tree.kind[node] == NODE_DECISION:
            check_decision(tree, node, state, actions, game)
            a = int(rng.integers(tree.n_actions[node]))
            apply(state, int(tree.action_kind[node, a]), int(tree.action_amount[node, a]))
            node = int(tree.children[node, a])
            steps += 1
        check_terminal(tree, node, state)
    return steps


def walk_every_node(game: GameConfig, actions: ActionAbstraction, seed: int) -> int:
    """Depth-first over the whole tree, one engine copy per edge."""
    tree = build_tree(game, actions)
    rng = np.random.default_rng(seed)
    holes, board = deal(game, rng)
    stack = [(0, HandState.start(game, holes, board))]
    seen = 0
    while stack:
        node, state = stack.pop()
        seen += 1
        if tree.kind[node] != NODE_DECISION:
            check_terminal(tree, node, state)
            continue
        check_decision(tree, node, state, actions, game)
        for a in range(int(tree.n_actions[node])):
            child = state.copy()
            apply(child, int(tree.action_kind[node, a]), int(tree.action_amount[node, a]))
            stack.append((int(tree.children[node, a]), child))
    assert seen == tree.n_nodes
    return seen


S = StreetActions
# Sizes chosen to hit every mapping case: below the minimum raise (0.1 pot, 1bb),
# duplicates after rounding, above the stack (8x pot), all-in on/off.
RICH = ActionAbstraction(
    (
        S(("2.5bb", 0.1, 1.0), (0.5, 1.0, 8.0), True, 4),
        S((0.1, 0.5, 1.0), (1.0, 8.0), False, 3),
        S((0.33, 1.0), (0.1, 1.0), True, 3),
        S((0.5, 2.0), (1.0,), True, 2),
    )
)
SMALL = ActionAbstraction(
    (
        S(("2.5bb", 0.1), (1.0,), True, 3),
        S((0.5,), (0.1,), True, 2),
        S((1.0,), (), True, 1),
        S((0.5,), (), False, 1),
    )
)
# 6 seats multiply sequences fast: open 2.5bb or all-in, then only all-in
# preflop; one pot bet on the flop; the turn checked through; all-in on the river.
TINY = ActionAbstraction(
    (
        S(("2.5bb",), (), True, 2),
        S((1.0,), (), False, 1),
        S((), (), False, 0),
        S((), (), True, 1),
    )
)


def random_game(rng: np.random.Generator, players: int) -> GameConfig:
    small_blind, big_blind = [(1, 2), (5, 10), (50, 100), (2, 5)][int(rng.integers(4))]
    ante = int(rng.choice([0, 0, 1, big_blind // 5]))
    # mostly deep-ish but unequal stacks, sometimes a stack shorter than the blinds
    stacks = []
    for _ in range(players):
        if rng.random() < 0.12:
            stacks.append(int(rng.integers(1, 2 * big_blind + 1)))
        else:
            stacks.append(int(rng.integers(3 * big_blind, 60 * big_blind)))
    return GameConfig(players, stacks, small_blind, big_blind, ante)


@pytest.mark.parametrize(
    "players, actions, n_games, paths_per_game",
    [(2, RICH, 12, 250), (3, SMALL, 10, 250), (6, TINY, 6, 300)],
    ids=["heads-up", "3-handed", "6-handed"],
)
def test_random_paths_agree_with_engine(players, actions, n_games, paths_per_game):
    rng = np.random.default_rng(1000 + players)
    steps = 0
    for _ in range(n_games):
        game = random_game(rng, players)
        steps += walk_random_paths(game, actions, paths_per_game, seed=int(rng.integers(1 << 31)))
    assert steps > n_games * paths_per_game  # paths are not all trivial


@pytest.mark.parametrize(
    "game",
    [
        GameConfig(2, [1000, 1000], 5, 10, 0),
        GameConfig(2, [400, 137], 5, 10, 2),
        GameConfig(3, [300, 55, 1000], 5, 10, 1),
        GameConfig(2, [7, 1000], 5, 10, 0),  # the small blind can only call all-in
        GameConfig(3, [1000, 800, 7], 5, 10, 2),  # the big blind posts short
    ],
    ids=["hu-equal", "hu-unequal-ante", "3-unequal-ante", "hu-short-sb", "3-short-bb"],
)
def test_every_node_agrees_with_engine(game):
    actions = ActionAbstraction(
        (
            S(("2.5bb", 1.0), (0.1,), True, 3),
            S((0.5,), (1.0,), True, 2),
            S((1.0,), (), True, 1),
            S((0.75,), (), True, 1),
        )
    )
    assert walk_every_node(game, actions, seed=7) > 2


def test_shipped_hu_small_tree_agrees_with_engine_everywhere():
    from holdem.config import load_config

    config = load_config("hu_small")
    assert walk_every_node(config.game, config.actions, seed=3) == build_tree(config.game, config.actions).n_nodes


@pytest.mark.slow
@pytest.mark.parametrize("players", [2, 3, 4, 5, 6])
def test_many_random_paths_agree_with_engine(players):
    rng = np.random.default_rng(50 + players)
    actions = {2: RICH, 3: SMALL}.get(players, TINY)
    for _ in range(40):
        walk_random_paths(random_game(rng, players), actions, 500, seed=int(rng.integers(1 << 31)))
