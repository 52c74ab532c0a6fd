"""The compiled ES-MCCFR solver: reproducibility, convergence, pruning, floor, wrapping, GIL release."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from holdem.exploitability import exploitability, policy_values, uniform_policy
from holdem.game.tree_arrays import NODE_DECISION
from holdem.games.kuhn import GAME_VALUE_PLAYER0, kuhn_game
from holdem.games.leduc import leduc_game
from holdem.games.spec import GameSpec
from holdem.mccfr.kernel import run_iterations
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.schedule import discounts_between, table_scale
from holdem.mccfr.solver import DEAL_CHUNK, Solver, batch_seed
from holdem.mccfr.tables import Tables

EXACT = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=10_000, discount_until=10**9)


def _train(game, params, iterations, batch, seed=3, solver=None):
    solver = solver or Solver(game, params)
    it = 0
    while it < iterations:
        k = it // batch
        solver.run_batch(it, batch, batch_seed(seed, k))
        it += batch
    return solver


def test_batch_seed_is_deterministic_and_spread():
    seeds = {batch_seed(7, k) for k in range(1000)}
    assert len(seeds) == 1000
    assert batch_seed(7, 3) == batch_seed(7, 3) != batch_seed(8, 3)
    assert all(0 <= s < 2**63 for s in seeds)


def test_same_inputs_same_tables_and_different_seed_differs():
    game = leduc_game()
    a, b, c = Solver(game, EXACT), Solver(game, EXACT), Solver(game, EXACT)
    a.run_batch(0, 3000, 11)
    b.run_batch(0, 3000, 11)
    c.run_batch(0, 3000, 12)
    assert np.array_equal(a.tables.regret, b.tables.regret)
    assert np.array_equal(a.tables.strategy, b.tables.strategy)
    assert not np.array_equal(a.tables.regret, c.tables.regret)


def test_a_batch_split_anywhere_equals_the_whole_batch():
    game = leduc_game()
    whole = Solver(game, EXACT)
    stats = whole.run_batch(500, 3 * DEAL_CHUNK, 99)
    split = Solver(game, EXACT)
    cut = 500 + DEAL_CHUNK + 377  # mid deal chunk
    s1 = split.run_batch(500, cut - 500, 99)
    s2 = split.run_batch(cut, 3 * DEAL_CHUNK - (cut - 500), 99, batch_start=500)
    assert np.array_equal(whole.tables.regret, split.tables.regret)
    assert np.array_equal(whole.tables.strategy, split.tables.strategy)
    assert stats.nodes_visited == s1.nodes_visited + s2.nodes_visited
    assert stats.iterations == 3 * DEAL_CHUNK


def test_progress_and_stats():
    solver = Solver(kuhn_game(), EXACT)
    stats = solver.run_batch(0, 1234, 5)
    assert stats.iterations == 1234 and stats.seconds > 0
    assert solver.progress[0] == 1234 and solver.progress[1] == stats.nodes_visited
    # a Kuhn traversal visits at least 3 nodes (root, a reply, a terminal) per seat
    assert stats.nodes_visited >= 1234 * 2 * 3


def test_kuhn_reaches_the_game_value():
    game = kuhn_game()
    params = MCCFRParams(prune_probability=0.0, average_streets=(0,), discount_interval=10_000, discount_until=10**6)
    solver = _train(game, params, 300_000, 10_000)
    policy = solver.average_policy()
    assert policy_values(game, policy)[0] == pytest.approx(GAME_VALUE_PLAYER0, abs=1e-3)
    assert exploitability(game, policy) < 0.01


def test_leduc_exploitability_falls():
    game = leduc_game()
    solver = Solver(game, EXACT)
    values = [exploitability(game, uniform_policy(game))]
    done = 0
    for target in (10_000, 100_000, 600_000):
        while done < target:
            solver.run_batch(done, 10_000, batch_seed(1, done // 10_000))
            done += 10_000
        values.append(exploitability(game, solver.average_policy()))
    assert values == sorted(values, reverse=True)
    assert values[-1] < 0.05


def _root_raise_rows(game):
    tree, layout = game.tree, game.layout
    na = int(tree.n_actions[0])
    raise_a = na - 1
    assert tree.kind[tree.children[0, raise_a]] == NODE_DECISION  # prunable: not terminal, not the last street
    return [int(layout.offset[0]) + b * na + raise_a for b in range(layout.buckets_per_street[0])]


def test_pruning_skips_low_regret_actions_only_when_allowed():
    game = leduc_game()
    rows = _root_raise_rows(game)
    base = dict(average_streets=(0, 1), linear_weighting=False, prune_threshold=-1000.0, regret_floor=-1e7)
    for prob, expect_frozen in ((1.0, True), (0.0, False)):
        params = MCCFRParams(prune_after=0, prune_probability=prob, **base)
        solver = Solver(game, params)
        solver.tables.regret[rows] = -1e6
        solver.run_batch(0, 2000, 4)
        frozen = bool(np.all(solver.tables.regret[rows] == np.float32(-1e6)))
        assert frozen == expect_frozen
    # before prune_after nothing is pruned
    solver = Solver(game, MCCFRParams(prune_after=10**6, prune_probability=1.0, **base))
    solver.tables.regret[rows] = -1e6
    solver.run_batch(0, 2000, 4)
    assert np.all(solver.tables.regret[rows] != np.float32(-1e6))


def test_last_street_and_terminal_actions_are_not_pruned():
    game = leduc_game()
    tree, layout = game.tree, game.layout
    params = MCCFRParams(prune_after=0, prune_probability=1.0, prune_threshold=-1000.0, regret_floor=-1e7,
                         average_streets=(0, 1), linear_weighting=False)
    solver = Solver(game, params)
    last = [n for n in tree.decision_nodes() if tree.street[n] == 1]
    rows = [int(layout.offset[n]) + b * int(tree.n_actions[n]) for n in last for b in range(9)]
    solver.tables.regret[rows] = -1e6  # first action of every last-street row
    solver.run_batch(0, 5000, 4)
    assert np.any(solver.tables.regret[rows] != np.float32(-1e6))


def test_regret_floor_holds():
    params = MCCFRParams(prune_probability=0.0, prune_threshold=-2.0, regret_floor=-2.0, average_streets=(0, 1))
    solver = Solver(leduc_game(), params)
    solver.run_batch(0, 20_000, 8)
    assert solver.tables.regret.min() >= -2.0
    assert solver.tables.regret.min() == -2.0  # the floor is reached, so the check above is not vacuous


def test_average_streets_limit_the_strategy_sums():
    game = leduc_game()
    solver = Solver(game, MCCFRParams(prune_probability=0.0, average_streets=(0,)))
    solver.run_batch(0, 5000, 2)
    tree, layout = game.tree, game.layout
    flop_node = next(n for n in tree.decision_nodes() if tree.street[n] == 1)
    start = int(layout.offset[flop_node])
    assert np.all(solver.tables.strategy[start : start + 9 * int(tree.n_actions[flop_node])] == 0)
    assert solver.tables.strategy[: start].sum() > 0


def test_tables_are_wrapped_not_copied():
    game = kuhn_game()
    regret = np.zeros(game.layout.size, dtype=np.float32)
    strategy = np.zeros(game.layout.size, dtype=np.float64)
    solver = Solver(game, EXACT, Tables(regret, strategy))
    solver.run_batch(0, 100, 1)
    assert solver.tables.regret is regret and regret.any() and strategy.any()
    with pytest.raises(ValueError, match="needs 24"):
        Solver(game, EXACT, Tables.zeros(10))
    with pytest.raises(ValueError, match="float32"):
        Tables(np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("make_game", [kuhn_game, leduc_game])
def test_lazy_discounting_equals_eager(make_game):
    """The table scale gives what multiplying every row by each discount factor gives, to float rounding."""
    params = MCCFRParams(prune_probability=0.0, average_streets=(0, 1), discount_interval=300, discount_until=2000)
    game, batch = make_game(), 100
    lazy, eager = Solver(game, params), Solver(game, params)
    for it in range(0, 3000, batch):
        lazy.run_batch(it, batch, batch_seed(5, it // batch))
        eager.run_batch(it, batch, batch_seed(5, it // batch), scale=1.0)
        for d in discounts_between(params, it, it + batch):
            eager.tables.regret *= np.float32(d.factor)
            eager.tables.strategy *= d.factor
    scale = table_scale(params, 3000)
    assert scale == 1 + 2000 // 300
    np.testing.assert_allclose(lazy.tables.regret / scale, eager.tables.regret, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(lazy.tables.strategy / scale, eager.tables.strategy, rtol=1e-4, atol=1e-4)
    assert np.abs(eager.tables.regret).max() > 1  # the tables did move


def test_table_scale_is_one_plus_the_discounts_applied():
    params = MCCFRParams(discount_interval=10, discount_until=35)
    assert [table_scale(params, t) for t in (0, 9, 10, 19, 20, 30, 35, 40, 10**6)] == [1, 1, 2, 2, 3, 4, 4, 4, 4]
    assert table_scale(replace(params, linear_weighting=False), 100) == 1.0


class _ShiftyDealer:
    """Deals differently depending on how many hands are asked for: not prefix-stable."""

    def __init__(self, inner):
        self.inner = inner

    def deal(self, seed, n):
        return self.inner.deal(seed + n, n)


def test_dealer_must_be_prefix_stable():
    game = kuhn_game()
    bad = GameSpec(game.name, game.tree, game.layout, _ShiftyDealer(game.dealer), "")
    with pytest.raises(ValueError, match="prefix-stable"):
        Solver(bad, EXACT)


def test_kernel_releases_the_gil():
    """While one thread is inside a single kernel call, this thread runs and sees its progress counter move."""
    game = leduc_game()
    solver = Solver(game, EXACT)
    n = 500_000
    buckets, strength = game.dealer.deal(1, 2 * n)
    head = (*solver._arrays, solver._average, 1.0, solver.tables.regret, solver.tables.strategy, buckets, strength)
    tail = (5, 10**9, 0.0, -1.0, -2.0, 1, *solver._stack, solver.progress, *solver.tracking.kernel_args())
    args = (*head, 0, 0, n, *tail)
    run_iterations(*head, 0, 0, 10, *tail)  # compiled before timing
    solver.progress[:] = 0
    worker = threading.Thread(target=run_iterations, args=args)
    worker.start()
    seen = set()
    while worker.is_alive():
        seen.add(int(solver.progress[0]))
        time.sleep(0.001)
    worker.join()
    assert any(0 < s < n for s in seen)
