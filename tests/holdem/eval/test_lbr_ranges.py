"""LBR's opponent range against brute-force enumeration of the blueprint's translation branches."""
import numpy as np
import pytest
from evalkit import trained_run

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID
from holdem.blueprint import OFF_TREE, Blueprint
from holdem.eval.lbr import LBRKernel
from holdem.game.engine import ActionKind, HandState
from holdem.game.tree_arrays import NODE_DECISION

C, R, F = ActionKind.CHECK_CALL, ActionKind.RAISE, ActionKind.FOLD


@pytest.fixture(scope="module")
def bp(tmp_path_factory):
    return Blueprint.load(trained_run(tmp_path_factory))


def _children(bp, node, state, action):
    """{child: probability} of the blueprint's step, found from Blueprint._step alone: the child is a step
    function of the draw u (the lower size below a threshold), located by bisection."""
    lo = bp._step(node, state, action, 0.0)
    hi = bp._step(node, state, action, 1.0 - 1e-16)
    if lo == hi:
        return {lo: 1.0}
    a, b = 0.0, 1.0
    for _ in range(60):
        mid = (a + b) / 2
        a, b = (mid, b) if bp._step(node, state, action, mid) == lo else (a, mid)
    return {lo: a, hi: 1.0 - a}


def _valid(bp, node, state):
    tree = bp.tree
    return (node != OFF_TREE and tree.kind[node] == NODE_DECISION and tree.street[node] == state.street
            and tree.actor[node] == bp.tree_seat(state.actor, state.button))


def brute_force_range(bp, holes, board, button, lbr, moves, opponent_holes):
    """Unnormalised P(the opponent's observed moves | its hole) for each of ``opponent_holes``: every combination
    of translation outcomes enumerated, each a path in the abstract tree, weighted by its probability."""
    config = bp.game_config
    opp = 1 - lbr
    state = HandState.start(config, holes, board, button)
    before, actions = [], []
    for kind, amount in moves:
        before.append(state.copy())
        actions.append(state.fold() if kind == F else state.check_or_call() if kind == C else state.raise_to(amount))
    paths = [([0], 1.0)]  # (node before each action, probability)
    for s, action in zip(before, actions):
        grown = []
        for nodes, p in paths:
            node = nodes[-1]
            options = {OFF_TREE: 1.0} if node == OFF_TREE else _children(bp, node, s, action)
            grown += [(nodes + [c], p * q) for c, q in options.items()]
        paths = grown
    out = {}
    for hole in opponent_holes:
        cards = [list(holes[0]), list(holes[1])]
        cards[opp] = list(hole)
        total = 0.0
        for nodes, p in paths:
            weight = p
            for i, action in enumerate(actions):
                if action.seat != opp:
                    continue
                alt = HandState.start(config, cards, board, button)
                for past in actions[:i]:
                    alt.apply(past)
                node = nodes[i] if _valid(bp, nodes[i], alt) else OFF_TREE
                bp.locate = lambda st, seat=None, node=node: node  # the branch's node, not the hashed draw's
                decision = bp.action_probabilities(alt)
                del bp.locate
                weight *= sum(c.probability for c in decision.choices
                              if c.kind == action.kind and (c.kind != R or c.amount == action.amount))
            total += weight
        out[HOLE_ID[hole[0], hole[1]]] = total
    return out, paths


HISTORIES = [
    # button/SB LBR (seat 0) raises to 10bb (between the pot raise and all-in: translated), BB calls; BB checks the
    # flop, LBR bets 1.25 pots (translated again), BB calls; BB checks the turn
    (0, 0, [(R, 1000), (C, 900), (C, 0), (R, 2500), (C, 2500), (C, 0)]),
    # LBR in the big blind: the button limps, LBR raises to 7bb, the button re-raises to 21bb, LBR calls, then
    # on the flop LBR checks and the button bets the pot
    (0, 1, [(C, 50), (R, 700), (R, 2100), (C, 1400), (C, 0), (R, 4200)]),
]


@pytest.mark.parametrize("button,lbr,moves", HISTORIES)
def test_translation_averaged_range_equals_brute_force_enumeration(bp, button, lbr, moves):
    rng = np.random.default_rng(5)
    cards = [int(c) for c in rng.permutation(52)]
    holes = [cards[0:2], cards[2:4]]
    board = cards[4:9]
    kernel = LBRKernel(bp, "fcpa", runouts=16)
    model, branches = kernel.model_range(holes, board, button, lbr, moves)
    dead = set(holes[lbr]) | set(board[:3 if len(moves) > 2 else 0])
    candidates = [tuple(int(c) for c in HOLE_CARDS[h]) for h in rng.permutation(1326)]
    chosen = [h for h in candidates if not set(h) & dead and not set(h) & set(board)][:14]
    expected, paths = brute_force_range(bp, holes, board, button, lbr, moves, chosen)
    assert len(paths) >= 2  # the histories do exercise randomized translation
    ids = list(expected)
    want = np.array([expected[h] for h in ids])
    got = model[ids]
    assert want.sum() > 0
    np.testing.assert_allclose(got / got.sum(), want / want.sum(), rtol=1e-9, atol=1e-12)
    ends = {nodes[-1] for nodes, p in paths if p > 0}
    assert set(branches) <= ends | {OFF_TREE} and len(branches) > 1
    for h in range(1326):  # card removal: the LBR player's cards and the board so far
        if set(HOLE_CARDS[h]) & set(holes[lbr]):
            assert model[h] == 0.0


def test_range_of_an_unraised_hand_is_the_blueprints_rows(bp):
    """With no translation, the range is prior x the blueprint's probability of the observed action."""
    rng = np.random.default_rng(1)
    state = HandState.start_random(bp.game_config, rng, button=0)
    kernel = LBRKernel(bp, "fc-fcpa", runouts=16)
    model, branches = kernel.model_range(state.holes, state.board, 0, 1, [(C, 50)])
    assert len(branches) == 1
    rows = {}
    for h in range(1326):
        hole = tuple(int(c) for c in HOLE_CARDS[h])
        if set(hole) & set(state.holes[1]):
            assert model[h] == 0
            continue
        if h % 97 == 0 and not set(hole) & set(state.board):  # the engine deals the whole board up front
            alt = HandState.start(bp.game_config, [list(hole), list(state.holes[1])], state.board, 0)
            d = bp.action_probabilities(alt)
            rows[h] = next(c.probability for c in d.choices if c.kind == C and c.abstract_action >= 0)
    ids = list(rows)
    want = np.array([rows[h] for h in ids])
    np.testing.assert_allclose(model[ids] / model[ids].sum(), want / want.sum(), rtol=1e-9)
