import numpy as np
import pytest
from evalkit import trained_run

from holdem.abstraction.features import HOLE_ID
from holdem.blueprint import Blueprint
from holdem.eval.baselines import BlueprintBot
from holdem.eval.lbr import LocalBestResponse
from holdem.eval.lbr_exact import lbr_policy, lbr_values
from holdem.eval.match import run_match
from holdem.exploitability import best_response_values, policy_values, uniform_policy
from holdem.game.engine import ActionKind, HandState
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE
from holdem.games.kuhn import kuhn_game
from holdem.games.leduc import leduc_game
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver


def _trained(game, iterations):
    solver = Solver(game, MCCFRParams())
    solver.run_batch(0, iterations, seed=1)
    return solver.average_policy()


def _random_policy(game, seed):
    rng = np.random.default_rng(seed)
    out = np.zeros(game.layout.size)
    tree = game.tree
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        for b in range(game.layout.buckets_per_street[tree.street[node]]):
            row = game.layout.offset[node] + b * na
            out[row : row + na] = rng.dirichlet(np.ones(na))
    return out


@pytest.mark.parametrize("make_game", [kuhn_game, leduc_game])
def test_exact_lbr_never_beats_the_best_response(make_game):
    game = make_game()
    policies = {"uniform": uniform_policy(game), "trained": _trained(game, 3000),
                "random": _random_policy(game, 0)}
    for name, policy in policies.items():
        lbr = lbr_values(game, policy)
        br = best_response_values(game, policy)
        assert (lbr <= br + 1e-9).all(), name
    # against the uniform policy LBR wins much more than the policy's own value
    lbr, own = lbr_values(game, policies["uniform"]), policy_values(game, policies["uniform"])
    assert (lbr > own + 0.1).all()


def test_exact_lbr_is_a_pure_strategy_of_the_lbr_seat_only():
    game = leduc_game()
    policy = _trained(game, 2000)
    mixed = lbr_policy(game, policy, seat=0)
    tree, layout = game.tree, game.layout
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        rows = slice(layout.offset[node], layout.offset[node] + layout.buckets_per_street[tree.street[node]] * na)
        if tree.actor[node] == 0:
            block = mixed[rows].reshape(-1, na)
            assert set(np.unique(block)) <= {0.0, 1.0} and (block.sum(axis=1) == 1).all()
        else:
            assert np.array_equal(mixed[rows], policy[rows])


def test_exact_lbr_bets_into_an_opponent_who_always_folds():
    """Kuhn: if the second player folds to every bet, betting wins the ante with any card but the king
    (which wins the same by checking; a tie goes to the check)."""
    game = kuhn_game()
    tree, layout = game.tree, game.layout
    policy = uniform_policy(game)
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        kinds = list(tree.action_kind[node, :na])
        if tree.actor[node] == 1 and ACTION_FOLD in kinds:
            for b in range(layout.buckets_per_street[0]):
                row = layout.offset[node] + b * na
                policy[row : row + na] = 0.0
                policy[row + kinds.index(ACTION_FOLD)] = 1.0
    mixed = lbr_policy(game, policy, seat=0)
    kinds = list(tree.action_kind[0, : tree.n_actions[0]])
    bet, check = kinds.index(ACTION_RAISE), kinds.index(ACTION_CHECK_CALL)
    rows = [mixed[layout.offset[0] + b * len(kinds) : layout.offset[0] + (b + 1) * len(kinds)] for b in range(3)]
    assert rows[0][bet] == 1.0 and rows[1][bet] == 1.0 and rows[2][check] == 1.0


@pytest.fixture(scope="module")
def bp(tmp_path_factory):
    return Blueprint.load(trained_run(tmp_path_factory))


def test_opponent_range_is_bayes_rule_over_the_blueprints_own_probabilities(bp):
    """The vectorised range update equals prior x P(action | hole) from per-hand queries."""
    lbr = LocalBestResponse(bp, runouts=16)
    rng = np.random.default_rng(1)
    state = HandState.start_random(bp.game_config, rng, button=0)
    state.check_or_call()  # seat 0 (button) limps: an action of the opponent of seat 1
    state.check_or_call()
    weights = lbr.opponent_range(state, seat=1)
    for hole in ([51, 47], [0, 5], [20, 33], [12, 13]):
        h = HOLE_ID[hole[0], hole[1]]
        if set(hole) & set(state.holes[1]) or set(hole) & set(state.board[:3]):
            assert weights[h] == 0.0
            continue
        holes = [hole, list(state.holes[1])]
        alt = HandState.start(bp.game_config, holes, state.board, button=0)
        d = bp.action_probabilities(alt)
        call = next(c for c in d.choices if c.kind == ActionKind.CHECK_CALL and c.abstract_action >= 0)
        assert weights[h] == pytest.approx(call.probability)
    assert weights[HOLE_ID[state.holes[1][0], state.holes[1][1]]] == 0.0


def test_lbr_raises_against_a_blueprint_that_always_folds_to_raises(bp):
    tree, layout = bp.tree, bp.layout
    policy = bp.policy.copy()
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        kinds = list(tree.action_kind[node, :na])
        if ACTION_FOLD in kinds:
            rows = layout.rows(node, int(tree.street[node]), na)
            policy[rows] = 0.0
            policy[rows[:, kinds.index(ACTION_FOLD)]] = 1.0
    folder = Blueprint(bp.game, policy, game_config=bp.game_config)
    lbr = LocalBestResponse(folder, runouts=16)
    state = HandState.start_random(bp.game_config, np.random.default_rng(0), button=0)
    values = dict(lbr.action_values(state))
    assert values[(ActionKind.RAISE, 300)] == pytest.approx(100.0)  # the big blind folds: LBR wins it
    assert lbr.act(state, np.random.default_rng(0))[0] == ActionKind.RAISE
    result = run_match(bp.game_config, lbr, BlueprintBot(folder), hands=20, seed=2)
    assert (result.group_chips > 0).all()  # LBR never gets to showdown: it wins every pot it raises


def test_lbr_match_runs_on_the_tree(bp):
    lbr = LocalBestResponse(bp, runouts=32)
    bot = BlueprintBot(bp)
    result = run_match(bp.game_config, lbr, bot, hands=8, seed=0)
    assert result.hands == 8 and np.isfinite(result.group_chips).all()
    assert lbr.decisions > 0 and lbr.off_tree == 0 and bot.off_tree == 0
