import numpy as np
import pytest

from holdem.eval.lbr_exact import lbr_policy, lbr_values
from holdem.exploitability import best_response_values, policy_values, uniform_policy
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


def test_exact_lbr_wins_about_nothing_against_a_near_equilibrium():
    """Leduc: as the policy approaches equilibrium LBR's gain over the policy's own value shrinks towards 0, and
    stays below the best response's (the exploitability)."""
    game = leduc_game()
    gains = []
    for iterations in (3000, 1_000_000):
        policy = _trained(game, iterations)
        lbr, br, own = lbr_values(game, policy), best_response_values(game, policy), policy_values(game, policy)
        assert (lbr <= br + 1e-9).all()
        gains.append(((lbr - own).mean(), (br - own).mean()))
    (early, early_br), (late, late_br) = gains
    assert late_br < 0.02 and -0.01 < late <= late_br  # near equilibrium: about 0
    assert early > 5 * late  # far from it LBR finds a lot more
